"""Photos made with Pillow for the tests: a phone-like JPEG with GPS EXIF, PNG, WebP, bombs."""

import io
import struct
import zlib

from PIL import Image, TiffImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE, MODEL, DATETIME_ORIGINAL = 0x010F, 0x0110, 0x9003
LATITUDE = (31, 13, 50.4)  # a position a photo must never carry once stored
SECRET_COMMENT = b"home of Zhang San"


def jpeg_with_gps(width: int = 64, height: int = 32, *, orientation: int = 1,
                  color=(200, 30, 30)) -> bytes:
    """A JPEG as a phone takes it: EXIF with GPS position, camera, time, orientation,
    an ICC profile, an XMP packet and a comment."""
    image = Image.new("RGB", (width, height), color)
    # a marker pixel block in the top-left corner, to see the orientation applied
    for x in range(min(8, width)):
        for y in range(min(8, height)):
            image.putpixel((x, y), (0, 0, 255))
    exif = Image.Exif()
    exif[MAKE], exif[MODEL] = "TestPhone", "X1"
    exif[ORIENTATION] = orientation
    exif.get_ifd(0x8769)[DATETIME_ORIGINAL] = "2026:09:15 08:30:00"
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[3] = "N", "E"
    gps[2] = tuple(TiffImagePlugin.IFDRational(v) for v in LATITUDE)
    gps[4] = tuple(TiffImagePlugin.IFDRational(v) for v in (121, 28, 12.0))
    out = io.BytesIO()
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
           b'exif:GPSLatitude="31,13.84N"/></rdf:RDF></x:xmpmeta>')
    image.save(out, "JPEG", exif=exif.tobytes(), icc_profile=b"\0" * 128,
               comment=SECRET_COMMENT, xmp=xmp, quality=90)
    return out.getvalue()


def png_bytes(width: int = 40, height: int = 30, mode: str = "RGBA") -> bytes:
    image = Image.new(mode, (width, height), (10, 120, 200, 128) if mode == "RGBA" else 80)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp_bytes(width: int = 30, height: int = 20) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (0, 160, 0)).save(out, "WEBP")
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    return out.getvalue()


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A tiny PNG that claims width × height pixels (a decompression bomb): one
    compressed row repeated; a few hundred kilobytes that would decode to gigabytes."""
    rows = (b"\0" + b"\0" * width) * 250  # filter byte + one grey byte per pixel
    compressor = zlib.compressobj(1)
    data = b"".join(compressor.compress(rows) for _ in range(height // 250))
    data += compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
            + chunk(b"IEND", b""))
