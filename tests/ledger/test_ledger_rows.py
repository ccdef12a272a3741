"""A measure's row on the ledger and problem pages, built by the `item_row` tag instead of an include (issue 15):
what a user sees in the row stays — the numbered measure linked to its page, the status, overdue and carried-over
badges, the deadline or 立行立改, the people responsible, and every piece of evidence linked to its download."""

from __future__ import annotations

import datetime
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from ledger.models import Problem, RectificationItem
from ledger.services.evidence import evidence_add
from ledger.templatetags.ledger_rows import item_row
from tests.factories import make_item, make_problem
from tests.ledger.workflow_support import png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(world, users):
    problem = make_problem(world.ledger, user=users["secretary"])
    late = make_item(problem, user=users["secretary"], measure="召开专题组织生活会<b>", deadline=datetime.date(2020, 3, 1),
                     responsible_name="李四", responsible_leader="王书记", responsible_unit="组织科")
    ongoing = make_item(problem, user=users["secretary"], ongoing=True, measure="长期坚持学习制度")
    photo = evidence_add(actor=users["secretary"], item=late, upload=png_upload("支部会议.png"))
    minutes = evidence_add(actor=users["secretary"], item=late,
                           upload=SimpleUploadedFile("会议记录很长很长很长很长很长很长很长很长的文件名.pdf", b"%PDF-1.7\n..."))
    return problem, late, ongoing, photo, minutes


def _row(item) -> str:
    item = RectificationItem.objects.select_related("phase").prefetch_related("evidence").get(pk=item.pk)
    return str(item_row(item))


def test_a_late_measure_shows_its_link_badges_people_and_evidence(rows):
    _, late, _, photo, minutes = rows
    row = _row(late)
    assert f'id="item-{late.pk}"' in row
    assert f'<a href="{reverse("ledger:item_detail", args=[late.pk])}"' in row
    assert "② 召开专题组织生活会&lt;b&gt;" in row or "① 召开专题组织生活会&lt;b&gt;" in row  # escaped, numbered
    assert '<span class="badge text-bg-danger">逾期</span>' in row
    assert "整改时限：2020年3月1日" in html.unescape(row)
    assert "责任人：李四 · 责任领导：王书记 · 组织科" in row
    assert f'href="{reverse("ledger:evidence_download", args=[photo.pk])}" title="支部会议.png"' in row
    assert f'src="{reverse("ledger:evidence_thumbnail", args=[photo.pk])}"' in row
    # a document's name is cut to 24 characters (as `truncatechars:24` did), still linked to its download
    assert f'href="{reverse("ledger:evidence_download", args=[minutes.pk])}">会议记录很长很长很长很长很长很长很长很长的' in row
    assert "文件名.pdf" not in row


def test_an_ongoing_measure_says_so_and_shows_no_evidence_strip(rows):
    _, _, ongoing, _, _ = rows
    row = _row(ongoing)
    assert "整改时限：立行立改、长期坚持" in row and "逾期" not in row and "evidence-strip" not in row
    assert "责任领导" not in row


def test_the_row_speaks_the_active_language(rows):
    _, late, _, _, _ = rows
    with translation.override("en"):
        row = _row(late)
    assert "整改时限" not in row and "逾期" not in row


def test_the_ledger_and_problem_pages_show_the_rows(client, users, world, rows):
    problem, late, ongoing, photo, _ = rows
    client.force_login(users["secretary"])
    for page in (client.get(world.ledger.get_absolute_url()), client.get(reverse("ledger:problem_detail", args=[problem.pk]))):
        content = page.content.decode()
        assert _row(late) in content and _row(ongoing) in content
        assert f'src="{reverse("ledger:evidence_thumbnail", args=[photo.pk])}"' in content


def test_the_ledger_page_renders_as_many_templates_for_200_measures_as_for_20(client, users, tree):
    """The rows are not includes: a bigger ledger renders more rows, not more templates."""
    from tests.factories import ledger_of, make_campaign
    from tests.ledger.test_workflow_views import _fill

    campaign = make_campaign(tree.root, actor=users["org"])
    small, large = ledger_of(campaign, tree.b1), ledger_of(campaign, tree.b2)
    _fill(small, 20)
    _fill(large, 200)
    client.force_login(users["gb_staff"])
    rendered = {}
    for ledger in (small, large):
        response = client.get(reverse("ledger:ledger_detail", args=[ledger.pk]))
        rendered[ledger.pk] = [t.name for t in response.templates]
        assert response.content.decode().count('class="list-group-item ledger-item"') == ledger.items.count()
    assert rendered[small.pk] == rendered[large.pk]


def test_the_supervisor_sees_each_measure_awaiting_closure_with_its_evidence_count(client, users, world, rows):
    """The list of measures awaiting 销号 comes from the measures the page read (no query of its own): a measure
    awaiting closure is there with its number, evidence count and link; an open one and a withdrawn problem's are not."""
    problem, late, ongoing, _, _ = rows
    RectificationItem.objects.filter(pk=late.pk).update(status="closure_requested")
    withdrawn = make_problem(world.ledger, user=users["secretary"], status="withdrawn")
    hidden = make_item(withdrawn, user=users["secretary"], measure="撤回问题的措施")
    RectificationItem.objects.filter(pk=hidden.pk).update(status="closure_requested")
    client.force_login(users["gb_staff"])
    content = client.get(world.ledger.get_absolute_url()).content.decode()
    form = content[content.index(reverse("ledger:bulk_close", args=[world.ledger.pk])):]
    form = form[:form.index("</form>")]
    assert f'name="items" value="{late.pk}" id="close-{late.pk}"' in form
    assert "召开专题组织生活会&lt;b&gt;（2份佐证）" in form
    assert f'href="{reverse("ledger:item_detail", args=[late.pk])}"' in form and "逾期" in form
    assert f'value="{ongoing.pk}"' not in form and f'value="{hidden.pk}"' not in form
    client.force_login(users["secretary"])  # the branch fills, it does not close
    assert reverse("ledger:bulk_close", args=[world.ledger.pk]) not in client.get(world.ledger.get_absolute_url()).content.decode()


def test_a_problem_block_shows_its_number_badges_description_and_edit_links_to_editors(client, users, world, rows):
    problem, _, _, _, _ = rows
    Problem.objects.filter(pk=problem.pk).update(description="第一行<i>\n第二行")
    client.force_login(users["secretary"])
    content = client.get(world.ledger.get_absolute_url()).content.decode()
    assert f'<div class="ledger-problem mb-3" id="problem-{problem.pk}">' in content
    assert f'<a class="fw-semibold" href="{reverse("ledger:problem_detail", args=[problem.pk])}">问题{problem.number}</a>' in content
    assert "第一行&lt;i&gt;<br>第二行" in content
    assert f'href="{reverse("ledger:problem_edit", args=[problem.pk])}"' in content
    assert f'href="{reverse("ledger:item_create", args=[problem.pk])}"' in content
    client.force_login(users["gb_staff"])  # the supervisor reads the problem, the branch edits it
    content = client.get(world.ledger.get_absolute_url()).content.decode()
    assert f'id="problem-{problem.pk}"' in content
    assert f'href="{reverse("ledger:problem_edit", args=[problem.pk])}"' not in content
