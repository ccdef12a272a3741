"""The signed PDF: its text, its fonts, its digital signature (pyHanko and poppler's pdfsig)."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess

import pytest

from reports.models import ReportStatus
from reports.pdf import render_report_pdf
from reports.signing import check_pdf

pytestmark = pytest.mark.django_db


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_fonts(path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[2:]  # after the header and the dashes


def test_signed_report_is_signed_and_stored(signed):
    assert signed.status == ReportStatus.SIGNED
    content = signed.pdf.read()
    assert hashlib.sha256(content).hexdigest() == signed.pdf_sha256
    assert signed.job.status == "done"


def test_signed_pdf_text_has_title_sections_unit_and_code(signed, tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(signed.pdf.read())
    text = pdf_text(path).replace(" ", "").replace("\n", "")
    assert "第一党总支开展党支部对账整改专项行动情况的报告" in text
    for heading in ("一、工作开展情况", "二、自查存在的问题", "三、下一步整改措施"):
        assert heading in text
    assert "支部委员会超期未换届" in text  # section 二 came from the ledgers
    assert "第二党总支的问题" not in text  # ...of this general branch only
    assert signed.verification_code in text
    assert "https://dangjian.example.edu.cn/reports/verify/?code=" in text


def test_every_font_is_embedded(signed, tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(signed.pdf.read())
    fonts = pdf_fonts(path)
    assert fonts, "the PDF has no fonts"
    assert any("CJK" in line or "ReportSerif" in line for line in fonts)  # the report's Chinese font
    for line in fonts:
        # columns: name type encoding emb sub uni object ID
        assert line.split()[-5] == "yes", line


def test_signature_validates_against_the_apps_ca(signed):
    check = check_pdf(signed.pdf.read())
    assert check.valid, check.problem
    assert "情况报告签章" in check.signer


def test_pdfsig_reports_valid_and_trusted(signed, signing_ca, tmp_path):
    if not (shutil.which("pdfsig") and shutil.which("certutil")):
        pytest.skip("pdfsig/certutil not installed")
    path = tmp_path / "r.pdf"
    path.write_bytes(signed.pdf.read())
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "orgca", "-t", "CT,C,C", "-i",
                    str(signing_ca / "ca.crt")], check=True)
    out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in out, out
    assert "Certificate is Trusted" in out, out
    assert "Total document signed" in out, out


def flip_one_byte(content: bytes) -> bytes:
    at = len(content) // 3  # inside the signed range, in the page content
    return content[:at] + bytes([content[at] ^ 0x01]) + content[at + 1 :]


def append_page(content: bytes) -> bytes:
    """An incremental update after signing that adds a blank page (what a forger would do)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    page = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        generic.NameObject("/Resources"): generic.DictionaryObject(),
    })
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_one_changed_byte_is_not_valid(signed):
    assert not check_pdf(flip_one_byte(signed.pdf.read())).valid


def test_a_page_appended_after_signing_is_not_valid(signed):
    original = signed.pdf.read()
    appended = append_page(original)
    assert appended.startswith(original) and len(appended) > len(original)  # the signed bytes are untouched
    check = check_pdf(appended)
    assert not check.valid
    assert "changed after signing" in check.problem


def test_preview_uses_the_same_renderer_without_signature(draft, tmp_path):
    path = tmp_path / "p.pdf"
    path.write_bytes(render_report_pdf(draft, signed=False))
    text = pdf_text(path).replace(" ", "")
    assert "预览稿" in text
    assert "二、自查存在的问题" in text
    assert "验证码" not in text


def test_the_report_is_set_in_its_gb2312_font_and_a_rare_name_still_prints(draft, tmp_path, settings):
    from reports.fonts import font_path

    if not font_path("Regular").exists():
        pytest.skip("report fonts not built (make install builds them)")
    draft.work_done = "组织委员王喆、李䶮负责台账核对。"  # 喆 and 䶮 are outside GB 2312
    path = tmp_path / "r.pdf"
    path.write_bytes(render_report_pdf(draft, signed=False))
    text = pdf_text(path).replace(" ", "").replace("\n", "")
    assert "组织委员王喆、李䶮负责台账核对" in text
    names = [line.split()[0].split("+")[-1] for line in pdf_fonts(path)]
    assert {"ReportSerif", "ReportSerif-Bold"} <= set(names)  # the text and the headings
    assert "Noto-Serif-CJK-SC" in names  # the two rare characters, from the whole collection
    settings.REPORT_FONT_DIR = tmp_path / "none"  # not built: the whole Noto collection alone sets the report
    path.write_bytes(render_report_pdf(draft, signed=False))
    assert "组织委员王喆、李䶮负责台账核对" in pdf_text(path).replace(" ", "").replace("\n", "")
    assert not any("ReportSerif" in line for line in pdf_fonts(path))


def test_the_report_font_numbers_everyday_characters_first(draft, tmp_path):
    """WeasyPrint keeps a glyph's number in the PDF's subset (an empty slot for every lower number), so the
    everyday hanzi come first in the report's font: a report's embedded font is half the size, and quicker to
    compress. A face built by older code fails here until `manage.py build_report_fonts` rebuilds it."""
    from fontTools.ttLib import TTFont

    from reports.fonts import font_path

    if not font_path("Regular").exists():
        pytest.skip("report fonts not built (make install builds them)")
    for style in ("Regular", "Bold"):
        with TTFont(str(font_path(style)), lazy=True) as font:
            cmap = font.getBestCmap()
            assert "vmtx" not in font, f"{style}: built by older code, run manage.py build_report_fonts"
            assert max(font.getGlyphID(cmap[ord(c)]) for c in "—“”，。的党支部整改落实作") < 4_800
            assert font.getGlyphID(cmap[ord("A")]) < 100
    draft.work_done = "“党支部”对账整改——逐条落实。"
    path = tmp_path / "r.pdf"
    path.write_bytes(render_report_pdf(draft, signed=False))
    assert "“党支部”对账整改——逐条落实。" in pdf_text(path).replace(" ", "").replace("\n", "")
