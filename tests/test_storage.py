"""Every file a request or a job reads or writes goes through the private storage (config/storage.py), so several
web processes and workers on other machines share one deployment.

Each file flow (evidence, an export job and its expiry, a signed report with its preview and stamps, an import
from preview to confirmation in the request and in the background, backup and restore) runs with the private
storage configured as something that is not a directory of this process: a directory elsewhere while the process
works in another one, and a storage kept in a dict that has no `path()` at all (as S3 has none). Afterwards
nothing was written in the working directory, nor in PRIVATE_MEDIA_ROOT when the storage is not there.
Two processes started in different directories see each other's files.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from backups.backup import backup, restore
from branches.imports import HEADERS
from branches.models import OrgUnit
from config.storage import private_storage, walk
from jobs.models import Job, JobStatus
from jobs.services import job_results_expire
from ledger.models import Evidence
from reports import services as report_services
from reports.models import StampKind, UnitStamp
from reports.signing import check_pdf, create_signing_ca
from tests.factories import ledger_of, make_campaign, make_item, make_problem
from tests.ledger.workflow_support import PNG_1PX, png_upload
from tests.reports.conftest import image_bytes, upload
from tests.storage import MemoryStorage
from tests.xlsx import load_bytes, xlsx_bytes

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Private:
    kind: str
    workdir: Path  # where the process runs: nothing may land here
    unused_root: Path | None  # PRIVATE_MEDIA_ROOT when the storage is elsewhere: nothing may land there either

    def assert_nothing_local(self) -> None:
        assert list(self.workdir.iterdir()) == [], "a file was written in the working directory"
        if self.unused_root is not None:
            assert not self.unused_root.exists(), "a file bypassed the configured private storage"


@pytest.fixture(params=["directory_elsewhere", "memory_without_paths"])
def private(request, settings, tmp_path, monkeypatch) -> Private:
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    if request.param == "memory_without_paths":
        MemoryStorage.files.clear()
        settings.STORAGES = {**settings.STORAGES, "private": {"BACKEND": "tests.storage.MemoryStorage"}}
        settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "unused"
        unused = settings.PRIVATE_MEDIA_ROOT
    else:
        settings.PRIVATE_MEDIA_ROOT = tmp_path / "shared-volume"
        unused = None
    yield Private(request.param, workdir, unused)
    MemoryStorage.files.clear()


def streamed(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_private_storage_is_the_configured_one(private):
    private_storage.save("probe/hello.txt", ContentFile(b"hello"))
    if private.kind == "memory_without_paths":
        assert MemoryStorage.files["probe/hello.txt"][0] == b"hello"
        with pytest.raises(NotImplementedError):
            private_storage.path("probe/hello.txt")
    else:
        assert (Path(settings.PRIVATE_MEDIA_ROOT) / "probe" / "hello.txt").read_bytes() == b"hello"
    assert list(walk(private_storage)) == ["probe/hello.txt"]
    private.assert_nothing_local()


def test_evidence_uploaded_and_downloaded_through_the_storage(private, client, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    item = make_item(make_problem(ledger_of(campaign, tree.b1), user=users["secretary"]), user=users["secretary"])
    client.force_login(users["secretary"])
    client.post(reverse("ledger:item_action", args=[item.pk, "evidence"]), {"file": png_upload("支部会议.png")})
    evidence = Evidence.objects.get()
    assert private_storage.exists(evidence.file.name) and private_storage.exists(evidence.thumbnail.name)

    client.force_login(users["gb_staff"])
    response = client.get(reverse("ledger:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;") and "nosniff" == response["X-Content-Type-Options"]
    assert streamed(response) == PNG_1PX and response["Content-Length"] == str(len(PNG_1PX))
    thumbnail = client.get(reverse("ledger:evidence_thumbnail", args=[evidence.pk]))
    assert thumbnail.status_code == 200 and streamed(thumbnail)[:3] == b"\xff\xd8\xff"  # a JPEG
    client.force_login(users["secretary"])
    assert client.get(reverse("ledger:evidence_download", args=[evidence.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("ledger:evidence_download", args=[evidence.pk])).status_code == 302  # to sign in
    private.assert_nothing_local()


def test_an_export_job_stores_its_result_and_the_sweep_deletes_it(private, client, tree, users,
                                                                  django_capture_on_commit_callbacks):
    campaign = make_campaign(tree.root, actor=users["org"])
    make_problem(ledger_of(campaign, tree.b1), description="三会一课记录不全")
    client.force_login(users["gb_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ledger:export_start", args=[campaign.pk]), {"unit": tree.gb1.pk})
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.message
    assert private_storage.exists(job.result.name)
    download = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert "第一党支部" in load_workbook(io.BytesIO(streamed(download))).sheetnames

    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(days=settings.JOB_RESULT_DAYS + 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert job_results_expire() == 1
    assert not private_storage.exists(job.result.name)
    private.assert_nothing_local()


def test_a_zip_export_job_moves_its_temporary_archive_into_the_storage(private, client, tree, users, tmp_path,
                                                                       monkeypatch, django_capture_on_commit_callbacks):
    """The ZIP of per-unit workbooks is written to a temporary file (too large for memory), copied into the storage
    in chunks and deleted: nothing stays in the temporary directory."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    campaign = make_campaign(tree.root, actor=users["org"])
    make_problem(ledger_of(campaign, tree.b1), description="三会一课记录不全")
    client.force_login(users["gb_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ledger:export_zip_start", args=[campaign.pk]), {"level": ""})
    job = Job.objects.get()
    assert job.status == JobStatus.DONE, job.message
    assert private_storage.exists(job.result.name) and job.result_name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(streamed(client.get(reverse("jobs:job_download", args=[job.pk]))))) as archive:
        assert [name.split("-")[2] for name in archive.namelist()] == ["第一党支部", "第二党支部"]
    assert list(temporary.iterdir()) == []
    private.assert_nothing_local()


