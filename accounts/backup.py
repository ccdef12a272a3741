"""Backup and restore: the database as gzipped JSON (Django's serializer, so SQLite and PostgreSQL alike)
and the private media files, with a manifest of SHA-256 checksums that restore verifies before it touches
anything.

A backup directory:
    manifest.json        format, time, Django version, and {relative path: sha256} for every file below
    database.json.gz     Django's JSON serialization (as dumpdata writes it, in dependency order, with natural
                         foreign keys so content types are matched by name, not id), microseconds kept
    media/...            a copy of PRIVATE_MEDIA_ROOT (evidence, exports, signed reports)
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import itertools
import json
import shutil
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext as _

FORMAT = "zhenggai-backup/1"
MANIFEST = "manifest.json"
DATABASE_FILE = "database.json.gz"
MEDIA_DIR = "media"
# Rebuilt by migrate (content types, permissions) or meaningless in another database (sessions, login
# throttling counters, session registrations).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes", "accounts.usersession"]
CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class FullPrecisionEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds; a backup keeps the microseconds the database has."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat().replace("+00:00", "Z")
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


def _backed_up_models() -> list:
    excluded_apps = {label for label in EXCLUDED if "." not in label}
    excluded_models = {label for label in EXCLUDED if "." in label}
    app_list = [
        (config, [m for m in config.get_models() if m._meta.label_lower not in excluded_models])
        for config in apps.get_app_configs() if config.label not in excluded_apps
    ]
    # dumpdata's order: what a row refers to by natural key is written before the row
    models = serializers.sort_dependencies(app_list, allow_cycles=True)
    return [model for model in models if model._meta.managed and not model._meta.proxy]


def dump_database(path: Path) -> None:
    """Every row as Django JSON, gzipped, streamed (no whole table in memory), models in dependency order."""
    rows = itertools.chain.from_iterable(
        model._base_manager.order_by(model._meta.pk.name).iterator(chunk_size=2000) for model in _backed_up_models()
    )
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        serializers.serialize("json", rows, stream=stream, use_natural_foreign_keys=True, cls=FullPrecisionEncoder)


def _media_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def backup(output: Path) -> dict:
    """Write a backup into `output` (new or empty) and return its manifest."""
    if output.exists() and any(output.iterdir()):
        raise CommandError(_("输出目录 %(dir)s 不是空的，请指定一个新的或空的目录。") % {"dir": output})
    output.mkdir(parents=True, exist_ok=True)
    dump_database(output / DATABASE_FILE)
    media_root = Path(settings.PRIVATE_MEDIA_ROOT)
    for source in _media_files(media_root):
        target = output / MEDIA_DIR / source.relative_to(media_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    files = {DATABASE_FILE: sha256_of(output / DATABASE_FILE)}
    for path in _media_files(output / MEDIA_DIR):
        files[path.relative_to(output).as_posix()] = sha256_of(path)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "django": django.get_version(),
        "database_vendor": _vendor(),
        "files": files,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
        raise CommandError(_("备份清单中有不安全的路径“%(name)s”，拒绝恢复，未做任何更改。") % {"name": name})
    return path


def read_verified_manifest(source: Path) -> dict:
    """The manifest, after checking that every file it lists is there with the recorded checksum."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(_("无法读取备份清单 %(file)s，拒绝恢复，未做任何更改。") % {"file": source / MANIFEST}) from error
    if manifest.get("format") != FORMAT or DATABASE_FILE not in manifest.get("files", {}):
        raise CommandError(_("这不是本系统的备份（清单格式不符），拒绝恢复，未做任何更改。"))
    for name, expected in manifest["files"].items():
        path = source / _safe_relative(name)
        if not path.is_file():
            raise CommandError(_("备份文件缺失：%(name)s，拒绝恢复，未做任何更改。") % {"name": name})
        if sha256_of(path) != expected:
            raise CommandError(_("备份文件校验失败：%(name)s 的 SHA-256 与清单不符，拒绝恢复，未做任何更改。") % {"name": name})
    return manifest


def _holds_user_data() -> bool:
    """Whether the database already holds anyone's work: accounts or organization units.

    A freshly migrated database is not literally empty (data migrations load the built-in checklists);
    those rows are replaced by the backup's own copies.
    """
    from django.contrib.auth import get_user_model

    from branches.models import OrgUnit

    return get_user_model()._base_manager.exists() or OrgUnit._base_manager.exists()


def _clear_migration_rows() -> None:
    """Remove what migrate created (built-in templates…), so the backup defines every row, keys included."""
    for model in reversed(_backed_up_models()):
        model._base_manager.all().delete()


def restore(source: Path) -> dict:
    """Restore a verified backup into an empty (freshly migrated) database and media directory."""
    manifest = read_verified_manifest(source)
    if _holds_user_data():
        raise CommandError(_("目标数据库不是空的。请先新建数据库并执行 migrate，再恢复；未做任何更改。"))
    media_root = Path(settings.PRIVATE_MEDIA_ROOT)
    media_names = [name for name in manifest["files"] if name.startswith(f"{MEDIA_DIR}/")]
    for name in media_names:
        target = media_root / _safe_relative(name).relative_to(MEDIA_DIR)
        if target.exists() and sha256_of(target) != manifest["files"][name]:
            raise CommandError(_("文件目录中已有不同的文件 %(file)s，拒绝覆盖，未做任何更改。") % {"file": target})
    written: list[Path] = []
    try:
        with transaction.atomic():
            _clear_migration_rows()
            call_command("loaddata", str(source / DATABASE_FILE), verbosity=0)
            for name in media_names:
                target = media_root / _safe_relative(name).relative_to(MEDIA_DIR)
                if target.exists():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / name, target)
                written.append(target)
    except Exception:
        for path in written:  # the database rolled back; take the files back too
            path.unlink(missing_ok=True)
        raise
    return manifest
