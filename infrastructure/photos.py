"""Citizens' photos: checked, re-encoded without metadata, encrypted, kept in a storage.

What a photo goes through before anything is recorded (`Photos.prepare`, then `store`):

1. size: at most `PHOTO_MAX_BYTES` as uploaded;
2. type: decoded by Pillow with only the JPEG, PNG and WebP decoders enabled — the file
   name and the declared content type are never trusted;
3. dimensions: read from the header before any pixel is decoded; more than
   `PHOTO_MAX_PIXELS` pixels (a decompression bomb, or just far too large) is refused;
4. re-encoding: the EXIF orientation is applied to the pixels, then only the pixels are
   copied into a fresh image and saved as a baseline JPEG (longest side at most
   `MAX_EDGE`): EXIF (with GPS position, camera, time), XMP, IPTC, ICC profiles,
   comments and any trailing data are gone because nothing but pixels is copied;
5. encryption: AES-256-GCM with the `CIPHER_KEY` of the event store, the storage key as
   associated data (a blob cannot be passed off under another key);
6. storage: under a random 128-bit key, in a local directory (the default) or in
   S3-compatible object storage (several web hosts); `StorageUnavailable` when it does
   not answer, and the caller records nothing.

The storage interface is four methods (put, get, delete, exists); a storage never sees a
plaintext photo.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import threading
import warnings
from base64 import b64decode
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from domain.comments.photos import MAX_PHOTOS, is_photo_key
from domain.errors import InvalidValueError

log = logging.getLogger(__name__)

MAX_EDGE = 2560  # longest side after re-encoding, in pixels
JPEG_QUALITY = 85
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
BLOB_MAGIC = b"MYP1"  # format of a stored blob: magic, 12-byte nonce, AES-GCM ciphertext

NOT_AN_IMAGE = "只能上传 JPEG、PNG 或 WebP 格式的照片（第 {n} 张无法识别为图片）"
TOO_LARGE = "每张照片不能超过 {mb} MB（第 {n} 张过大）"
TOO_MANY_PIXELS = "照片尺寸过大（第 {n} 张超过 {mp} 百万像素）"
TOO_MANY = f"每条留言最多附 {MAX_PHOTOS} 张照片"


class StorageUnavailable(Exception):
    """The photo storage did not answer or refused a write (HTTP 503: nothing recorded)."""


# --- storage ---------------------------------------------------------------------------

class PhotoStorage:
    """Where encrypted photo blobs live, by key. Implementations raise KeyError for a key
    they do not hold and StorageUnavailable when they cannot answer."""

    def put(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def get(self, key: str) -> bytes:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    @staticmethod
    def check_key(key: str) -> str:
        if not is_photo_key(key):
            raise KeyError(key)  # never a path or an object name from outside
        return key


class LocalDirectory(PhotoStorage):
    """A directory on this host (`var/photos` by default): `<root>/<k[:2]>/<key>`.
    Writes go to a temporary file that is renamed into place, so a reader never sees
    half a photo. Several web hosts need a shared storage (object storage) instead."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalDirectory({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        key = self.check_key(key)
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        tmp = path.with_name(f".{key}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError as e:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass  # the directory itself is the problem
            raise StorageUnavailable(f"cannot write photo to {self.root}: {e}") from e

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None
        except OSError as e:
            raise StorageUnavailable(f"cannot read photo from {self.root}: {e}") from e

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as e:
            raise StorageUnavailable(f"cannot delete photo in {self.root}: {e}") from e

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class ObjectStorage(PhotoStorage):
    """S3-compatible object storage (MinIO, Ceph, a cloud's S3): one bucket, an optional
    prefix. boto3 is imported and the client built on first use, never at import."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str = "",
                 access_key: str = "", secret_key: str = "", region: str = "us-east-1"):
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.endpoint_url, self.region = endpoint_url or None, region
        self._credentials = (access_key or None, secret_key or None)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ObjectStorage(bucket={self.bucket!r}, endpoint={self.endpoint_url!r})"

    @cached_property
    def client(self):
        with self._lock:
            try:
                import boto3
                from botocore.config import Config
            except ImportError as e:  # pragma: no cover - an install without the extra
                raise StorageUnavailable(
                    "PHOTO_STORAGE is s3:// but boto3 is not installed "
                    "(pip install 'minyi[s3]')") from e
            access_key, secret_key = self._credentials
            return boto3.client(
                "s3", endpoint_url=self.endpoint_url, region_name=self.region,
                aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                config=Config(connect_timeout=2, read_timeout=10,
                              retries={"max_attempts": 2, "mode": "standard"},
                              s3={"addressing_style": "path"}))

    def _name(self, key: str) -> str:
        key = self.check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, what: str, method: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as e:
            code = str(e.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound"):
                raise KeyError(kwargs.get("Key")) from None
            raise StorageUnavailable(f"object storage refused to {what}: {code} {e}") from e
        except BotoCoreError as e:
            raise StorageUnavailable(f"object storage unavailable ({what}): {e}") from e

    def put(self, key: str, data: bytes) -> None:
        self._call("write a photo", "put_object", Key=self._name(key), Body=data,
                   ContentType="application/octet-stream")

    def get(self, key: str) -> bytes:
        response = self._call("read a photo", "get_object", Key=self._name(key))
        try:
            return response["Body"].read()
        except Exception as e:  # noqa: BLE001 - a connection lost mid-body
            raise StorageUnavailable(f"object storage: reading a photo failed: {e}") from e

    def delete(self, key: str) -> None:
        self._call("delete a photo", "delete_object", Key=self._name(key))

    def exists(self, key: str) -> bool:
        try:
            self._call("look up a photo", "head_object", Key=self._name(key))
        except KeyError:
            return False
        return True


def open_storage(settings) -> PhotoStorage:
    """The storage `PHOTO_STORAGE` names: unset, a path or `file:///dir` — a local
    directory; `s3://bucket[/prefix]` — object storage at `S3_ENDPOINT_URL`."""
    spec = settings.photo_storage
    if not spec:
        return LocalDirectory(Path(settings.var_dir) / "photos")
    parts = urlsplit(spec)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError("PHOTO_STORAGE s3:// needs a bucket: s3://bucket[/prefix]")
        return ObjectStorage(parts.netloc, parts.path, endpoint_url=settings.s3_endpoint_url,
                             access_key=settings.s3_access_key,
                             secret_key=settings.s3_secret_key, region=settings.s3_region)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError("PHOTO_STORAGE file:// must name a local path: file:///dir")
        return LocalDirectory(unquote(parts.path))
    if parts.scheme == "":
        return LocalDirectory(spec)
    raise ValueError(f"PHOTO_STORAGE must be file:///dir or s3://bucket[/prefix], got {spec!r}")


# --- processing ------------------------------------------------------------------------

@dataclass(frozen=True)
class ProcessedPhoto:
    """A re-encoded photo, ready to store: only pixels, no metadata."""

    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def process_photo(raw: bytes, *, number: int = 1, max_bytes: int = 5 * 1024 * 1024,
                  max_pixels: int = 40_000_000) -> ProcessedPhoto:
    """Check one uploaded file and re-encode it as a metadata-free JPEG; an
    InvalidValueError (field "photos") says what is wrong, in Chinese."""
    from PIL import Image, ImageOps

    if len(raw) > max_bytes:
        raise InvalidValueError(TOO_LARGE.format(mb=megabytes(max_bytes), n=number),
                                field="photos")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS)
            width, height = image.size
            if width <= 0 or height <= 0:
                raise ValueError("empty image")
            if width * height > max_pixels:
                raise InvalidValueError(TOO_MANY_PIXELS.format(
                    n=number, mp=max_pixels // 1_000_000 or 1), field="photos")
            if image.format == "JPEG":  # decode at a reduced scale when that is enough
                image.draft("RGB", (MAX_EDGE, MAX_EDGE))
            image.seek(0)  # an animated WebP or PNG: its first frame
            image.load()
            upright = ImageOps.exif_transpose(image)
            pixels = _rgb(upright)
    except InvalidValueError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidValueError(TOO_MANY_PIXELS.format(
            n=number, mp=max_pixels // 1_000_000 or 1), field="photos") from None
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError,
            KeyError, MemoryError, Image.UnidentifiedImageError):
        # not an image, another format, a truncated or corrupt file
        raise InvalidValueError(NOT_AN_IMAGE.format(n=number), field="photos") from None
    if max(pixels.size) > MAX_EDGE:
        pixels.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    # Only pixels go into a fresh image: no info dict, no EXIF, XMP, ICC or comment.
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return ProcessedPhoto(out.getvalue(), "image/jpeg", *clean.size)


def _rgb(image):
    """The image as RGB pixels; transparency is laid on white."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in
                                                image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def megabytes(n: int) -> str:
    """A byte count as megabytes for messages (5242880 -> "5")."""
    value = n / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.2f}"