@pytest.fixture
def own_ca(private, settings):
    """The app's own CA, made by create_signing_ca into the private storage (no configured key files)."""
    settings.REPORT_SIGNING_PKCS12 = settings.REPORT_SIGNING_KEY = settings.REPORT_SIGNING_CERT = ""
    settings.REPORT_SIGNING_CA_CERTS = []
    names = create_signing_ca(organization="测试学院党委")
    assert all(private_storage.exists(name) for name in names)
    if private.kind == "directory_elsewhere":  # keys readable by their owner alone
        assert (Path(settings.PRIVATE_MEDIA_ROOT) / "signing" / "signer.key").stat().st_mode & 0o077 == 0
    return names


def test_a_report_is_previewed_signed_and_verified_from_the_storage(private, own_ca, client, tree, users,
                                                                    django_capture_on_commit_callbacks):
    campaign = make_campaign(tree.root, actor=users["org"])
    make_problem(ledger_of(campaign, tree.b1), description="支部委员会超期未换届")
    gb_staff = users["gb_staff"]
    report_services.stamp_upload(actor=gb_staff, unit=tree.gb1, kind=StampKind.SIGNATURE,
                                 upload=upload("sig.png", image_bytes()))
    report_services.stamp_upload(actor=gb_staff, unit=tree.gb1, kind=StampKind.SEAL,
                                 upload=upload("seal.jpg", image_bytes("JPEG"), "image/jpeg"))
    draft = report_services.report_save(actor=gb_staff, campaign=campaign, unit=tree.gb1, version=0,
                                        work_done="总支召开专题会议。", problems_found="", next_steps="持续推进。")
    client.force_login(gb_staff)
    preview_url = reverse("reports:report_preview", args=[draft.pk])
    first = client.get(preview_url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    first_pdf = streamed(first)
    assert first_pdf.startswith(b"%PDF")
    kept = list(walk(private_storage, f"reports/previews/{draft.pk}"))
    assert len(kept) == 1 and kept[0].endswith(".pdf")
    assert streamed(client.get(preview_url)) == first_pdf  # served from the storage the second time
    assert list(walk(private_storage, f"reports/previews/{draft.pk}")) == kept

    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_sign(actor=gb_staff, report=draft, version=draft.version, password="pw-123456",
                                    confirmed=True)
    draft.refresh_from_db()
    assert draft.pdf and private_storage.exists(draft.pdf.name)
    signed = client.get(reverse("reports:report_pdf", args=[draft.pk]))
    assert signed.status_code == 200 and signed["Content-Disposition"].startswith("attachment;")
    signed_pdf = streamed(signed)
    assert check_pdf(signed_pdf).valid  # the trusted CA read from the storage
    for stamp in UnitStamp.objects.filter(unit=tree.gb1):
        image = client.get(reverse("reports:stamp_image", args=[stamp.pk]))
        assert image.status_code == 200 and image["Content-Type"] == stamp.content_type
        with private_storage.open(stamp.file.name, "rb") as handle:
            assert streamed(image) == handle.read()
    client.force_login(users["org"])
    archive = client.get(reverse("reports:campaign_zip", args=[campaign.pk]))
    with zipfile.ZipFile(io.BytesIO(streamed(archive))) as zipped:
        assert [zipped.read(name) for name in zipped.namelist()] == [signed_pdf]
    private.assert_nothing_local()


def test_nodes_installed_at_different_paths_share_one_cached_preview(private, tree, users, settings, tmp_path,
                                                                     monkeypatch):
    """The preview's cache key leaves out where this node keeps the report's fonts."""
    from reports import pdf
    from reports.fonts import FACES, font_path

    built = [font_path(style) for style in FACES.values()]
    if not all(path.exists() for path in built):
        pytest.skip("the report's fonts are not built (make install)")
    nodes = [tmp_path / "node-a" / "fonts", tmp_path / "node-b" / "fonts"]
    for directory in nodes:
        directory.mkdir(parents=True)
    for path in built:
        shutil.copy(path, nodes[0] / path.name)
        os.link(nodes[0] / path.name, nodes[1] / path.name)  # the same bytes under another path
    renders = []
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, real=pdf.html_to_pdf: renders.append(html) or real(html))
    campaign = make_campaign(tree.root, actor=users["org"])
    draft = report_services.report_save(actor=users["gb_staff"], campaign=campaign, unit=tree.gb1, version=0,
                                        work_done="总支召开专题会议。", problems_found="", next_steps="")
    for directory in nodes:
        settings.REPORT_FONT_DIR = directory
        report_services.report_preview_open(report=draft).close()
    assert len(renders) == 1 and str(nodes[0]) in renders[0]
    private.assert_nothing_local()


