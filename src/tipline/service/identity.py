"""Reporter identity, encrypted with Fernet under a key kept outside the database.

The key comes from $TIPLINE_IDENTITY_KEY, else from `identity.key` in the data dir (created
with mode 0600 on first use). A database dump alone therefore reveals no reporter.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tipline.errors import TiplineError


class IdentityKeyError(TiplineError):
    """The identity key is missing, malformed or does not decrypt the stored identities."""


def subkey(identity_key: bytes, purpose: bytes) -> bytes:
    """A 32-byte key for one purpose, derived (HKDF-SHA256) from the identity key, so there is
    still one key to keep and a backup restored under its own key opens everything again."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=purpose).derive(identity_key)


def sub_fernet(identity_key: bytes, purpose: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(subkey(identity_key, purpose)))


def load_key(data_dir: Path, may_create: bool = True) -> bytes:
    """The key; a missing key file is created only when `may_create` (the database holds
    nothing sealed yet), never silently beside data sealed under another key."""
    env = os.environ.get("TIPLINE_IDENTITY_KEY")
    if env:
        key = env.encode()
    else:
        path = data_dir / "identity.key"
        if not path.exists() and not may_create:
            raise IdentityKeyError(
                f"no identity key at {path}, but the database holds identities or TOTP "
                "secrets sealed with one: set TIPLINE_IDENTITY_KEY, or TIPLINE_DATA_DIR to "
                "the folder holding its identity.key (a new key could open none of them)")
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        key = path.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError:
        raise IdentityKeyError("the identity key is not a valid Fernet key") from None
    return key


class IdentityBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, identity: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(identity, ensure_ascii=False).encode())

    def open(self, ciphertext: bytes) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(ciphertext))
        except InvalidToken:
            raise IdentityKeyError("cannot decrypt: wrong identity key") from None
        return data
