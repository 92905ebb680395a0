"""Bearer tokens: a checked signature is remembered, the token's age never is."""

import time

from infrastructure.security import TokenSigner


def test_a_remembered_token_still_expires(monkeypatch):
    signer = TokenSigner("secret", max_age=60)
    token = signer.issue("op", "hash")
    assert signer.read(token) == ("op", signer.fingerprint("hash"))
    assert token in signer._verified  # the second read skips the signature check
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert signer.read(token) is None


def test_forged_and_foreign_tokens_are_refused():
    signer, other = TokenSigner("secret", max_age=60), TokenSigner("other", max_age=60)
    token = signer.issue("op", "hash")
    assert other.read(token) is None
    assert signer.read(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert signer.read("not-a-token") is None
