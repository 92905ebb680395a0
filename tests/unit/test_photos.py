"""Citizens' photos: processing (metadata stripped, bombs refused), the aggregate's rules,
and the storages (a local directory; S3 against a real HTTP S3 API served by moto)."""

import io
import os
import socket

import pytest
from eventsourcing.cryptography import AESCipher
from PIL import Image

from domain.comments.photos import MAX_PHOTOS
from domain.errors import IllegalTransitionError, InvalidValueError
from infrastructure.config import Settings
from infrastructure.photos import (BLOB_MAGIC, LocalDirectory, ObjectStorage, Photos,
                                   StorageUnavailable, open_storage, process_photo)
from tests.photo_support import (LATITUDE, SECRET_COMMENT, gif_bytes, jpeg_with_gps,
                                 png_bomb, png_bytes, webp_bytes)
from tests.support import replied, submit


# --- processing -----------------------------------------------------------------------

def test_a_phone_photo_loses_its_gps_position_and_every_other_metadata():
    raw = jpeg_with_gps()
    original = Image.open(io.BytesIO(raw))
    assert original.getexif().get_ifd(0x8825)  # the test photo does carry a position
    assert {"exif", "xmp", "comment", "icc_profile"} <= set(original.info)

    photo = process_photo(raw)

    stored = Image.open(io.BytesIO(photo.data))
    assert stored.format == "JPEG" and photo.content_type == "image/jpeg"
    assert (stored.width, stored.height) == (photo.width, photo.height) == (64, 32)
    assert dict(stored.getexif()) == {} and not stored.getexif().get_ifd(0x8825)
    assert not {"exif", "xmp", "comment", "icc_profile", "photoshop"} & set(stored.info)
    for trace in (b"Exif", b"TestPhone", b"xmpmeta", SECRET_COMMENT, b"ICC_PROFILE",
                  b"2026:09:15"):
        assert trace not in photo.data
    assert str(LATITUDE[2]).encode() not in photo.data


def test_the_exif_orientation_is_applied_to_the_pixels_before_it_is_dropped():
    # Orientation 6: the camera was turned; the upright image is 32 wide, 64 high, and
    # the blue corner of the stored pixels lands at the top right.
    photo = process_photo(jpeg_with_gps(64, 32, orientation=6))
    stored = Image.open(io.BytesIO(photo.data)).convert("RGB")
    assert (photo.width, photo.height) == (32, 64)
    r, g, b = stored.getpixel((photo.width - 2, 1))
    assert b > 150 and r < 100


@pytest.mark.parametrize("make, size", [(png_bytes, (40, 30)), (webp_bytes, (30, 20))])
def test_png_and_webp_are_accepted_and_stored_as_jpeg(make, size):
    photo = process_photo(make())
    assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == size
    assert Image.open(io.BytesIO(photo.data)).format == "JPEG"


def test_large_photos_are_scaled_down_to_the_longest_side():
    out = io.BytesIO()
    Image.new("RGB", (4000, 1000), (1, 2, 3)).save(out, "JPEG")
    photo = process_photo(out.getvalue())
    assert (photo.width, photo.height) == (2560, 640)


@pytest.mark.parametrize("raw", [
    b"", b"GIF89a not really", b"%PDF-1.4\n...", b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    gif_bytes(),  # a real image, of a type that is not accepted
    jpeg_with_gps()[:600],  # truncated
    b"\x89PNG\r\n\x1a\n" + b"\0" * 100,  # a PNG signature and garbage
], ids=["empty", "text", "pdf", "svg", "gif", "truncated-jpeg", "corrupt-png"])
def test_what_is_not_a_jpeg_png_or_webp_image_is_refused_whatever_it_is_called(raw):
    with pytest.raises(InvalidValueError) as e:
        process_photo(raw, number=2)
    assert "第 2 张" in e.value.message and e.value.details["field"] == "photos"


def test_a_decompression_bomb_is_refused_from_its_header_before_decoding():
    bomb = png_bomb()  # 400 million pixels in a small file
    assert len(bomb) < 5 * 1024 * 1024
    with pytest.raises(InvalidValueError) as e:
        process_photo(bomb)
    assert "尺寸过大" in e.value.message


