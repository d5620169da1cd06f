"""Secrets the service must read back (TOTP seeds), encrypted at rest.

The key is derived (HKDF-SHA256) from the identity key, which lives outside the database, so a
database dump alone gives away neither a reporter nor a second factor, and there is still only
one key to keep. Values written before encryption existed are read as they are and sealed at
the account's next login.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tipline.service.identity import IdentityKeyError

SEALED = "fernet:"


class TotpVault:
    def __init__(self, identity_key: bytes) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"tipline totp secrets").derive(identity_key)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, secret: str) -> str:
        return SEALED + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        if not is_sealed(stored):
            return stored  # written before secrets were encrypted
        try:
            return self._fernet.decrypt(stored.removeprefix(SEALED).encode()).decode()
        except InvalidToken:
            raise IdentityKeyError("cannot decrypt a TOTP secret: wrong identity key") from None


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED)
