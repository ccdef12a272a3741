"""What a row of the campaign's measures and problems lists shows (reviews/templatetags/review_rows.py): the unit,
the problem and measure cut to length and escaped, the link to the measure or the ledger, the deadline with its
overdue mark, the status, the recurrence and carry-over badges, and the column names of the phone layout's cards,
in the viewer's language."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.models import ItemStatus, ProblemNature, RecurrenceState
from tests.factories import ledger_of, make_campaign, make_item, make_problem

pytestmark = pytest.mark.django_db

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)


def rows(response) -> list[str]:
    """The body rows of the page's table, whitespace between tags dropped."""
    body = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r">\s+<", "><", row.strip()) for row in ROW.findall(body)]


def row_with(response, text: str) -> str:
    found = [row for row in rows(response) if text in row]
    assert len(found) == 1, (text, rows(response))
    return found[0]


@pytest.fixture
def campaign(tree, users):
    return make_campaign(tree.root, actor=users["org"])


def test_a_measure_row_shows_its_unit_problem_link_deadline_overdue_mark_and_status(client, users, tree, campaign):
    ledger = ledger_of(campaign, tree.b1)
    problem = make_problem(ledger, description="会议记录不规范<b>，" + "长" * 60)
    late = make_item(problem, measure="补齐会议记录 & 台账", deadline=datetime.date(2022, 5, 31),
                     responsible_name="王<五>")
    closed_late = make_item(problem, measure="已销号的措施", deadline=datetime.date(2022, 5, 31),
                            status=ItemStatus.CLOSED, closed_at=timezone.now())
    ongoing = make_item(problem, measure="长期坚持的措施", ongoing=True)
    coming = make_item(problem, measure="将来的措施", deadline=timezone.localdate() + datetime.timedelta(days=30))
    client.force_login(users["org"])

    page = client.get(reverse("reviews:item_list", args=[campaign.pk]), {"unit": tree.b1.pk})

    row = row_with(page, "补齐会议记录")
    description = f"{problem.number}. 会议记录不规范&lt;b&gt;，{'长' * 26}..."  # 40 characters, "..." in Chinese
    assert row == (
        f'<td data-label="党组织">第一党支部</td>'
        f'<td data-label="问题">{description}</td>'
        f'<td data-label="整改措施"><a href="{reverse("ledger:item_detail", args=[late.pk])}">'
        f'{late.number}. 补齐会议记录 &amp; 台账</a></td>'
        f'<td data-label="整改时限">2022-05-31 <span class="badge text-bg-danger">逾期</span></td>'
        f'<td data-label="责任人">王&lt;五&gt;</td>'
        f'<td data-label="状态">未开始</td>'
    )
    closed_row = row_with(page, "已销号的措施")
    assert "2022-05-31</td>" in closed_row and "逾期" not in closed_row and '"状态">已销号<' in closed_row
    assert '"整改时限">立行立改、长期坚持</td>' in row_with(page, "长期坚持的措施")
    coming_row = row_with(page, "将来的措施")
    assert f'>{coming.deadline:%Y-%m-%d}</td>' in coming_row and "逾期" not in coming_row
    assert reverse("ledger:item_detail", args=[closed_late.pk]) in closed_row
    assert reverse("ledger:item_detail", args=[ongoing.pk]) in row_with(page, "长期坚持的措施")


def test_a_long_measure_is_cut_to_sixty_characters(client, users, tree, campaign):
    make_item(make_problem(ledger_of(campaign, tree.b1)), measure="措" * 70)
    client.force_login(users["org"])

    page = client.get(reverse("reviews:item_list", args=[campaign.pk]))

    assert f"{'措' * 57}...</a>" in row_with(page, "措措")  # Django's Chinese ellipsis: three dots


def test_the_measures_list_speaks_the_viewers_language(client, users, tree, campaign):
    make_item(make_problem(ledger_of(campaign, tree.b1)), measure="补齐会议记录", deadline=datetime.date(2022, 5, 31))
    client.force_login(users["org"])

    page = client.get(reverse("reviews:item_list", args=[campaign.pk]), headers={"accept-language": "en"})
    row = row_with(page, "补齐会议记录")
    chinese = client.get(reverse("reviews:item_list", args=[campaign.pk]), headers={"accept-language": "zh-hans"})

    assert 'data-label="Party organization"' in row and 'data-label="Status"' in row
    assert '<span class="badge text-bg-danger">Overdue</span>' in row and "Not started" in row
    assert 'data-label="党组织"' in row_with(chinese, "补齐会议记录")


def test_an_empty_measures_list_says_so(client, users, campaign):
    client.force_login(users["org"])

    page = client.get(reverse("reviews:item_list", args=[campaign.pk]), {"status": "closed"})

    assert rows(page) == ['<td colspan="6" class="text-muted">没有符合条件的整改措施。</td>']


def test_a_problem_row_links_its_unit_to_the_ledger_and_shows_category_source_nature_and_badges(client, users,
                                                                                                tree, campaign):
    ledger = ledger_of(campaign, tree.b1)
    earlier = ledger_of(make_campaign(tree.root, actor=users["org"], name="上一轮"), tree.b1)
    flagged = make_problem(ledger, description="问题反弹了<i>", recurrence_state=RecurrenceState.FLAGGED,
                           recurrence_of_id=make_problem(earlier).pk, nature=ProblemNature.COMMON)
    make_problem(ledger, description="结转来的问题", carried_from_id=make_problem(earlier).pk)
    make_problem(ledger, description="不属于反弹的问题", recurrence_state=RecurrenceState.DISMISSED,
                 recurrence_of_id=make_problem(earlier).pk)
    plain = make_problem(ledger, description="说" * 90)
    category = flagged.category
    client.force_login(users["org"])

    page = client.get(reverse("reviews:problem_list", args=[campaign.pk]))

    title = category.title if len(category.title) <= 20 else category.title[:17] + "..."
    assert row_with(page, "问题反弹了") == (
        f'<td data-label="党组织"><a href="{reverse("ledger:ledger_detail", args=[ledger.pk])}">第一党支部</a></td>'
        f'<td data-label="查摆内容">{category.order}. {title}</td>'
        f'<td data-label="查摆问题">{flagged.number}. 问题反弹了&lt;i&gt; <span class="badge text-bg-warning">疑似反弹</span>'
        f'</td>'
        f'<td data-label="来源">延伸自查</td><td data-label="性质">共性问题</td>'
    )
    dismissed = row_with(page, "不属于反弹的问题")
    assert "badge" not in dismissed and '"性质">个性问题<' in dismissed
    assert '结转来的问题 <span class="badge text-bg-light border">结转</span></td>' in row_with(page, "结转来的问题")
    assert f"{plain.number}. {'说' * 77}...</td>" in row_with(page, "说说")


def test_an_empty_problems_list_says_so_in_the_viewers_language(client, users, campaign):
    client.force_login(users["org"])

    page = client.get(reverse("reviews:problem_list", args=[campaign.pk]), {"recurrence": "confirmed"},
                      headers={"accept-language": "en"})

    assert len(rows(page)) == 1 and 'colspan="5"' in rows(page)[0]
    assert "<th>Party organization</th>" in page.content.decode()
