"""Measures belong to a phase of their campaign: the choice, its default, its history, the ledger page by phase,
and the 附件2 export's 按阶段 sheet."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from ledger.exports import ExportSelection, build_workbook_bytes
from ledger.models import EventAction, ItemStatus, LedgerEvent, Phase, RectificationItem
from ledger.selectors.exports import export_ledgers
from ledger.services import workflow as wf
from ledger.services.campaigns import PhaseSpec, campaign_create, campaign_publish
from reviews.tallies import tallies_refresh
from tests.conftest import list_total
from tests.factories import ledger_of, make_campaign, make_item, make_problem, make_template

D = datetime.date
FOREIGN_PHASE = "所选阶段不属于本专项行动，请从本专项行动的阶段中选择。"
# The county plan's three phases (集中整改 / 持续推进 / 融入经常), in the campaign year of the tests.
COUNTY_PHASES = [
    PhaseSpec("集中整改", "rectification", starts_on=D(2022, 4, 1), ends_on=D(2022, 9, 30)),
    PhaseSpec("持续推进", "rectification", starts_on=D(2022, 9, 1), ends_on=D(2022, 12, 31)),
    PhaseSpec("融入经常", "other", starts_on=D(2022, 12, 1)),
]


def county_campaign(issuer, actor, code="county"):
    campaign = campaign_create(actor=actor, issuer=issuer, name="基层党建问题整改专项行动", year=2022,
                               template=make_template(code, categories=2), phases=COUNTY_PHASES,
                               results_deadline=D(2022, 12, 31))
    campaign_publish(actor=actor, campaign=campaign)
    campaign.refresh_from_db()
    return campaign


def phase(campaign, name):
    return Phase.objects.get(campaign=campaign, name=name)


@pytest.fixture
def county(tree, users):
    return county_campaign(tree.root, users["org"])


@pytest.fixture
def ledger(county, tree):
    return ledger_of(county, tree.b1)


def item_form(**fields) -> dict:
    data = {"measure": "严格落实民主生活会制度", "deadline": "2022-06-30", "responsible_name": "张三"}
    data.update(fields)
    return data


# --- the choice -----------------------------------------------------------------------------------


def test_the_form_offers_only_the_campaigns_phases(client, ledger, users, tree):
    other = make_campaign(tree.root, actor=users["org"])  # the Weifang-like phases of another campaign
    problem = make_problem(ledger)
    client.force_login(users["secretary"])

    field = client.get(reverse("ledger:item_create", args=[problem.pk])).context["form"]["phase"]

    offered = [label for value, label in field.field.choices if value not in ("", "none")]
    assert offered == ["集中整改（2022-04-01至2022-09-30）", "持续推进（2022-09-01至2022-12-31）", "融入经常（2022-12-01至）"]
    assert not any(p.name in label for p in other.phases.all() for label in offered)


def test_another_campaigns_phase_is_refused_on_the_form_and_nothing_changes(client, ledger, users, tree):
    foreign = make_campaign(tree.root, actor=users["org"]).phases.first()
    problem = make_problem(ledger)
    item = make_item(problem, deadline=D(2022, 6, 30))
    client.force_login(users["secretary"])

    added = client.post(reverse("ledger:item_create", args=[problem.pk]), item_form(phase=str(foreign.pk)))
    edited = client.post(reverse("ledger:item_edit", args=[item.pk]),
                         item_form(measure="改过的措施", phase=str(foreign.pk), version=str(item.version)))

    assert FOREIGN_PHASE in added.content.decode() and FOREIGN_PHASE in edited.content.decode()
    assert list(RectificationItem.objects.filter(problem=problem)) == [item]
    item.refresh_from_db()
    assert (item.measure, item.phase, item.version) == ("整改措施", None, 1)


def test_the_service_refuses_another_campaigns_phase_with_a_message(ledger, users, tree):
    foreign = make_campaign(tree.root, actor=users["org"]).phases.first()
    problem = make_problem(ledger)
    item = make_item(problem, deadline=D(2022, 6, 30))
    events = LedgerEvent.objects.count()

    with pytest.raises(ValidationError) as added:
        wf.item_add(actor=users["secretary"], problem=problem, measure="新措施", deadline=D(2022, 6, 30),
                    responsible_name="张三", phase=foreign)
    with pytest.raises(ValidationError) as updated:
        wf.item_update(actor=users["secretary"], item=item, version=item.version, measure=item.measure,
                       deadline=item.deadline, responsible_name="张三", phase=foreign)

    assert added.value.messages == [FOREIGN_PHASE] and updated.value.messages == [FOREIGN_PHASE]
    assert RectificationItem.objects.filter(problem=problem).count() == 1
    item.refresh_from_db()
    assert (item.phase, item.version, LedgerEvent.objects.count()) == (None, 1, events)


@pytest.mark.parametrize(("deadline", "expected"), [
    ("2022-06-30", "集中整改"),
    ("2022-09-15", "集中整改"),  # both the first and the second phase run: the first in the campaign's order
    ("2022-11-20", "持续推进"),
    ("2023-02-01", "融入经常"),  # open-ended
])
def test_left_to_the_deadline_the_measure_joins_the_phase_running_on_it(client, ledger, users, deadline, expected):
    problem = make_problem(ledger)
    client.force_login(users["secretary"])

    client.post(reverse("ledger:item_create", args=[problem.pk]), item_form(deadline=deadline, phase=""))

    assert problem.items.get().phase.name == expected


def test_no_phase_runs_on_the_deadline_or_none_chosen(client, ledger, users):
    problem = make_problem(ledger)
    client.force_login(users["secretary"])

    client.post(reverse("ledger:item_create", args=[problem.pk]), item_form(deadline="2022-02-01", phase=""))
    client.post(reverse("ledger:item_create", args=[problem.pk]), item_form(deadline="2022-06-01", phase="none"))
    client.post(reverse("ledger:item_create", args=[problem.pk]), item_form(is_ongoing="on", deadline="", phase=""))

    assert [item.phase for item in problem.items.order_by("number")] == [None, None, None]


# --- the history ----------------------------------------------------------------------------------


def test_changing_a_measures_phase_is_recorded_in_its_history(client, ledger, county, users):
    item = make_item(make_problem(ledger), deadline=D(2022, 6, 30))
    client.force_login(users["secretary"])

    client.post(reverse("ledger:item_edit", args=[item.pk]), item_form(
        measure=item.measure, phase=str(phase(county, "持续推进").pk), version=str(item.version)))

    item.refresh_from_db()
    event = LedgerEvent.objects.filter(item=item, action=EventAction.ITEM_CHANGED).get()
    assert item.phase.name == "持续推进"
    assert event.changes == {"before": {"phase": None}, "after": {"phase": "持续推进"}}
    history = client.get(reverse("ledger:ledger_history", args=[ledger.pk])).content.decode()
    assert "修改措施" in history


def test_a_save_that_leaves_the_phase_keeps_it_and_records_nothing(ledger, county, users):
    item = make_item(make_problem(ledger), deadline=D(2022, 6, 30))
    wf.item_update(actor=users["secretary"], item=item, version=1, measure=item.measure, deadline=item.deadline,
                   responsible_name="张三", phase=phase(county, "集中整改"))
    events = LedgerEvent.objects.count()

    item = wf.item_update(actor=users["secretary"], item=item, version=2, measure=item.measure,
                          deadline=item.deadline, responsible_name="张三")  # the import's call: no phase named

    assert (item.phase.name, LedgerEvent.objects.count()) == ("集中整改", events)


# --- the ledger page by phase ---------------------------------------------------------------------


def phased_ledger(ledger, county, users, extra: int = 0):
    """集中整改: 2 measures (1 closed); 持续推进: 1 (+ `extra`); one in no phase. The open ones, due in 2022, are
    overdue by now."""
    problem = make_problem(ledger)
    first, second = phase(county, "集中整改"), phase(county, "持续推进")
    for deadline, chosen, status in [(D(2022, 6, 30), first, ItemStatus.CLOSED), (D(2022, 7, 31), first, None),
                                     (D(2022, 11, 30), second, None), (D(2022, 11, 30), None, None)]:
        item = make_item(problem, deadline=deadline)
        RectificationItem.objects.filter(pk=item.pk).update(phase=chosen)
        if status:
            RectificationItem.objects.filter(pk=item.pk).update(status=status, closed_at="2022-07-01T10:00:00+08:00")
    for _n in range(extra):
        item = make_item(make_problem(ledger), deadline=D(2022, 11, 30))
        RectificationItem.objects.filter(pk=item.pk).update(phase=second)


def test_the_ledger_page_counts_work_by_phase(client, ledger, county, users):
    phased_ledger(ledger, county, users)
    client.force_login(users["gb_staff"])

    page = client.get(reverse("ledger:ledger_detail", args=[ledger.pk])).context["page"]

    assert [(row.label, row.items, row.closed, row.overdue) for row in page.phases] == [
        ("集中整改", 2, 1, 1), ("持续推进", 1, 0, 1), ("融入经常", 0, 0, 0), ("未分阶段", 1, 0, 1)]


def test_the_ledger_page_filters_measures_by_phase(client, ledger, county, users):
    phased_ledger(ledger, county, users)
    client.force_login(users["secretary"])
    url = reverse("ledger:ledger_detail", args=[ledger.pk])

    shown = client.get(url, {"phase": phase(county, "集中整改").pk})
    loose = client.get(url, {"phase": "none"})
    unusable = client.get(url, {"phase": "abc"})

    def measures(response):
        return sum(len(problem.shown_items) for block in response.context["page"].blocks for problem in block.problems)

    assert measures(shown) == 2 and "只显示“集中整改”的措施" in shown.content.decode()
    assert measures(loose) == 1
    assert measures(unusable) == 4 and unusable.context["page"].phase_shown is None


def test_the_ledger_page_reads_phases_in_a_fixed_number_of_queries(client, ledger, county, users):
    client.force_login(users["secretary"])
    url = reverse("ledger:ledger_detail", args=[ledger.pk])
    counts = []
    for extra in (0, 6):
        phased_ledger(ledger, county, users, extra=extra)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- the dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_breaks_measures_down_by_phase(client, ledger, county, users):
    phased_ledger(ledger, county, users)
    client.force_login(users["org"])

    response = client.get(reverse("reviews:dashboard", args=[county.pk]))

    first = phase(county, "集中整改")
    rows = response.context["breakdowns"]["phases"]
    assert [(label, [figure for figure, _filter in figures]) for label, figures in rows] == [
        ("集中整改", [2, 1, 1]), ("持续推进", [1, 0, 1]), ("融入经常", [0, 0, 0]), ("未分阶段", [1, 0, 1])]
    assert rows[0][1][2][1] == f"phase={first.pk}&overdue=1"
    assert "按阶段" in response.content.decode()
    listed = client.get(reverse("reviews:item_list", args=[county.pk]), {"phase": first.pk, "overdue": "1"})
    assert list_total(listed.context["page"]) == 1


def test_the_dashboard_by_phase_from_the_tallies_equals_the_live_count(client, ledger, county, users, tree, settings):
    phased_ledger(ledger, county, users)
    second = make_item(make_problem(ledger_of(county, tree.b3)), deadline=D(2022, 11, 30))
    RectificationItem.objects.filter(pk=second.pk).update(phase=phase(county, "持续推进"))
    tallies_refresh()
    client.force_login(users["org"])

    for focus in (tree.root, tree.gb1):
        url = reverse("reviews:dashboard", args=[county.pk]) + f"?unit={focus.pk}"
        settings.TALLY_MIN_LEDGERS = 10**9  # counted live
        live = client.get(url).context
        settings.TALLY_MIN_LEDGERS = 1
        with CaptureQueriesContext(connection) as queries:
            tallied = client.get(url).context
        assert live["counted_at"] is None and tallied["counted_at"] is not None
        assert tallied["by_phase"] == live["by_phase"] and tallied["breakdowns"]["phases"]
        # read from the tally: no measures grouped by phase
        assert not [q["sql"] for q in queries.captured_queries if '"phase_id"' in q["sql"].partition("GROUP BY")[2]]
    root = client.get(reverse("reviews:dashboard", args=[county.pk])).context["by_phase"]
    assert [(row["label"], row["items"], row["closed"], row["overdue"]) for row in root] == [
        ("集中整改", 2, 1, 1), ("持续推进", 2, 0, 2), ("融入经常", 0, 0, 0), ("未分阶段", 1, 0, 1)]


# --- the export ------------------------------------------------------------------------------------


def workbook(campaign, unit):
    content = build_workbook_bytes(ExportSelection(campaign=campaign, unit=unit,
                                                   ledgers=export_ledgers(scope=None, campaign=campaign, unit=unit)))
    return load_workbook(io.BytesIO(content))


def cells(ws):
    return [[cell.value for cell in row] for row in ws.iter_rows()]


def test_a_phased_campaign_export_gains_a_by_phase_sheet_and_keeps_the_list_sheets(ledger, county, users, tree):
    phased_ledger(ledger, county, users)
    before = workbook(county, tree.gb1)
    list_sheets = {name: cells(before[name]) for name in before.sheetnames if name != "按阶段"}
    RectificationItem.objects.filter(ledger=ledger).update(phase=None)
    unphased = workbook(county, tree.gb1)

    assert before.sheetnames == ["汇总", "第一党支部", "第二党支部", "按阶段"]
    assert unphased.sheetnames == ["汇总", "第一党支部", "第二党支部"]
    # the 附件2 sheets are the same with phases or without (汇总 carries the export time: its label row aside)
    assert {name: rows for name, rows in list_sheets.items() if name != "汇总"} == {
        name: cells(unphased[name]) for name in unphased.sheetnames if name != "汇总"}
    sheet = cells(before["按阶段"])
    assert sheet[2] == ["阶段", "起止日期", "措施数", "已销号", "未销号", "逾期", None]
    assert sheet[3] == ["集中整改", "2022年4月1日至2022年9月30日", 2, 1, 1, 1, None]
    assert sheet[4][:6] == ["持续推进", "2022年9月1日至2022年12月31日", 1, 0, 1, 1]
    assert sheet[5][:6] == ["未分阶段", None, 1, 0, 1, 1]
    listed = [row for row in sheet[7:] if row[0]]
    assert listed[0] == ["阶段", "单位", "问题", "整改措施", "整改时限", "责任人", "状态"]
    assert [(row[0], row[1], row[4]) for row in listed[1:]] == [
        ("集中整改", "第一党支部", "2022年6月30日"), ("集中整改", "第一党支部", "2022年7月31日"),
        ("持续推进", "第一党支部", "2022年11月30日"), ("未分阶段", "第一党支部", "2022年11月30日")]


def test_work_by_phase_shows_once_measures_are_put_in_phases(client, ledger, county, users):
    make_item(make_problem(ledger), deadline=D(2022, 6, 30))  # no phase named: as the import and the demo add them
    client.force_login(users["org"])

    page = client.get(reverse("ledger:ledger_detail", args=[ledger.pk]))
    dashboard = client.get(reverse("reviews:dashboard", args=[county.pk]))

    assert page.context["page"].phases == [] and 'id="ledger-phases"' not in page.content.decode()
    assert dashboard.context["breakdowns"]["phases"] == [] and "chart-phases" not in dashboard.content.decode()