def test_the_size_and_pixel_limits_are_the_configured_ones():
    raw = jpeg_with_gps(200, 100)
    with pytest.raises(InvalidValueError, match="不能超过"):
        process_photo(raw, max_bytes=len(raw) - 1)
    with pytest.raises(InvalidValueError, match="尺寸过大"):
        process_photo(raw, max_pixels=200 * 100 - 1)
    assert process_photo(raw, max_bytes=len(raw), max_pixels=200 * 100).width == 200


# --- the service: encryption, counting, clean-up --------------------------------------

@pytest.fixture
def photos(tmp_path):
    return Photos(LocalDirectory(tmp_path / "photos"), AESCipher.create_key(32))


def test_photos_are_stored_encrypted_under_random_keys_and_read_back(photos, tmp_path):
    refs = photos.store(photos.prepare([jpeg_with_gps(), png_bytes()]))
    assert len(refs) == 2 and refs[0]["key"] != refs[1]["key"]
    for ref in refs:
        assert len(ref["key"]) == 32 and int(ref["key"], 16) >= 0
        blob = (tmp_path / "photos" / ref["key"][:2] / ref["key"]).read_bytes()
        assert blob.startswith(BLOB_MAGIC) and b"JFIF" not in blob  # not plaintext
        data = photos.read(ref["key"])
        assert Image.open(io.BytesIO(data)).format == "JPEG"
        assert len(data) == ref["size"]
    # a blob moved to another key does not decrypt there
    a, b = refs
    photos.storage.put(b["key"], photos.storage.get(a["key"]))
    with pytest.raises(StorageUnavailable):
        photos.read(b["key"])


def test_more_than_three_photos_are_refused(photos):
    with pytest.raises(InvalidValueError, match=f"最多附 {MAX_PHOTOS} 张"):
        photos.prepare([png_bytes()] * (MAX_PHOTOS + 1))


class FailingAfter(LocalDirectory):
    """A directory that refuses writes after the first `n`."""

    def __init__(self, root, n):
        super().__init__(root)
        self.n = n

    def put(self, key, data):
        if self.n <= 0:
            raise StorageUnavailable("disk full")
        self.n -= 1
        super().put(key, data)


def test_a_failed_store_removes_the_photos_already_stored(tmp_path):
    storage = FailingAfter(tmp_path / "p", 1)
    photos = Photos(storage, AESCipher.create_key(32))
    with pytest.raises(StorageUnavailable):
        photos.store(photos.prepare([png_bytes(), png_bytes()]))
    assert [p for p in (tmp_path / "p").rglob("*") if p.is_file()] == []


# --- storages ---------------------------------------------------------------------------

def exercise(storage):
    key, other = "0123456789abcdef0123456789abcdef", "f" * 32
    assert not storage.exists(key)
    storage.put(key, b"blob-1")
    assert storage.exists(key) and storage.get(key) == b"blob-1"
    storage.put(key, b"blob-2")  # overwriting is allowed (a retry)
    assert storage.get(key) == b"blob-2"
    with pytest.raises(KeyError):
        storage.get(other)
    storage.delete(key)
    storage.delete(key)  # deleting twice is harmless
    assert not storage.exists(key)
    for bad in ("../etc/passwd", "ABC", "0123456789abcdef0123456789abcdeg", ""):
        with pytest.raises(KeyError):
            storage.get(bad)


def test_the_local_directory(tmp_path):
    exercise(LocalDirectory(tmp_path / "photos"))
    assert not list((tmp_path / "photos").rglob("*.tmp"))


