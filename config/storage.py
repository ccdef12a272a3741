"""The private storage: every file a request or a job reads or writes (evidence, signed reports and their
previews, job results, pending imports, unit stamps, the app's signing CA).

It is `STORAGES["private"]`, so that several web processes and workers on other machines share one deployment:
by default a directory every process reaches by the same absolute path (`PRIVATE_MEDIA_ROOT`, a shared
volume when there are several nodes), or any Django storage (S3, …) through `PRIVATE_STORAGE_BACKEND` and
`PRIVATE_STORAGE_OPTIONS`. Nothing is ever served from it directly: only views that check the viewer's scope
stream its files. Code reads and writes it by name (`open`, `save`, `exists`, `delete`, `listdir`), never by a
path on this machine: a storage such as S3 has none (`.path()` raises NotImplementedError).

What stays a file of the node, each an absolute path (config/settings/base.py refuses a relative one, which
would differ between processes started in different directories): the installation's own files (code,
templates, static files, the report's fonts built by `make install`, which WeasyPrint reads from a file), the
secrets a deployment puts on every node (a configured signing certificate, the secret key file of the embedded
default), the embedded SQLite database, and temporary files a process makes and deletes within one request or
job (an export's workbook, a zip of signed reports). tests/test_storage.py runs the file flows with a storage
that has no paths at all.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, cached_property, empty

PRIVATE = "private"


class PrivateFileSystemStorage(FileSystemStorage):
    """The default private storage: a directory at PRIVATE_MEDIA_ROOT (absolute: see config/settings/base.py)."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)


class _PrivateStorage(LazyObject):
    """`storages["private"]`, looked up when first used and again after the settings change (tests)."""

    def _setup(self):
        self._wrapped = storages[PRIVATE]


private_storage: Storage = _PrivateStorage()


def private() -> Storage:
    """For `FileField(storage=private)`: migrations record this function, not a directory of this machine."""
    return private_storage


@receiver(setting_changed)
def _private_storage_changed(*, setting, **kwargs) -> None:
    if setting in ("STORAGES", "PRIVATE_MEDIA_ROOT"):  # Django forgets its storages itself on STORAGES
        storages._storages.pop(PRIVATE, None)
        private_storage._wrapped = empty


def walk(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file's name under `directory`, recursively, in a stable order."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # a directory storage before its first file
        return
    prefix = f"{directory.rstrip('/')}/" if directory else ""
    for name in sorted(files):
        yield f"{prefix}{name}"
    for name in sorted(directories):
        yield from walk(storage, f"{prefix}{name}")
