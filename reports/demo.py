"""Demo situation reports on the current campaign: the first general branch has a signed report, the second a
draft (its report is due in a few days: the reminder sweep tells it today). Idempotent.

Creates the app's signing CA (in the private storage) when none is configured, so the demo can sign.
"""

from __future__ import annotations

import datetime
import io
import math

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from branches.models import OrgUnit, Role, RoleAssignment, UnitKind
from ledger.demo import current_campaign
from ledger.models import Campaign
from reports import selectors, services, signing
from reports.models import StampKind

WORK_DONE = (
    "按照校党委组织部《关于开展党支部对账整改专项行动的通知》要求，总支召开专题会议进行部署，成立工作小组，"
    "指导各党支部逐条逐项对照检查、延伸自查，建立问题台账，实行销号管理。\n"
    "总支委员分工联系各党支部，采取查阅资料、列席组织生活等方式督促检查，边查边改、立行立改。"
)
NEXT_STEPS = (
    "一是紧盯问题清单，对未完成的整改事项明确时限和责任人，完成一件、销号一件。\n"
    "二是建立长效机制，把整改成效融入“三会一课”、主题党日等日常工作。\n"
    "三是开展整改“回头看”，防止问题反弹。"
)


def _image(draw_seal: bool) -> bytes:
    from PIL import Image, ImageDraw

    if draw_seal:
        image = Image.new("RGBA", (240, 240), (255, 255, 255, 0))
        pen = ImageDraw.Draw(image)
        pen.ellipse((8, 8, 232, 232), outline=(200, 0, 0, 230), width=10)
        star = [(120 + 50 * math.cos(math.radians(-90 + 36 * i)) * (1 if i % 2 == 0 else 0.4),
                 120 + 50 * math.sin(math.radians(-90 + 36 * i)) * (1 if i % 2 == 0 else 0.4)) for i in range(10)]
        pen.polygon(star, fill=(200, 0, 0, 230))
    else:
        image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
        pen = ImageDraw.Draw(image)
        pen.line([(10, 70), (60, 20), (90, 80), (140, 25), (180, 75), (230, 30), (290, 60)], fill=(20, 20, 60, 255),
                 width=5)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _staff_of(unit: OrgUnit):
    assignment = RoleAssignment.objects.filter(unit=unit, role=Role.GENERAL_BRANCH_STAFF).select_related("user").first()
    return assignment.user if assignment else None


def _ensure_stamps(unit: OrgUnit, actor) -> None:
    current = selectors.current_stamps(unit)
    for kind, is_seal in ((StampKind.SIGNATURE, False), (StampKind.SEAL, True)):
        if current[kind] is None:
            upload = SimpleUploadedFile(f"{kind}.png", _image(is_seal), content_type="image/png")
            services.stamp_upload(actor=actor, unit=unit, kind=kind, upload=upload)


def _ensure_draft(campaign: Campaign, unit: OrgUnit, actor):
    report = selectors.report_of(campaign=campaign, unit=unit)
    if report is None:
        fields = services.report_initial_fields(campaign=campaign, unit=unit)
        report = services.report_save(actor=actor, campaign=campaign, unit=unit, version=0, work_done=WORK_DONE,
                                      problems_found=fields["problems_found"], next_steps=NEXT_STEPS)
    return report


def seed_reports(root: OrgUnit, today: datetime.date | None = None) -> None:
    """A signed report and a draft on the current campaign (`today` is not used: signing is dated now)."""
    from branches.demo import DEMO_PASSWORD

    campaign = current_campaign(root)
    if campaign is None:
        return
    units = [u for u in OrgUnit.objects.filter(parent=root, kind=UnitKind.GENERAL_BRANCH).order_by("code")
             if campaign.ledgers.filter(unit_path__startswith=u.path).exists()][:2]
    staff = [(unit, _staff_of(unit)) for unit in units]
    if len(staff) < 2 or any(user is None for _, user in staff):
        return
    (signed_unit, signer), (draft_unit, writer) = staff
    _ensure_draft(campaign, draft_unit, writer)
    report = _ensure_draft(campaign, signed_unit, signer)
    if not report.is_frozen:
        if not signing.is_configured():
            signing.create_signing_ca(organization=root.name)
        _ensure_stamps(signed_unit, signer)
        signer = get_user_model().objects.get(pk=signer.pk)  # a fresh scope cache
        report = services.report_sign(actor=signer, report=report, version=report.version, password=DEMO_PASSWORD,
                                      confirmed=True)
    if report.pdf_sha256 == "":
        services.report_render_and_sign(report_id=report.pk)
