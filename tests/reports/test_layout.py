"""附件3 as printed: no stretched gap after a list number, and the verification block never alone on a page.

Read back from the PDF with poppler's `pdftotext -bbox-layout`: every word with its page and its box.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from reports.pdf import html_to_pdf, report_html, signature_block

pytestmark = pytest.mark.django_db

CODE = "ABCD-EFGH-JKLM-NPQR"
BODY_EM = 15  # points: the report's text size
FILLER = "总支召开专题会议部署对账整改工作，逐支部逐项对账。"  # one line of the report
RIGHT_EDGE = 595.28 - 26 / 25.4 * 72  # points: A4, less the right margin of 26 mm
LONG_RUN = "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # wider than a line


@dataclass
class Word:
    page: int
    line: int  # a running number over the whole document
    text: str
    x_min: float
    x_max: float


def pdf_words(pdf: bytes, tmp_path) -> list[Word]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    xhtml = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    root = ElementTree.fromstring(xhtml)
    words = []
    line_number = 0
    for page_number, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page"), start=1):
        for line in page.iter("{http://www.w3.org/1999/xhtml}line"):
            line_number += 1
            words += [Word(page_number, line_number, word.text or "", float(word.get("xMin")), float(word.get("xMax")))
                      for word in line.iter("{http://www.w3.org/1999/xhtml}word")]
    return words


def signed_pdf(report) -> bytes:
    """The report as its signed version prints it (the signing itself is test_pdf's)."""
    report.verification_code, report.signed_at, report.signer_name = CODE, timezone.now(), "张三"
    return html_to_pdf(report_html(report, signed=signature_block(report)))


def page_of(words: list[Word], text: str) -> int:
    return next(word.page for word in words if text in word.text)


def test_the_verification_block_stays_on_the_signatures_page(draft, tmp_path):
    """Lines are added to the report until the verification block, the last thing printed, no longer fits
    the page it started on: the signature must go with it, and the report's last paragraph with both (a
    signature is not printed on a page without text)."""

    def render(lines: int) -> list[Word]:
        draft.work_done = "\n".join([FILLER] * lines)
        return pdf_words(signed_pdf(draft), tmp_path)

    first_page = page_of(render(0), CODE)
    low, high = 0, 40  # the smallest number of lines that moves the verification code to a later page
    assert page_of(render(high), CODE) > first_page
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if page_of(render(middle), CODE) > first_page else (middle, high)
    words = render(high)
    assert page_of(words, CODE) == page_of(words, "负责人") == page_of(words, "盖章")
    assert page_of(words, "核验请访问") == page_of(words, CODE)
    assert page_of(words, "持续推进整改") == page_of(words, CODE)  # the report's last line comes along


def test_a_list_number_stays_beside_its_text(draft, tmp_path):
    """A numbered line whose text after the number is one long run (a branch's name, a URL) used to have the
    line's whole slack put into the space after "2."."""
    draft.problems_found = f"1. 第一党支部：支部委员会超期未换届\n2. 经济管理学院党支部：{LONG_RUN}记录不全。"
    words = pdf_words(signed_pdf(draft), tmp_path)
    number = next(n for n, word in enumerate(words) if word.text == "2.")
    following = words[number + 1]
    assert following.line == words[number].line and following.text.startswith("经济管理学院党支部")
    assert following.x_min - words[number].x_max < BODY_EM / 2  # a space, not a gap of several characters


def test_a_run_longer_than_a_line_is_broken_not_cut_off(draft, tmp_path):
    draft.problems_found = f"2. 经济管理学院党支部：{LONG_RUN}记录不全。"
    words = pdf_words(signed_pdf(draft), tmp_path)
    assert LONG_RUN in "".join(word.text for word in words)
    assert max(word.x_max for word in words) <= RIGHT_EDGE + 1
