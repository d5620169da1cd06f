"""Secrets the service must read back (TOTP seeds), encrypted at rest.

The key is derived (HKDF-SHA256) from the identity key, which lives outside the database, so a
database dump alone gives away neither a reporter nor a second factor, and there is still only
one key to keep. Values written before encryption existed are read as they are and sealed at
the account's next login.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken

from tipline.service.identity import IdentityKeyError, sub_fernet

SEALED = "fernet:"


class TotpVault:
    def __init__(self, identity_key: bytes) -> None:
        self._fernet = sub_fernet(identity_key, b"tipline totp secrets")

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
