"""回头看 through the real pages: a supervisor finds a closed item (by search when there are many) and reopens it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import ItemStatus, RectificationItem
from reviews import services
from reviews.models import ItemReopening, SupervisionKind
from tests.factories import ledger_of, make_item, make_problem
from tests.reviews.conftest import close

DAY = datetime.date(2022, 10, 20)


def look_back(users, tree, *units):
    return services.supervision_create(
        actor=users["org"], author_unit=tree.root, kind=SupervisionKind.LOOK_BACK, date=datetime.date(2022, 12, 1),
        participants="组织部", visited_units=list(units), findings="回头看")


@pytest.fixture
def org(client, users):
    client.force_login(users["org"])
    return client


def _reopen(client, record, item, reason="问题反弹，组织生活会又未按时召开"):
    return client.post(reverse("reviews:item_reopen", args=[record.pk]), {"item": item.pk, "reason": reason})


def test_reopening_a_closed_item_of_a_visited_branch_works(org, users, tree, b1_item):
    close(b1_item, DAY)
    record = look_back(users, tree, tree.b1)
    response = _reopen(org, record, b1_item)
    assert response.status_code == 302
    page = org.get(response["Location"]).content.decode()
    assert "该措施已重新打开" in page and "问题反弹，组织生活会又未按时召开" in page
    b1_item.refresh_from_db()
    assert b1_item.status == ItemStatus.IN_PROGRESS
    assert ItemReopening.objects.get(item=b1_item).reason == "问题反弹，组织生活会又未按时召开"


@pytest.mark.parametrize("case", ["not_closed", "not_visited", "other_tree"])
def test_an_item_that_cannot_be_reopened_is_refused_with_a_message(org, users, tree, campaign, b1_item, case):
    record = look_back(users, tree, tree.b1)
    if case == "not_closed":
        item = b1_item
    elif case == "not_visited":
        item = close(make_item(make_problem(ledger_of(campaign, tree.b3))), DAY)
    else:
        from tests.factories import make_campaign
        other = make_campaign(tree.other_root)
        item = close(make_item(make_problem(ledger_of(other, tree.other_branch))), DAY)
    status_before = item.status
    response = _reopen(org, record, item)
    assert response.status_code == 400
    assert "只能重新打开本次“回头看”所到党组织中已销号的整改措施" in response.content.decode()
    item.refresh_from_db()
    assert item.status == status_before and not ItemReopening.objects.exists()
    # What the user typed is still there to correct.
    assert "问题反弹，组织生活会又未按时召开" in response.content.decode()


@pytest.fixture
def many_closed(b1_ledger):
    """60 closed measures of one branch: more than the page lists at once."""
    problem = make_problem(b1_ledger, description="三会一课制度落实不到位")
    items = [close(make_item(problem, measure=f"整改措施{n}"), DAY) for n in range(1, 60)]
    items.append(close(make_item(problem, measure="召开专题组织生活会，逐一对照检查"), DAY))
    return items


def test_search_finds_an_item_beyond_the_first_fifty_and_it_can_be_reopened(org, users, tree, many_closed):
    record = look_back(users, tree, tree.b1)
    url = reverse("reviews:supervision_detail", args=[record.pk])
    wanted = many_closed[-1]
    page = org.get(url).content.decode()
    assert f'<option value="{wanted.pk}"' not in page
    assert "请输入关键词缩小范围" in page
    for query in ("专题组织生活会", f"{wanted.problem.number}-{wanted.number}", "第一党支部 专题"):
        found = org.get(url, {"q": query}).content.decode()
        assert f'<option value="{wanted.pk}"' in found, query
    assert _reopen(org, record, wanted).status_code == 302
    assert RectificationItem.objects.get(pk=wanted.pk).status == ItemStatus.IN_PROGRESS


def test_search_without_a_match_says_so(org, users, tree, many_closed):
    record = look_back(users, tree, tree.b1)
    page = org.get(reverse("reviews:supervision_detail", args=[record.pk]), {"q": "不存在的措施"}).content.decode()
    assert "没有找到符合条件的已销号措施" in page


def test_a_site_visit_page_offers_a_finding_but_no_reopening_and_reads_no_closed_items(org, users, tree, b1_item):
    """Only a look-back reopens items: another record's page neither shows that form nor searches for it."""
    close(b1_item, DAY)
    visit = services.supervision_create(
        actor=users["org"], author_unit=tree.root, kind=SupervisionKind.SITE_VISIT, date=datetime.date(2022, 12, 1),
        participants="组织部", visited_units=[tree.b1], findings="现场调研")
    url = reverse("reviews:supervision_detail", args=[visit.pk])
    with CaptureQueriesContext(connection) as queries:
        page = org.get(url).content.decode()
    assert "将督查发现列入台账" in page and tree.b1.name in page and "查摆问题" in page
    assert "问题反弹：重新整改" not in page and b1_item.measure[:20] not in page
    assert not any('FROM "ledger_rectificationitem"' in q["sql"] for q in queries.captured_queries)
    look = look_back(users, tree, tree.b1)
    page = org.get(reverse("reviews:supervision_detail", args=[look.pk])).content.decode()
    assert "问题反弹：重新整改" in page and b1_item.measure[:20] in page


def test_a_refused_finding_shows_the_message_and_keeps_what_was_typed(org, users, tree):
    record = look_back(users, tree, tree.b1)
    response = org.post(reverse("reviews:finding_open_problem", args=[record.pk]),
                        {"unit": tree.b1.pk, "nature": "individual", "description": "会议记录不完整"})
    page = response.content.decode()
    assert response.status_code == 400
    category = page[page.index('id="div_id_category"'):page.index('id="div_id_nature"')]
    assert "这个字段是必填项。" in category and "is-invalid" in category
    assert "会议记录不完整" in page and f'<option value="{tree.b1.pk}" selected>' in page
