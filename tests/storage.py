"""A private storage for tests that is no directory of any machine: files live in a dict of this process.

Like S3's storage it has no `path()` (Django's base class raises NotImplementedError) and no URL, so any code
that still reaches for a local path of a stored file fails when the private storage is this one.
"""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible


@deconstructible
class MemoryStorage(Storage):
    files: dict[str, tuple[bytes, datetime.datetime]] = {}  # shared by every instance: one "bucket"

    def _open(self, name: str, mode: str = "rb"):
        if "w" in mode or "a" in mode:
            raise ValueError("MemoryStorage files are written with save()")
        try:
            content, _ = self.files[name]
        except KeyError:
            raise FileNotFoundError(name) from None
        return ContentFile(content, name=name)

    def _save(self, name: str, content) -> str:
        content.seek(0) if hasattr(content, "seek") else None
        data = b"".join(chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in content.chunks())
        self.files[name] = (data, datetime.datetime.now(datetime.UTC))
        return name

    def exists(self, name: str) -> bool:
        return name in self.files

    def delete(self, name: str) -> None:
        self.files.pop(name, None)

    def size(self, name: str) -> int:
        return len(self.files[name][0])

    def get_modified_time(self, name: str) -> datetime.datetime:
        return self.files[name][1]

    def listdir(self, path: str):
        """As S3's: the "folders" are the names' prefixes; a folder without files is simply empty."""
        prefix = f"{path.rstrip('/')}/" if path else ""
        directories, files = set(), set()
        for name in self.files:
            if name.startswith(prefix):
                rest = name[len(prefix):]
                (directories if "/" in rest else files).add(rest.split("/", 1)[0])
        return sorted(directories), sorted(files)

    def url(self, name: str) -> str:
        raise NotImplementedError("private files are never served by URL")
