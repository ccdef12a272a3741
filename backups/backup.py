"""Backup and restore: the database and the private media files, with a manifest of SHA-256 checksums that
restore verifies before it touches anything.

On PostgreSQL the database is one `pg_dump --format=custom` (a single consistent snapshot, schema and
sequences included) and is restored with `pg_restore --clean --if-exists` in one transaction. Elsewhere
(SQLite, the embedded default) it is Django's JSON serialization, which also moves data between databases:
a JSON backup restores into PostgreSQL as well.

A backup directory:
    manifest.json        format, time, Django version, database vendor, and {relative path: sha256} for every file
    database.dump        PostgreSQL: pg_dump's custom format
    database.json.gz     otherwise: Django's JSON serialization (as dumpdata writes it, in dependency order, with
                         natural foreign keys so content types are matched by name, not id), microseconds kept
    media/...            a copy of every file in the private storage (STORAGES["private"]: evidence, stamps,
                         signed reports, job results, the signing CA), read and restored through the storage
                         API, so a storage on another machine or in S3 is backed up just as a local directory
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.core import serializers
from django.core.files import File
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils.translation import gettext as _

from config.storage import private_storage, walk

FORMAT = "zhenggai-backup/1"
MANIFEST = "manifest.json"
DATABASE_FILE = "database.json.gz"
PG_DUMP_FILE = "database.dump"
MEDIA_DIR = "media"
# Rebuilt by migrate (content types, permissions) or meaningless in another database (sessions, login
# throttling counters, session registrations).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes", "accounts.usersession"]
CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return _sha256_of_handle(handle)


def _stored_sha256(name: str) -> str:
    with private_storage.open(name, "rb") as handle:
        return _sha256_of_handle(handle)


def _sha256_of_handle(handle) -> str:
    digest = hashlib.sha256()
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


def backup(output: Path, *, portable: bool = False) -> dict:
    """Write a backup into `output` (new or empty) and return its manifest. `portable`: Django JSON even on
    PostgreSQL, to move the data to another kind of database."""
    if output.exists() and any(output.iterdir()):
        raise CommandError(_("输出目录 %(dir)s 不是空的，请指定一个新的或空的目录。") % {"dir": output})
    if connection.vendor == "postgresql" and not portable:
        pg_dump = _client_program("pg_dump")
        output.mkdir(parents=True, exist_ok=True)
        _run_client([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={output / PG_DUMP_FILE}"])
        database_file = PG_DUMP_FILE
    else:
        output.mkdir(parents=True, exist_ok=True)
        dump_database(output / DATABASE_FILE)
        database_file = DATABASE_FILE
    for name in walk(private_storage):
        target = output / MEDIA_DIR / _safe_relative(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with private_storage.open(name, "rb") as source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy, CHUNK)
    files = {database_file: sha256_of(output / database_file)}
    for path in _media_files(output / MEDIA_DIR):
        files[path.relative_to(output).as_posix()] = sha256_of(path)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "django": django.get_version(),
        "database_vendor": connection.vendor,
        "files": files,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _client_program(name: str) -> str:
    """The full path of a PostgreSQL client program, or a refusal saying which package provides it."""
    path = shutil.which(name)
    if path is None:
        raise CommandError(_("找不到 %(program)s（Debian 软件包 postgresql-client 提供），无法备份或恢复 PostgreSQL "
                             "数据库；未做任何更改。") % {"program": name})
    return path


def _client_environment() -> dict[str, str]:
    """libpq's variables for the connection Django uses (under pytest: the test database), so that no
    password ever appears on a command line, where `ps` would show it."""
    database = connection.settings_dict
    variables = {"PGDATABASE": database["NAME"], "PGHOST": database.get("HOST"), "PGPORT": database.get("PORT"),
                 "PGUSER": database.get("USER"), "PGPASSWORD": database.get("PASSWORD"),
                 "PGSSLMODE": (database.get("OPTIONS") or {}).get("sslmode")}
    return {**os.environ, **{key: str(value) for key, value in variables.items() if value}}


def _run_client(command: list[str]) -> None:
    result = subprocess.run(command, env=_client_environment(), capture_output=True, text=True, check=False)  # noqa: S603 - a fixed program found by shutil.which, arguments of our own
    if result.returncode != 0:
        raise CommandError(_("%(program)s 执行失败：%(error)s") % {
            "program": Path(command[0]).name, "error": result.stderr.strip()[-2000:]})


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
    if manifest.get("format") != FORMAT or not ({DATABASE_FILE, PG_DUMP_FILE} & set(manifest.get("files", {}))):
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


def _clear_backed_up_tables() -> None:
    """Empty every table the backup defines (what migrate loaded, or with `replace` everything there), as
    `flush` does: one DELETE or TRUNCATE per table, so trees of protected foreign keys are no obstacle. Session
    registrations go too (they point at the accounts being replaced); the rest of what is not backed up stays."""
    backed_up = set(_backed_up_models())
    kept = {model._meta.db_table for model in apps.get_models()
            if model not in backed_up and model._meta.label_lower != "accounts.usersession"}
    tables = [table for table in connection.introspection.django_table_names(only_existing=True) if table not in kept]
    with connection.cursor() as cursor:
        for statement in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
            cursor.execute(statement)


def restore(source: Path, *, replace: bool = False) -> dict:
    """Restore a verified backup into an empty (freshly migrated) database and media directory, or, with
    `replace`, over the database's present rows (all of them give way to the backup's)."""
    manifest = read_verified_manifest(source)
    from_pg_dump = PG_DUMP_FILE in manifest["files"]
    if from_pg_dump and connection.vendor != "postgresql":
        raise CommandError(_("这份备份是 PostgreSQL 的 pg_dump 文件，只能恢复到 PostgreSQL 数据库；未做任何更改。"))
    if not replace and _holds_user_data():
        raise CommandError(_("目标数据库不是空的。请先新建数据库并执行 migrate，再恢复（或加 --replace 用备份替换其中的全部"
                             "数据）；未做任何更改。"))
    pg_restore = _client_program("pg_restore") if from_pg_dump else None
    media_names = _media_to_restore(manifest)
    written: list[str] = []
    try:
        if pg_restore:
            written = _copy_media(source, media_names)
            connection.close()  # hold no lock on a table pg_restore drops; reconnect to the restored ones
            _run_client([pg_restore, "--clean", "--if-exists", "--single-transaction", "--no-owner",
                         "--no-privileges", f"--dbname={connection.settings_dict['NAME']}", str(source / PG_DUMP_FILE)])
        else:
            with transaction.atomic():
                _clear_backed_up_tables()
                call_command("loaddata", str(source / DATABASE_FILE), verbosity=0)
                written = _copy_media(source, media_names)
    except Exception:
        for name in written:  # the database rolled back; take the files back too
            private_storage.delete(name)
        raise
    return manifest


def _media_to_restore(manifest: dict) -> list[str]:
    """The backup's media files, after checking none would overwrite a different file already there."""
    media_names = [name for name in manifest["files"] if name.startswith(f"{MEDIA_DIR}/")]
    for name in media_names:
        target = _media_target(name)
        if private_storage.exists(target) and _stored_sha256(target) != manifest["files"][name]:
            raise CommandError(_("文件目录中已有不同的文件 %(file)s，拒绝覆盖，未做任何更改。") % {"file": target})
    return media_names


def _media_target(name: str) -> str:
    """The private storage's name for the backup's file `media/<name>`."""
    return _safe_relative(name).relative_to(MEDIA_DIR).as_posix()


def _copy_media(source: Path, media_names: list[str]) -> list[str]:
    """Copy the files not already there (identical ones stay) into the private storage; returns those written."""
    written = []
    try:
        for name in media_names:
            target = _media_target(name)
            if private_storage.exists(target):
                continue
            with (source / name).open("rb") as handle:
                saved = private_storage.save(target, File(handle, name=target))
            written.append(saved)
            if saved != target:  # the storage would not keep it under its own name: the database refers to that
                raise CommandError(_("无法按原名恢复文件 %(file)s，未做任何更改。") % {"file": target})
    except Exception:
        for name in written:
            private_storage.delete(name)
        raise
    return written
