"""Receipt codes: 120 random bits the reporter keeps; the server keeps only an argon2 hash.

The first 4 characters are a non-secret lookup prefix, so checking a receipt costs one slow
hash (or a few on a prefix collision) instead of one per stored report. The remaining 20
characters (100 bits) are the secret.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher

from tipline.service import passwords

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
PREFIX_LEN = 4
LENGTH = 24
_SUBSTITUTE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_receipt() -> str:
    """Grouped by four for reading out over the phone: XXXX-XXXX-XXXX-XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, LENGTH, 4))


def normalise(receipt: str) -> str | None:
    """Forgive case, spaces, dashes and look-alike letters; None when it cannot be a receipt."""
    cleaned = "".join(ch for ch in receipt.upper() if ch not in " -\t").translate(_SUBSTITUTE)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def prefix(normalised: str) -> str:
    return normalised[:PREFIX_LEN]


def hash_receipt(ph: PasswordHasher, normalised: str) -> str:
    return ph.hash(normalised)


def matches(ph: PasswordHasher, stored_hash: str, normalised: str) -> bool:
    return passwords.verify(ph, stored_hash, normalised)