IMPORT_ROWS = [
    ["N1", "新党总支", "党总支", "R", "总支书记", "newgb", 40, 1, "2023-06-30", 3],
    ["N1-1", "新党总支第一党支部", "党支部", "N1", "支书甲", "newb1", 12, 2, "2023-06-30", 3],
    ["N1-2", "新党总支第二党支部", "党支部", "N1", "支书乙", "", "", "", "", ""],
]


@pytest.mark.parametrize("background", [False, True], ids=["in_the_request", "in_a_job"])
def test_an_import_keeps_its_rows_in_the_storage_from_preview_to_confirmation(
        private, client, tree, users, monkeypatch, django_capture_on_commit_callbacks, background):
    if background:
        monkeypatch.setattr("branches.views_imports.BACKGROUND_ROWS", 2)
    client.force_login(users["org"])
    uploaded = client.post("/org/import/", {"file": ContentFile(xlsx_bytes(HEADERS, IMPORT_ROWS), name="tree.xlsx")})
    token = uploaded["Location"].split("token=")[1]
    assert private_storage.exists(f"imports/{token}.json")
    assert "新党总支第一党支部" in client.get(uploaded["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post("/org/import/", {"token": token, "confirm": "1"})
    assert confirmed.status_code in (200, 302)
    assert OrgUnit.objects.filter(code__startswith="N1").count() == 3
    assert not private_storage.exists(f"imports/{token}.json")  # spent
    if background:
        job = Job.objects.get()
        result = load_bytes(streamed(client.get(reverse("jobs:job_download", args=[job.pk]))))
        logins = {row[0].value: row[1].value for row in list(result.worksheets[0].iter_rows())[2:]}
        assert get_user_model().objects.get(username="newgb").check_password(logins["newgb"])
    private.assert_nothing_local()


def test_rows_of_previews_never_confirmed_are_swept_from_the_storage(private, client, tree, users, monkeypatch):
    client.force_login(users["org"])
    content = xlsx_bytes(HEADERS, IMPORT_ROWS)

    def upload_sheet() -> str:
        response = client.post("/org/import/", {"file": ContentFile(content, name="tree.xlsx")})
        return response["Location"].split("token=")[1]

    first, second = upload_sheet(), upload_sheet()
    assert private_storage.exists(f"imports/{first}.json")  # a day has not passed: kept
    monkeypatch.setattr("branches.spreadsheets.reader.PENDING_MAX_AGE", -60)  # as if a day had passed
    third = upload_sheet()
    assert list(walk(private_storage, "imports")) == [f"imports/{third}.json"]
    assert second != third
    private.assert_nothing_local()


def test_backup_and_restore_go_through_the_storage(private, content_types_as_migrated, transactional_db, django_db_serialized_rollback,
                                                   tree, users, tmp_path):
    campaign = make_campaign(tree.root, actor=users["org"])
    item = make_item(make_problem(ledger_of(campaign, tree.b1), user=users["secretary"]), user=users["secretary"])
    from ledger.services.evidence import evidence_add

    evidence = evidence_add(actor=users["secretary"], item=item, upload=png_upload("照片.png"))
    stored = set(walk(private_storage))
    assert evidence.file.name in stored

    out = tmp_path / "backup"
    manifest = backup(out)
    assert {f"media/{name}" for name in stored} <= set(manifest["files"])
    assert (out / "media" / evidence.file.name).read_bytes() == PNG_1PX

    for name in stored:  # the storage lost its files (another volume, an emptied bucket)
        private_storage.delete(name)
    restore(out, replace=True)
    assert set(walk(private_storage)) == stored
    with private_storage.open(Evidence.objects.get().file.name, "rb") as handle:
        assert handle.read() == PNG_1PX
    private.assert_nothing_local()


def _run_in(directory: Path, code: str, **environment: str) -> subprocess.CompletedProcess:
    """`manage.py shell -c code` started in `directory`, as a web process or a worker on its own would be."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.base", "DJANGO_SECRET_KEY": "x" * 50, **environment})
    return subprocess.run([sys.executable, str(REPO / "manage.py"), "shell", "-v", "0", "-c", code],  # noqa: S603
                          cwd=directory,
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def test_two_processes_in_different_directories_share_the_private_storage(tmp_path):
    shared = tmp_path / "shared-volume"
    web, worker = tmp_path / "web", tmp_path / "worker"
    web.mkdir()
    worker.mkdir()
    write = ("from django.core.files.base import ContentFile; from config.storage import private_storage; "
             "print(private_storage.save('jobs/from-web.txt', ContentFile('导出'.encode())))")
    written = _run_in(web, write, PRIVATE_MEDIA_ROOT=str(shared))
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip() == "jobs/from-web.txt"
    read = ("from config.storage import private_storage; "
            "print(private_storage.open('jobs/from-web.txt').read().decode())")
    seen = _run_in(worker, read, PRIVATE_MEDIA_ROOT=str(shared))
    assert seen.returncode == 0, seen.stderr
    assert seen.stdout.strip() == "导出"
    assert list(web.iterdir()) == [] and list(worker.iterdir()) == []


@pytest.mark.parametrize(("variable", "value"), [
    ("PRIVATE_MEDIA_ROOT", "private_media"),
    ("DATABASE_URL", "sqlite:///db.sqlite3"),
    ("REPORT_FONT_DIR", "var/fonts"),
    ("REPORT_SIGNING_KEY", "signer.key"),
])
def test_a_relative_path_is_refused(tmp_path, variable, value):
    """A relative path would be a different file for each process started in another directory."""
    code = "from config.storage import private_storage; private_storage.save('x.txt', ContentFile(b'x'))"
    refused = _run_in(tmp_path, f"from django.core.files.base import ContentFile; {code}", **{variable: value})
    assert refused.returncode != 0 and f"{variable} must" in refused.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_storage_backend_is_chosen_by_the_environment(tmp_path):
    options = json.dumps({"location": str(tmp_path / "elsewhere")})
    code = ("from config.storage import private_storage; private_storage.exists('x'); "
            "print(type(private_storage._wrapped).__name__, private_storage.location)")
    chosen = _run_in(tmp_path, code, PRIVATE_STORAGE_BACKEND="django.core.files.storage.FileSystemStorage",
                     PRIVATE_STORAGE_OPTIONS=options)
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.split() == ["FileSystemStorage", str(tmp_path / "elsewhere")]
