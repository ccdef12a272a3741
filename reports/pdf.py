"""Rendering the situation report to PDF with WeasyPrint: one renderer for the preview and the signed file.

Chinese text is set in Noto Serif CJK (Debian fonts-noto-cjk), through the report's cut-down copy of it when
built (reports/fonts.py); WeasyPrint embeds a subset of every font it uses (fast with libharfbuzz-subset0,
FACTS.md). Images (signature, seal, QR code) are embedded as
data URIs so rendering never fetches anything.
"""

from __future__ import annotations

import base64
import io
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reports.fonts import font_faces_css, report_font_family
from reports.models import SituationReport, UnitStamp


@dataclass
class SignatureBlock:
    """What the signed version prints beneath the text; the preview has none of it."""

    signer_name: str
    date_text: str
    code: str
    verify_url: str
    qr_data_uri: str
    signature_data_uri: str
    seal_data_uri: str


def verify_url(code: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('reports:verify')}?{urlencode({'code': code})}"


def qr_data_uri(text: str) -> str:
    import qrcode

    image = qrcode.make(text, box_size=4, border=1)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def stamp_data_uri(stamp: UnitStamp | None) -> str:
    if stamp is None:
        return ""
    with stamp.file.open("rb") as handle:
        content = handle.read()
    return f"data:{stamp.content_type};base64," + base64.b64encode(content).decode()


def chinese_date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def signature_block(report: SituationReport) -> SignatureBlock:
    url = verify_url(report.verification_code)
    return SignatureBlock(
        signer_name=report.signer_name,
        date_text=chinese_date(timezone.localdate(report.signed_at)),
        code=report.verification_code,
        verify_url=url,
        qr_data_uri=qr_data_uri(url),
        signature_data_uri=stamp_data_uri(report.signature_stamp),
        seal_data_uri=stamp_data_uri(report.seal_stamp),
    )


# Characters: a paragraph whose runs without a space are all this short is justified (a line holds about 29
# Chinese or 60 Latin characters).
LONGEST_JUSTIFIED_RUN = 20


@dataclass(frozen=True)
class Paragraph:
    text: str
    justified: bool


def justifiable(line: str) -> bool:
    """Whether justifying `line` spreads its slack evenly. WeasyPrint justifies by widening spaces only, so in a
    paragraph with long runs without a space (Chinese text, a URL) one or two spaces took a line's whole slack:
    "1." stood several characters away from its text. Such a paragraph is set flush left; a Chinese line ends
    within a character of the margin anyway."""
    return max(len(run) for run in line.split()) <= LONGEST_JUSTIFIED_RUN


def paragraphs(text: str) -> list[Paragraph]:
    lines = (line.strip() for line in text.splitlines())
    return [Paragraph(line, justifiable(line)) for line in lines if line]


def report_html(report: SituationReport, *, signed: SignatureBlock | None, font_family: str | None = None) -> str:
    """The report as HTML for WeasyPrint; `font_family` replaces the report's fonts (the bench's Latin twin)."""
    return render_to_string(
        "reports/pdf/report.html",
        {
            "report": report,
            "unit_name": report.unit.name,
            "sections": [
                ("一、工作开展情况", paragraphs(report.work_done)),
                ("二、自查存在的问题", paragraphs(report.problems_found)),
                ("三、下一步整改措施", paragraphs(report.next_steps)),
            ],
            "signed": signed,
            "draft_date": chinese_date(timezone.localdate()),
            "font_family": font_family or report_font_family(),
            "font_faces": "" if font_family else font_faces_css(),
        },
    )


_weasyprint = threading.local()


def _font_config():
    """One WeasyPrint font configuration per thread: it loads the report's @font-face fonts once, where a new
    one copied and registered 8 MB of fonts at every rendering (a third of the Chinese fonts' cost, scale bench)."""
    from weasyprint.text.fonts import FontConfiguration

    if getattr(_weasyprint, "font_config", None) is None:
        _weasyprint.font_config = FontConfiguration()
    return _weasyprint.font_config


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=None).write_pdf(font_config=_font_config())


def render_report_pdf(report: SituationReport, *, signed: bool) -> bytes:
    """The report as PDF: with `signed`, the signature block (images, date, code, QR) is printed."""
    block = signature_block(report) if signed else None
    return html_to_pdf(report_html(report, signed=block))
