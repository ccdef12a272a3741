"""Each main page says in one plain line, under its title, what it is for and what to do next."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import ledger_of, make_campaign, make_item, make_problem


def _help_line(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    lines = re.findall(r'<p class="page-help[^"]*">([^<]+)</p>', response.content.decode())
    assert len(lines) == 1, f"{url}: {lines}"
    return lines[0]


@pytest.fixture
def pages(tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    item = make_item(make_problem(ledger))
    return {
        "secretary": [
            (reverse("home"), "最常做的一件事"),
            (reverse("ledger:ledger_detail", args=[ledger.pk]), "申请销号一件"),
            (reverse("ledger:self_check", args=[ledger.pk]), "自动保存"),
            (reverse("ledger:problem_create", args=[ledger.pk]), "保存后再为它添加整改措施"),
            (reverse("ledger:item_create", args=[item.problem_id]), "整改时限"),
            (reverse("ledger:item_detail", args=[item.pk]), "由党总支核实后销号"),
            (reverse("ledger:my_ledgers"), "需要您审核的台账"),
            (reverse("notifications:list"), "通知设置"),
            (reverse("jobs:job_list"), "下载结果文件"),
        ],
        "gb_staff": [
            (reverse("reviews:ledger_list", args=[campaign.pk]), "等待审核的台账"),
            (reverse("reviews:item_list", args=[campaign.pk]), "等待核实销号"),
            (reverse("reviews:supervision_list"), "回头看"),
            (reverse("reports:index"), "附件3"),
            (reverse("ledger:campaign_ledgers", args=[campaign.pk]), "各党支部台账的进度"),
        ],
        "org": [
            (reverse("ledger:campaign_list"), "对照清单"),
            (reverse("ledger:campaign_detail", args=[campaign.pk]), "阶段安排"),
            (reverse("ledger:campaign_create"), "发布后下级单位才能看到"),
            (reverse("ledger:template_list"), "逐条对照"),
            (reverse("ledger:template_detail", args=[campaign.template_id]), "复制一份修改"),
            (reverse("branches:tree"), "换届时间"),
            (reverse("reviews:index"), "星级评定"),
            (reverse("reviews:dashboard", args=[campaign.pk]), "进度一览"),
            (reverse("reviews:problem_list", args=[campaign.pk]), "问题来源"),
            (reverse("reviews:rating_list", args=[campaign.pk]), "公示"),
            (reverse("reviews:rating_edit", args=[campaign.pk, tree.b1.pk]), "不能评为五星"),
            (reverse("ledger:export_index"), "附件2"),
            (reverse("ledger:campaign_export", args=[campaign.pk]), "我的任务"),
            (reverse("reports:campaign_overview", args=[campaign.pk]), "报送和签署情况"),
        ],
    }


def test_each_main_page_says_what_it_is_for(client, users, pages):
    for role, visits in pages.items():
        for url, words in visits:
            assert words in _help_line(client, users[role], url), url


def test_pages_and_reminders_use_the_documents_words(client, tree, users):
    """党支部, not 支部 (the seeds' own word); the overdue reminder's 整改时限 is checked in tests/notifications."""
    campaign = make_campaign(tree.root, actor=users["org"])
    client.force_login(users["gb_staff"])
    page = client.get(reverse("ledger:campaign_ledgers", args=[campaign.pk])).content.decode()
    assert "各党支部台账" in page and "各支部台账" not in page
