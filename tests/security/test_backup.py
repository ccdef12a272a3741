"""backup / restore: a round trip through an emptied database and over changed data, and the refusals.

On PostgreSQL the database part goes through pg_dump / pg_restore, on SQLite through Django's JSON; the same
tests run on both (`make test` runs the suite on PostgreSQL, then the embedded default).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.models import TOTPDevice
from accounts.services import totp_confirm, totp_new_secret
from branches.models import OrgUnit
from ledger.builtin_templates import load_builtin_templates
from ledger.models import Campaign, ChecklistTemplate, Manifestation, Problem, RectificationItem, TemplateCategory
from tests.conftest import make_unit
from tests.factories import ledger_of, make_campaign, make_item, make_problem

NOT_BACKED_UP = {"contenttypes", "sessions", "axes"}
NOT_COMPARED = {"auth.permission", "admin.logentry", "accounts.usersession"}
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump backs up PostgreSQL only")


def _database_file() -> str:
    return "database.dump" if connection.vendor == "postgresql" else "database.json.gz"


def _snapshot() -> dict[str, list]:
    """Every row of every backed-up model (content types are renumbered by migrate: compared by name)."""
    rows = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in NOT_BACKED_UP or meta.label_lower in NOT_COMPARED:
            continue
        rows[meta.label_lower] = list(model.objects.order_by("pk").values_list())
    return rows


@pytest.fixture
def media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "media"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def filled(content_types_as_migrated, transactional_db, django_db_serialized_rollback, tree, users, media):
    """Data in a real (non-rolled-back) database; afterwards the migration-loaded rows are put back."""
    campaign = make_campaign(tree.root, actor=users["org"])
    problem = make_problem(ledger_of(campaign, tree.b1), description="三会一课记录不全", user=users["secretary"])
    make_item(problem, measure="补齐记录；建立台账", user=users["secretary"])
    secret = totp_new_secret()
    import pyotp

    totp_confirm(user=users["org"], secret=secret, code=pyotp.TOTP(secret).now())
    photo = media / "evidence" / "2022" / "照片.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 40)
    return {"photo": photo}


def _flush() -> None:
    """An empty database as `migrate` leaves it: no data, but the rows the data migrations load."""
    call_command("flush", interactive=False, verbosity=0)
    load_builtin_templates(ChecklistTemplate, TemplateCategory, Manifestation)


def test_round_trip_restores_every_row_and_file(filled, media, tmp_path):
    before = _snapshot()
    photo_bytes = filled["photo"].read_bytes()
    out = tmp_path / "backup"
    call_command("backup", output=str(out), stdout=open("/dev/null", "w"))

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {_database_file(), "media/evidence/2022/照片.jpg"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    if connection.vendor == "postgresql":
        assert "三会一课记录不全".encode() in _pg_dump_data(out / "database.dump")
    else:
        with gzip.open(out / "database.json.gz", "rt", encoding="utf-8") as dump:
            assert "三会一课记录不全" in dump.read()

    _flush()
    filled["photo"].unlink()
    assert not get_user_model().objects.exists() and not OrgUnit.objects.exists()

    call_command("restore", input=str(out), stdout=open("/dev/null", "w"))
    assert _snapshot() == before
    assert filled["photo"].read_bytes() == photo_bytes
    assert Problem.objects.get().description == "三会一课记录不全"
    assert RectificationItem.objects.get().measure == "补齐记录；建立台账"
    assert Campaign.objects.count() == 1
    # the sequences moved past the restored rows: new rows get new keys
    new_unit = make_unit(OrgUnit.objects.get(code="R"), "general_branch", "G9")
    assert new_unit.pk > max(row[0] for row in before["branches.orgunit"])
    # and the restored accounts sign in
    assert get_user_model().objects.get(username="secretary").check_password("pw-123456")


@pytest.mark.parametrize("victim", ["database", "media/evidence/2022/照片.jpg"])
def test_a_changed_file_is_refused_and_nothing_changes(filled, media, tmp_path, victim):
    out = tmp_path / "backup"
    call_command("backup", output=str(out), stdout=open("/dev/null", "w"))
    _flush()
    filled["photo"].unlink()
    tampered = out / (_database_file() if victim == "database" else victim)
    tampered.write_bytes(tampered.read_bytes() + b"x")
    with pytest.raises(CommandError) as refused:
        call_command("restore", input=str(out))
    assert "校验失败" in str(refused.value) and "未做任何更改" in str(refused.value)
    assert not get_user_model().objects.exists()
    assert not filled["photo"].exists()


def test_restore_refuses_a_database_that_is_not_empty(filled, tmp_path):
    out = tmp_path / "backup"
    call_command("backup", output=str(out), stdout=open("/dev/null", "w"))
    before = _snapshot()
    with pytest.raises(CommandError, match="目标数据库不是空的"):
        call_command("restore", input=str(out))
    assert _snapshot() == before


def test_backup_refuses_a_directory_that_is_not_empty(db, media, tmp_path):
    out = tmp_path / "used"
    out.mkdir()
    (out / "old.txt").write_text("x")
    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", output=str(out))


def test_a_manifest_path_outside_the_backup_is_refused(db, media, tmp_path):
    out = tmp_path / "backup"
    call_command("backup", output=str(out), stdout=open("/dev/null", "w"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["media/../../etc/passwd"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CommandError, match="不安全的路径"):
        call_command("restore", input=str(out))


def test_evidence_saved_through_storage_is_backed_up(db, media, tmp_path, settings):
    from django.core.files.storage import FileSystemStorage

    FileSystemStorage(location=media).save("jobs/export.xlsx", ContentFile(b"PK\x03\x04 workbook"))
    out = tmp_path / "backup"
    call_command("backup", output=str(out), stdout=open("/dev/null", "w"))
    assert "media/jobs/export.xlsx" in json.loads((out / "manifest.json").read_text())["files"]


def _pg_dump_data(dump) -> bytes:
    """The rows of a custom-format dump, as pg_restore would load them (the file itself is compressed)."""
    return subprocess.run([shutil.which("pg_restore"), "--data-only", "--file=-", str(dump)],
                          capture_output=True, check=True).stdout


def test_restore_with_replace_puts_back_changed_and_deleted_rows_and_files(filled, media, tmp_path):
    before = _snapshot()
    photo_bytes = filled["photo"].read_bytes()
    out = tmp_path / "backup"
    call_command("backup", output=str(out), stdout=open("/dev/null", "w"))

    problem = Problem.objects.get()
    Problem.objects.filter(pk=problem.pk).update(description="改过的描述")
    RectificationItem.objects.update(measure="改过的措施")
    TOTPDevice.objects.all().delete()
    make_unit(OrgUnit.objects.get(code="R"), "general_branch", "G9")
    filled["photo"].unlink()
    with pytest.raises(CommandError, match="目标数据库不是空的"):  # without --replace: refused
        call_command("restore", input=str(out))
    assert Problem.objects.get().description == "改过的描述"

    call_command("restore", input=str(out), replace=True, stdout=open("/dev/null", "w"))
    assert _snapshot() == before
    assert Problem.objects.get().description == "三会一课记录不全"
    assert RectificationItem.objects.get().measure == "补齐记录；建立台账"
    assert TOTPDevice.objects.filter(user__username="org").exists()
    assert not OrgUnit.objects.filter(code="G9").exists()
    assert filled["photo"].read_bytes() == photo_bytes


@on_postgresql
def test_pg_dump_works_on_the_test_database_only(db, media, tmp_path):
    out = tmp_path / "backup"
    call_command("backup", output=str(out), stdout=open("/dev/null", "w"))
    listing = subprocess.run([shutil.which("pg_restore"), "--list", str(out / "database.dump")],
                             capture_output=True, text=True, check=True).stdout
    assert f"dbname: {connection.settings_dict['NAME']}" in listing
    assert connection.settings_dict["NAME"].startswith("test_")


@on_postgresql
def test_the_password_goes_to_pg_dump_in_its_environment_never_on_the_command_line(db, media, tmp_path, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-口令")  # the server trusts this address
    calls = []
    run = subprocess.run

    def recording_run(command, **kwargs):
        calls.append((command, kwargs["env"]))
        return run(command, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording_run)
    call_command("backup", output=str(tmp_path / "backup"), stdout=open("/dev/null", "w"))
    (command, env), = calls
    assert not any("s3cret" in argument for argument in command)
    assert env["PGPASSWORD"] == "s3cret-口令" and env["PGDATABASE"] == connection.settings_dict["NAME"]


@on_postgresql
def test_backup_without_pg_dump_is_refused_in_chinese(db, media, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "backup"
    with pytest.raises(CommandError, match="找不到 pg_dump（Debian 软件包 postgresql-client 提供）"):
        call_command("backup", output=str(out))
    assert not out.exists()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="a PostgreSQL database takes a pg_dump backup")
def test_a_pg_dump_backup_is_refused_by_sqlite(db, media, tmp_path):
    out = tmp_path / "backup"
    out.mkdir()
    (out / "database.dump").write_bytes(b"PGDMP custom format")
    manifest = {"format": "zhenggai-backup/1", "created_at": "2026-01-01T00:00:00Z",
                "files": {"database.dump": hashlib.sha256(b"PGDMP custom format").hexdigest()}}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CommandError, match="只能恢复到 PostgreSQL 数据库；未做任何更改"):
        call_command("restore", input=str(out))


def test_a_json_backup_round_trips_on_either_database(filled, media, tmp_path):
    """--json: Django's JSON on PostgreSQL too, the way data moves between SQLite and PostgreSQL."""
    before = _snapshot()
    out = tmp_path / "backup"
    call_command("backup", output=str(out), json=True, stdout=open("/dev/null", "w"))
    assert "database.json.gz" in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    _flush()
    filled["photo"].unlink()
    call_command("restore", input=str(out), stdout=open("/dev/null", "w"))
    assert _snapshot() == before
    assert filled["photo"].exists()
