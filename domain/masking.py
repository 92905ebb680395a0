"""Masks personal data found inside free text before it is published."""

import re

# 18-digit resident ID (last may be X), checked before phone numbers.
_ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
# Mobiles also as 138-1234-5678, 138 1234 5678 or +8613812345678; landlines also as (0632)1234567.
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)\(?(0\d{2,3})\)?[- ]?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def mask_personal_data(text: str) -> str:
    """Replace ID-card numbers, phone numbers and e-mail addresses with masks."""
    if not text:
        return text
    text = _EMAIL.sub("***@***", text)
    text = _ID_CARD.sub(lambda m: m.group(1) + "********" + "****", text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "-********", text)


def mask_name(name: str | None) -> str:
    """A display form of a person's name that keeps only the surname."""
    if not name:
        return "网民"
    return name[0] + "*" * max(1, len(name) - 1)
