"""The secret key of an installation that did not configure one: random, made once, kept in a private file.

No key is committed: a deployment that forgot DJANGO_SECRET_KEY still signs sessions and encrypts the
authenticator secrets with a key nobody else has, and the same key after every restart.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# Keys that were once public (earlier versions committed the first as the default): production refuses them.
KNOWN_PUBLIC_KEYS = frozenset({"embedded-dev-key-not-for-production-0123456789abcdefghijklmnop"})


def local_secret_key(path: Path) -> str:
    """The key stored at `path`, made there (owner-only) the first time.

    Several processes may start at once (runserver's reloader, gunicorn workers): the key is written to a
    temporary file and linked into place, so each reads the one key that won, never a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(64) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            temporary.unlink()
    return path.read_text().strip()
