"""TOTP secrets are stored encrypted: a copy of the database (or a backup) alone does not give the codes.

The key is derived from DJANGO_SECRET_KEY (HKDF-SHA256, its own label); SECRET_KEY_FALLBACKS still decrypt
after a key rotation. Lose the key and the authenticators must be enrolled again (two_factor_reset).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

__all__ = ["InvalidToken", "seal", "unseal"]


def _fernet_for(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"zhenggai totp secret").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(key) for key in keys])


def seal(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode("ascii")


def unseal(token: str) -> str:
    """The plain secret; raises InvalidToken when no current or fallback key opens it."""
    return _fernet().decrypt(token.encode("ascii")).decode()
