"""What a user sees in a row of the long lists whose rows are written in Python (issue 15: the template
libraries `list_rows` and `review_tables`): the links, labels, badges and forms of each row."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from branches.models import Role
from ledger.models import ItemStatus, LedgerFigures, LedgerStatus, Manifestation, RectificationItem, ReportPeriod
from ledger.services.periodic import periodic_report_submit, report_cycle_set
from ledger.services.workflow import self_check_answer
from reviews import services, survey_services
from reviews.models import Tier
from tests.conftest import make_user
from tests.factories import figures_refresh, filler_of, ledger_of, make_item, make_problem
from tests.reviews.conftest import ready

pytestmark = pytest.mark.django_db


def _minute(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def late_b1(campaign, tree):
    """b1 accepted, one measure past its limit and one awaiting 销号."""
    ledger = ready(ledger_of(campaign, tree.b1))
    problem = make_problem(ledger, description="会议记录<不全>")
    make_item(problem, deadline=datetime.date(2022, 10, 31))
    requested = make_item(problem, measure="补齐记录", deadline=datetime.date(2099, 1, 1))
    RectificationItem.objects.filter(pk=requested.pk).update(status=ItemStatus.CLOSURE_REQUESTED)
    figures_refresh(ledger)
    return ledger


def test_campaign_ledgers_row(client, campaign, late_b1, users):
    client.force_login(users["org"])
    response = client.get(reverse("ledger:campaign_ledgers", args=[campaign.pk]))
    figures = LedgerFigures.objects.get(pk=late_b1.pk)
    assertContains(response, f'<td><a href="{reverse("ledger:ledger_detail", args=[late_b1.pk])}">第一党支部</a></td>',
                   html=True)
    assertContains(response, f'<td><span class="badge text-bg-success">{LedgerStatus.ACCEPTED.label}</span> '
                             '<span class="badge text-bg-primary">1项待销号</span></td>', html=True)
    assertContains(response, "<td>1</td><td>2</td><td>0</td>", html=True)  # problems, measures, closed
    assertContains(response, '<td><span class="badge text-bg-danger">1</span></td>', html=True)  # overdue
    assertContains(response, f'<td class="small text-nowrap">{_minute(figures.last_change)}</td>', html=True)
    response = client.get(reverse("ledger:campaign_ledgers", args=[campaign.pk]), {"status": "returned"})
    assertContains(response, '<td colspan="7" class="text-muted">没有符合条件的台账。</td>', html=True)


def test_review_ledger_list_row(client, campaign, late_b1, tree, users):
    client.force_login(users["org"])
    response = client.get(reverse("reviews:ledger_list", args=[campaign.pk]))
    assertContains(response, (
        f'<tr><td data-label="党组织"><a href="{late_b1.get_absolute_url()}">第一党支部</a></td>'
        f'<td data-label="状态">{LedgerStatus.ACCEPTED.label}</td><td data-label="提交时间">—</td>'
        f'<td data-label="通过时间">{_minute(late_b1.accepted_at)}</td></tr>'), html=True)
    b2 = ledger_of(campaign, tree.b2)
    assertContains(response, f'<a href="{b2.get_absolute_url()}">第二党支部</a>', html=True)


def test_results_row_says_why_not_in_place_and_offers_rating(client, campaign, late_b1, tree, users):
    client.force_login(users["org"])
    items = reverse("reviews:item_list", args=[campaign.pk])
    response = client.get(reverse("reviews:results", args=[campaign.pk]))
    assertContains(response, f'<a href="{items}?unit={tree.b1.pk}">2</a>', html=True)
    assertContains(response, '<span class="badge text-bg-danger">不到位</span>', html=True)
    assertContains(response, "<li>2 项整改措施截至 2022-11-30 未销号</li>", html=True)
    assertContains(response, "<li>1 项整改措施超过整改时限仍未销号（逾期）</li>", html=True)
    assertContains(response, f'<a href="{items}?unit={tree.b1.pk}&amp;status=open">查看未销号措施</a>', html=True)
    rate = reverse("reviews:rating_edit", args=[campaign.pk, tree.b1.pk])
    assertContains(response, f'<a class="btn btn-sm btn-outline-primary" href="{rate}">评星</a>', html=True)

    rating = services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b1, stars=2, basis="差")
    response = client.get(reverse("reviews:results", args=[campaign.pk]))
    assertContains(response, f'<td data-label="星级"><a href="{rating.get_absolute_url()}">2 ★</a> '
                             f'<span class="text-muted">{rating.get_status_display()}</span></td>', html=True)
    assertContains(response, f'<td data-label="等次">{Tier.LAGGING.label}</td>', html=True)
    # 后进 and not in place: a candidate for 软弱涣散 rectification, with the same reasons as its row
    assertContains(response, "软弱涣散党组织整顿候选")
    assertContains(response, f'<a href="{rating.get_absolute_url()}">第一党支部</a>（2 ★）', html=False)

    client.force_login(users["gb_staff"])  # sees the row, may not rate
    response = client.get(reverse("reviews:results", args=[campaign.pk]))
    assertContains(response, "第一党支部")
    assertNotContains(response, rate)


def test_who_reported_cells(client, campaign, tree, users):
    report_cycle_set(actor=users["org"], campaign=campaign, frequency="quarterly", starts_on=datetime.date(2022, 1, 1),
                     ends_on=datetime.date(2030, 12, 31))
    periods = list(ReportPeriod.objects.filter(cycle__campaign=campaign).order_by("due_on"))
    b1 = ledger_of(campaign, tree.b1)
    periodic_report_submit(actor=users["secretary"], ledger=b1, period=periods[0], work_done="一")
    client.force_login(users["org"])
    response = client.get(reverse("ledger:periodic_who_reported", args=[campaign.pk]), {"period": periods[0].pk})
    assertContains(response, f'<th scope="row" class="text-nowrap"><a href="'
                             f'{reverse("ledger:periodic_report_list", args=[b1.pk])}">第一党支部</a></th>', html=True)
    report = reverse("ledger:periodic_report", args=[b1.pk, periods[0].pk])
    assertContains(response, f'<a class="badge text-bg-primary text-decoration-none" href="{report}">已报送</a>',
                   html=True)
    late = reverse("ledger:periodic_report", args=[b1.pk, periods[1].pk])
    assertContains(response, f'<td class="text-nowrap"><a class="badge text-bg-secondary text-decoration-none" '
                             f'href="{late}">未填写</a> <span class="badge text-bg-danger">逾期</span></td>', html=True)
    assertContains(response, '<td class="text-nowrap"><span class="text-muted small">未开始</span></td>', html=True)


def test_self_check_points(client, campaign, tree, users):
    ledger = ledger_of(campaign, tree.b1)
    first, second = Manifestation.objects.filter(category__template_id=campaign.template_id).order_by(
        "category__order", "order")[:2]
    self_check_answer(actor=filler_of(ledger), ledger=ledger, manifestation=first, found=True,
                      description="支部会议<少>")
    self_check_answer(actor=filler_of(ledger), ledger=ledger, manifestation=second, found=False)
    url = reverse("ledger:self_check", args=[ledger.pk])
    client.force_login(users["secretary"])
    response = client.get(url)
    answer = reverse("ledger:self_check_answer", args=[ledger.pk, first.pk])
    assertContains(response, f'action="{answer}"')
    assertContains(response, f'hx-post="{answer}"')
    assertContains(response, f'<legend class="fs-6 mb-1">({first.order}) {first.text}</legend>', html=True)
    assertContains(response, f'<input class="form-check-input" type="radio" name="found" value="1" '
                             f'id="sc-{first.pk}-y" checked>', html=True)
    assertContains(response, f'<input class="form-check-input" type="radio" name="found" value="0" '
                             f'id="sc-{second.pk}-n" checked>', html=True)
    assertContains(response, "支部会议&lt;少&gt;</textarea>")
    assertContains(response, '<span class="sc-status small text-muted" aria-live="polite">已保存</span>', html=True,
                   count=2)
    assertContains(response, 'name="csrfmiddlewaretoken"')
    assertNotContains(response, "<fieldset disabled>")

    client.force_login(users["org"])  # may look, not fill
    assertContains(client.get(url), "<fieldset disabled>")


def test_survey_units_and_their_forms(client, tree, users):
    survey = survey_services.survey_create(actor=users["org"], issuer=tree.root, year=2023)
    survey_services.survey_classify(actor=users["org"], survey=survey, unit=tree.b1, tier=Tier.ADVANCED, reason="规范<好>")
    client.force_login(users["org"])
    response = client.get(survey.get_absolute_url(), {"q": "党支部"})
    record = reverse("reviews:unit_record", args=[tree.b1.pk])
    assertContains(response, f'<a href="{record}">第一党支部</a> <span class="text-muted">第一党总支</span>', html=True)
    assertContains(response, f"<strong>{Tier.ADVANCED.label}</strong>", html=True)
    assertContains(response, '<div class="text-muted">规范&lt;好&gt;</div>', html=True)
    assertContains(response, '<input type="hidden" name="back" value="q=%E5%85%9A%E6%94%AF%E9%83%A8">', html=True)
    assertContains(response, f'<option value="{Tier.ADVANCED}" selected>{Tier.ADVANCED.label}</option>', html=True)
    assertContains(response, f'<input id="reason-{tree.b1.pk}" name="reason" class="form-control form-control-sm" '
                             'value="规范&lt;好&gt;">', html=True)
    assertContains(response, '<span class="text-muted">未定级</span>', html=True)  # b2, b3
    assertContains(response, '<option value="">请选择</option>', html=True, count=2)

    inspector = make_user("inspector-2", tree.root, Role.INSPECTOR)
    client.force_login(inspector)
    response = client.get(survey.get_absolute_url())
    assertContains(response, "第一党支部")
    assertNotContains(response, 'name="back"')


def test_record_page_reads_todays_figures_and_counts_older_ones(client, campaign, late_b1, tree, users):
    client.force_login(users["org"])
    url = reverse("reviews:unit_record", args=[tree.b1.pk])
    row = ('<td data-label="问题">1</td><td data-label="措施">2</td><td data-label="已销号">0</td>'
           '<td data-label="逾期" class="text-danger fw-bold">1</td><td data-label="整改到位">未到位</td>')
    assertContains(client.get(url), row, html=True)
    # figures of another day (before the daily recount): the page counts the ledger itself
    LedgerFigures.objects.filter(pk=late_b1.pk).update(counted_on=datetime.date(2000, 1, 1), overdue=0, problems=7)
    assertContains(client.get(url), row, html=True)