# --- the service the web uses ---------------------------------------------------------

class Photos:
    """Prepare (check and re-encode), store (encrypted) and read citizens' photos."""

    def __init__(self, storage: PhotoStorage, cipher_key: str, *,
                 max_bytes: int = 5 * 1024 * 1024, max_pixels: int = 40_000_000):
        self.storage = storage
        self.max_bytes, self.max_pixels = max_bytes, max_pixels
        key = b64decode(cipher_key.encode()) if cipher_key else b""
        if len(key) not in (16, 24, 32):
            raise ValueError("photos need CIPHER_KEY (base64 of a 16, 24 or 32-byte key)")
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        self._aead = AESGCM(key)

    def prepare(self, uploads: list[bytes]) -> list[ProcessedPhoto]:
        """Every upload checked and re-encoded (nothing stored yet)."""
        if len(uploads) > MAX_PHOTOS:
            raise InvalidValueError(TOO_MANY, field="photos")
        return [process_photo(raw, number=i, max_bytes=self.max_bytes,
                              max_pixels=self.max_pixels)
                for i, raw in enumerate(uploads, 1)]

    def store(self, photos: list[ProcessedPhoto]) -> list[dict]:
        """Store each under a new random key; their references for the event. When one
        cannot be stored, those already stored are removed and StorageUnavailable raised."""
        refs: list[dict] = []
        try:
            for photo in photos:
                key = secrets.token_hex(16)
                self.storage.put(key, self._seal(key, photo.data))
                refs.append({"key": key, "content_type": photo.content_type,
                             "size": len(photo.data), "width": photo.width,
                             "height": photo.height, "sha256": photo.sha256})
        except StorageUnavailable:
            self.discard(refs)
            raise
        return refs

    def read(self, key: str) -> bytes:
        """The photo's bytes (KeyError if the storage has none under that key)."""
        blob = self.storage.get(key)
        if not blob.startswith(BLOB_MAGIC) or len(blob) < len(BLOB_MAGIC) + 12 + 16:
            raise StorageUnavailable(f"photo {key} is damaged in storage")
        nonce = blob[len(BLOB_MAGIC):len(BLOB_MAGIC) + 12]
        from cryptography.exceptions import InvalidTag
        try:
            return self._aead.decrypt(nonce, blob[len(BLOB_MAGIC) + 12:], key.encode())
        except InvalidTag:
            raise StorageUnavailable(f"photo {key} does not decrypt (wrong key or damaged)") \
                from None

    def discard(self, refs: list[dict]) -> None:
        """Best effort: photos stored for a submission that was not recorded."""
        for ref in refs:
            try:
                self.storage.delete(ref["key"])
            except (StorageUnavailable, KeyError) as e:
                log.warning("could not remove unrecorded photo %s: %s", ref["key"], e)

    def _seal(self, key: str, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return BLOB_MAGIC + nonce + self._aead.encrypt(nonce, data, key.encode())
