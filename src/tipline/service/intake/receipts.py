"""Receipt codes: 120 random bits the reporter keeps; the server keeps only a keyed hash.

The first 4 characters are a non-secret lookup prefix, so checking a receipt costs one hash
(or a few on a prefix collision) instead of one per stored report. The remaining 20
characters (100 bits) are the secret.

Why a keyed hash and not argon2: a memory-hard hash protects guessable passwords; a 100-bit
random secret cannot be brute-forced under any hash, and argon2 on every submission and every
receipt check was the whole cost of a report under load (seconds at p99). New receipts are
stored as `hmac-sha256$<hex>` under a key derived (HKDF) from the identity key, so a database
dump alone does not even allow checking a guess offline; the comparison is constant-time.
Receipts stored as argon2 hashes by earlier versions still open (dispatched on the stored
value's tag) and are rewritten under the new scheme at their next correct check.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher

from tipline.service.accounts import passwords
from tipline.service.identity import subkey

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
PREFIX_LEN = 4
LENGTH = 24
HMAC_TAG = "hmac-sha256$"
ARGON2_TAG = "$argon2"
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


def derive_key(identity_key: bytes) -> bytes:
    """The receipt-hash key: HKDF of the identity key, so there is still one key to keep (and
    a backup restored under its own key keeps every receipt working)."""
    return subkey(identity_key, b"tipline receipt hashes")


def hash_receipt(key: bytes, normalised: str) -> str:
    """The stored form of a new receipt: tagged HMAC-SHA256 of the normalised code."""
    return HMAC_TAG + hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Check:
    """A receipt check's outcome; `upgrade` holds the new stored value when the receipt matched
    a hash of an older scheme, for the caller to write back."""

    matched: bool
    upgrade: str | None = None


def check(key: bytes, ph: PasswordHasher, stored: str, normalised: str) -> Check:
    """Does `normalised` open `stored`? Dispatched on the stored value's scheme tag."""
    if stored.startswith(HMAC_TAG):
        # bytes: compare_digest refuses a str with non-ASCII characters (a tampered row)
        return Check(hmac.compare_digest(stored.encode(), hash_receipt(key, normalised).encode()))
    if stored.startswith(ARGON2_TAG) and passwords.verify(ph, stored, normalised):
        return Check(True, upgrade=hash_receipt(key, normalised))
    return Check(False)
