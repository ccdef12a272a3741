"""Report fixtures: a CA made once per run, a campaign with ledgers under gb1, stamps and a signed report."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ledger.models import ItemStatus
from reports import services
from reports.models import StampKind
from reports.signing import create_signing_ca
from tests.factories import ledger_of, make_campaign, make_item, make_problem


@pytest.fixture(scope="session")
def ca_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("signing")
    create_signing_ca(directory=directory, organization="测试学院党委")
    return directory


@pytest.fixture
def signing_ca(settings, ca_dir):
    """The run's CA as configured files (as a deployment with its own certificate does), so a test may move the
    private storage elsewhere; the CA kept in the private storage is tested in tests/test_storage.py."""
    settings.REPORT_SIGNING_PKCS12 = ""
    settings.REPORT_SIGNING_KEY = str(ca_dir / "signer.key")
    settings.REPORT_SIGNING_CERT = str(ca_dir / "signer.crt")
    settings.REPORT_SIGNING_CA_CERTS = [str(ca_dir / "ca.crt")]
    settings.SITE_URL = "https://dangjian.example.edu.cn"
    return ca_dir


def image_bytes(fmt: str = "PNG", color=(200, 0, 0, 255)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", (120, 60), color if fmt == "PNG" else color[:3]).save(buffer, fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def campaign(tree, users):
    """A published campaign with problems in b1 and b2 (gb1) and one in b3 (gb2)."""
    campaign = make_campaign(tree.root, actor=users["org"])
    first, second = list(campaign.template.categories.order_by("order"))
    b1, b2, b3 = (ledger_of(campaign, unit) for unit in (tree.b1, tree.b2, tree.b3))
    p1 = make_problem(b1, category=first, description="支部委员会超期未换届")
    make_item(p1, measure="按期换届", deadline=datetime.date(2022, 10, 1))  # overdue
    make_item(p1, measure="建立提醒制度", ongoing=True)
    p2 = make_problem(b1, category=second, description="三会一课记录不全")
    make_item(p2, measure="补齐记录", status=ItemStatus.CLOSED,
              closed_at=datetime.datetime(2022, 10, 10, tzinfo=datetime.UTC))
    p3 = make_problem(b2, category=first, description="组织生活会流于形式")
    make_item(p3, measure="规范程序", ongoing=True)
    make_problem(b3, category=first, description="第二党总支的问题")
    return campaign


@pytest.fixture
def stamps(tree, users):
    services.stamp_upload(actor=users["gb_staff"], unit=tree.gb1, kind=StampKind.SIGNATURE,
                          upload=upload("sig.png", image_bytes()))
    services.stamp_upload(actor=users["gb_staff"], unit=tree.gb1, kind=StampKind.SEAL,
                          upload=upload("seal.jpg", image_bytes("JPEG"), "image/jpeg"))


@pytest.fixture
def draft(campaign, tree, users):
    fields = services.report_initial_fields(campaign=campaign, unit=tree.gb1)
    return services.report_save(
        actor=users["gb_staff"], campaign=campaign, unit=tree.gb1, version=0,
        work_done="总支召开专题会议部署对账整改工作。", problems_found=fields["problems_found"],
        next_steps="持续推进整改，完成一件销号一件。",
    )


@pytest.fixture
def signed(draft, stamps, signing_ca, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_sign(actor=users["gb_staff"], report=draft, version=draft.version,
                             password="pw-123456", confirmed=True)
    draft.refresh_from_db()
    return draft
