"""Photos a citizen attaches to a comment: the events hold references, never the bytes.

A reference names a stored file (a random, unguessable key) and what was stored: content
type, size, pixel dimensions and a SHA-256 digest. The files themselves are checked,
re-encoded without metadata and kept by the infrastructure (`infrastructure/photos.py`);
the aggregate records which photos a comment has and which a reviewer has made public.
"""

import re

from ..errors import InvalidValueError

MAX_PHOTOS = 3  # per comment
KEY_PATTERN = re.compile(r"[0-9a-f]{32}")
CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp")
REFERENCE_FIELDS = ("key", "content_type", "size", "width", "height", "sha256")


def is_photo_key(key) -> bool:
    """A storage key as the infrastructure makes them (128 random bits, hex)."""
    return isinstance(key, str) and KEY_PATTERN.fullmatch(key) is not None


def photo_reference(photo: dict) -> dict:
    """A checked copy of one photo's reference, with exactly the recorded fields."""
    try:
        ref = {
            "key": photo["key"], "content_type": photo["content_type"],
            "size": int(photo["size"]), "width": int(photo["width"]),
            "height": int(photo["height"]), "sha256": photo["sha256"],
        }
    except (KeyError, TypeError, ValueError):
        raise InvalidValueError("照片信息不完整", field="photos") from None
    if not is_photo_key(ref["key"]) or ref["content_type"] not in CONTENT_TYPES or min(
            ref["size"], ref["width"], ref["height"]) <= 0 or not (
            isinstance(ref["sha256"], str) and re.fullmatch(r"[0-9a-f]{64}", ref["sha256"])):
        raise InvalidValueError("照片信息不正确", field="photos")
    return ref


def check_photo_count(photos) -> None:
    if len(photos) > MAX_PHOTOS:
        raise InvalidValueError(f"每条留言最多附 {MAX_PHOTOS} 张照片", field="photos")
