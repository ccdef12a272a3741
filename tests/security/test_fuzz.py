"""Hostile text typed into the ledger's fields travels through the pages, the 附件2 workbook and the 附件3 PDF:
nothing executes, nothing breaks, and what was typed comes out as the same text."""

from __future__ import annotations

import io
import shutil
import subprocess

import openpyxl
import pytest
from django.urls import reverse

from ledger.models import Problem
from reports.pdf import render_report_pdf
from reports.services import report_save
from tests.factories import ledger_of, make_campaign

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "\u202egnp.exe 反转",  # right-to-left override
    '=HYPERLINK("http://evil.example","点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "{{ 7*7 }} {% debug %}",
    "'; DROP TABLE ledger_problem; --",
    "第一行\r\n第二行\tTAB",
    "长" * 3000,
]
ESCAPED = {"<script>alert('x')</script>": "&lt;script&gt;", '"><img src=x onerror=alert(1)>': "&lt;img src=x"}


@pytest.fixture
def ledger(tree, users):
    return ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)


def add_problem(client, ledger, text: str):
    category = ledger.campaign.template.categories.first()
    return client.post(reverse("ledger:problem_create", args=[ledger.pk]),
                       {"category": category.pk, "description": text, "source": "extended", "nature": "individual"})


def test_hostile_text_through_pages_and_the_workbook(client, users, ledger):
    client.force_login(users["secretary"])
    for text in HOSTILE:
        response = add_problem(client, ledger, text)
        assert response.status_code == 302, text[:40]
        problem = Problem.objects.get(pk=response["Location"].split("/")[-4])
        assert problem.description.replace("\r\n", "\n") == text.replace("\r\n", "\n")  # kept as typed
        item = client.post(reverse("ledger:item_create", args=[problem.pk]),
                           {"measure": text, "deadline": "2022-10-31", "responsible_name": text[:50]})
        assert item.status_code == 302, text[:40]

    for url in (reverse("ledger:ledger_detail", args=[ledger.pk]),
                reverse("ledger:campaign_ledgers", args=[ledger.campaign_id]),
                reverse("ledger:item_detail", args=[ledger.items.first().pk])):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert('x')</script>" not in page and "<img src=x onerror" not in page
    ledger_page = client.get(reverse("ledger:ledger_detail", args=[ledger.pk])).content.decode()
    for marker in ESCAPED.values():
        assert marker in ledger_page  # shown as text
    assert "{{ 7*7 }}" in ledger_page  # a template expression is shown, not evaluated

    download = client.get(reverse("ledger:ledger_export", args=[ledger.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    cells = {cell.value: cell for row in workbook.worksheets[0].iter_rows() for cell in row if cell.value}
    for text in ('=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1:A9)"):
        matching = [cell for value, cell in cells.items() if isinstance(value, str) and text in value]
        assert matching, text
        assert all(cell.data_type == "s" for cell in matching), text  # text, never a formula


def test_nul_is_refused_with_a_message_and_nothing_saved(client, users, ledger):
    client.force_login(users["secretary"])
    response = add_problem(client, ledger, "空字符\x00在这里")
    assert response.status_code == 200
    assert "不允许是用空字符串。" in response.content.decode()  # Django's own message, in its Chinese wording
    assert not Problem.objects.filter(ledger=ledger).exists()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed (make install installs it)")
def test_hostile_text_in_the_situation_report_pdf(tree, users, ledger, tmp_path):
    text = "\n".join(HOSTILE[:-1])
    report = report_save(actor=users["gb_staff"], campaign=ledger.campaign, unit=tree.gb1, version=0,
                         work_done=text, problems_found="<b>不加粗</b>", next_steps="长" * 3000)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_report_pdf(report, signed=False))
    extracted = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "<script>alert('x')</script>" in extracted  # shown as the text it is
    assert "<b>不加粗</b>" in extracted
    assert "@SUM(A1:A9)" in extracted