def test_an_unwritable_directory_is_unavailable_not_an_error_500(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with pytest.raises(StorageUnavailable):
        LocalDirectory(blocked).put("a" * 32, b"x")


def test_photo_storage_settings():
    s = Settings(var_dir="/srv/minyi")
    assert open_storage(s).root.as_posix() == "/srv/minyi/photos"
    assert open_storage(Settings(photo_storage="file:///data/photos")).root.as_posix() == \
        "/data/photos"
    s3 = open_storage(Settings(photo_storage="s3://minyi-photos/prod",
                               s3_endpoint_url="http://m:9000"))
    assert isinstance(s3, ObjectStorage) and (s3.bucket, s3.prefix) == ("minyi-photos", "prod")
    assert "client" not in s3.__dict__  # nothing connects until used
    for bad in ("ftp://x/y", "s3://", "file://otherhost/x"):
        with pytest.raises(ValueError):
            open_storage(Settings(photo_storage=bad))
    env = {"PHOTO_STORAGE": "s3://b", "PHOTO_MAX_BYTES": "1048576", "PHOTO_MAX_PIXELS": "2000000",
           "S3_ENDPOINT_URL": "http://minio:9000", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "s"}
    s = Settings.from_env(env)
    assert (s.photo_storage, s.photo_max_bytes, s.photo_max_pixels, s.s3_endpoint_url) == \
        ("s3://b", 1048576, 2000000, "http://minio:9000")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3_endpoint():
    """A real S3 HTTP API on localhost: moto in server mode (no MinIO binary on the test
    machines). Skipped outside CI if moto is missing; under CI=true that fails."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and moto[server] is not installed: {e}")
        pytest.skip(f"moto[server] is not installed ({e}); pip install -e '.[test]'")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_s3_compatible_object_storage(s3_endpoint):
    settings = Settings(photo_storage="s3://minyi-photos/citizens", s3_endpoint_url=s3_endpoint,
                        s3_access_key="test", s3_secret_key="test-secret")
    storage = open_storage(settings)
    storage.client.create_bucket(Bucket="minyi-photos")
    exercise(storage)
    photos = Photos(storage, AESCipher.create_key(32))
    [ref] = photos.store(photos.prepare([jpeg_with_gps()]))
    listed = storage.client.list_objects_v2(Bucket="minyi-photos")["Contents"]
    assert [o["Key"] for o in listed] == [f"citizens/{ref['key']}"]
    assert Image.open(io.BytesIO(photos.read(ref["key"]))).getexif() == {}


def test_object_storage_that_does_not_answer_is_unavailable():
    storage = ObjectStorage("b", endpoint_url=f"http://127.0.0.1:{_free_port()}",
                            access_key="a", secret_key="s")
    with pytest.raises(StorageUnavailable):
        storage.put("a" * 32, b"x")
    with pytest.raises(StorageUnavailable):
        storage.get("a" * 32)


# --- the aggregate's rules --------------------------------------------------------------

def refs(n: int) -> list[dict]:
    return [{"key": f"{i:032x}", "content_type": "image/jpeg", "size": 1000 + i,
             "width": 64, "height": 32, "sha256": f"{i:064x}"} for i in range(1, n + 1)]


def test_photos_are_recorded_with_the_submission_and_public_only_once_published(app, staff):
    receipt = replied(app, staff, photos=refs(2))
    no = receipt["tracking_no"]
    comment = app.get_comment(no)
    assert [p["key"] for p in comment.photos] == [r["key"] for r in refs(2)]
    assert comment.public_photos == frozenset()
    events = [s["event"] for s in app.timeline("comments", no)]
    assert events[:2] == ["Submitted", "PhotosAttached"]

    first, second = (r["key"] for r in refs(2))
    app.act("comments", no, "publish_photos", staff.reviewer, photos=[first])
    assert app.get_comment(no).public_photos == {first}
    app.act("comments", no, "publish_photos", staff.reviewer)  # none chosen: the rest
    assert app.get_comment(no).public_photos == {first, second}
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "publish_photos", staff.reviewer)
    app.act("comments", no, "withhold_photo", staff.reviewer, photo=second, reason="有人脸")
    assert app.get_comment(no).public_photos == {first}
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, "withhold_photo", staff.reviewer, photo=second)
    step = app.timeline("comments", no)[-1]
    assert step["actor"] == staff.reviewer.id and step["event"] == "PhotoWithheld"


def test_photo_rules(app, staff):
    with pytest.raises(InvalidValueError):
        submit(app, photos=refs(MAX_PHOTOS + 1))
    with pytest.raises(InvalidValueError):
        submit(app, photos=[{**refs(1)[0], "key": "../../etc/passwd"}])
    no_consent = submit(app, photos=refs(1), publish=False)["tracking_no"]
    with pytest.raises(IllegalTransitionError, match="不同意公开"):
        app.act("comments", no_consent, "publish_photos", staff.reviewer)
    no = submit(app, photos=refs(1))["tracking_no"]
    with pytest.raises(InvalidValueError):
        app.act("comments", no, "publish_photos", staff.reviewer, photos=["f" * 32])
    from domain.errors import AccessDeniedError
    with pytest.raises(AccessDeniedError):
        app.act("comments", no, "publish_photos", staff.handler)
    without = submit(app)["tracking_no"]
    with pytest.raises(IllegalTransitionError):
        app.act("comments", without, "publish_photos", staff.reviewer)
