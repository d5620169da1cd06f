"""Blind indexes: keyed hashes that let sealed identities be matched without decrypting them.

A reporter's identity is stored encrypted. To learn that the same phone number or name turns
up in another case, the service stores, beside the ciphertext, an HMAC-SHA256 of each
*cleaned* identifier (E.164 phone, lower-cased e-mail, compact name spelling) under a key
derived from the identity key. Equal values give equal indexes; without the key an index
says nothing and cannot be brute-forced offline the way a plain hash of a phone number can.
The linking key is derived (HKDF) rather than reused, so the index key can never decrypt.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tipline.links.identifiers import Identifier, clean
from tipline.links.names import name_forms

_INFO = b"tipline/links/blind-index/v1"
BLIND = "blind:"


def derive_link_key(identity_key: bytes) -> bytes:
    """The blind-index key for an identity key (HKDF-SHA256, domain-separated)."""
    if len(identity_key) < 16:
        raise ValueError("identity key too short for a blind index (need 16 bytes or more)")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(identity_key)


def blind_index(key: bytes, kind: str, value: str) -> str:
    """The index of one cleaned value of `kind`: hex HMAC-SHA256, 128 bits."""
    if not key:
        raise ValueError("a blind index needs a key")
    message = kind.encode() + b"\x00" + value.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def blind_identifiers(key: bytes, identifiers: Iterable[Identifier]) -> tuple[Identifier, ...]:
    """Identifiers replaced by their indexes (kind `blind:phone`, value the index)."""
    return tuple(Identifier(BLIND + i.kind, blind_index(key, i.kind, i.value))
                 for i in identifiers)


def blind_raw(key: bytes, kind: str, raw: str, region: str | None = None) -> Identifier | None:
    """Clean a raw value and index it: what the service stores for a sealed identity."""
    found = clean(kind, raw, region)
    return None if found is None else blind_identifiers(key, [found])[0]


def blind_name(key: bytes, name: str) -> frozenset[str]:
    """Indexes of a name's compact spellings: 张伟, Zhang Wei and Wei ZHANG share one."""
    forms = name_forms(name)
    if forms is None:
        return frozenset()
    return frozenset(blind_index(key, "name", compact) for compact in forms.compacts)
