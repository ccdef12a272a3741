"""The stored per-ledger figures (`LedgerFigures`, `reviews.figures`) equal the live rules after every kind of
change, after the daily recount and under concurrent changes; the pages that read them list the same ledgers in
the same order as the live rules would."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.services import job_run
from ledger.models import EventAction, Ledger, LedgerFigures, LedgerStatus, Manifestation
from ledger.services import workflow as wf
from ledger.services.campaigns import campaign_publish
from ledger.services.carry_over import campaign_carry_over
from ledger.services.events import event_record
from reviews import services
from reviews.figures import LIST_FIGURES, RULE_FIGURES, figures_counted, figures_recount_campaign
from reviews.models import SupervisionKind
from reviews.selectors.results import ledgers_in_place
from tests.concurrency import run_together
from tests.factories import filler_of, ledger_of, make_campaign, make_item, make_problem

from .conftest import accept, answer_all, close

FIELDS = [*LIST_FIGURES, *RULE_FIGURES]


def stored(ledger: Ledger) -> dict:
    return {name: getattr(LedgerFigures.objects.get(pk=ledger.pk), name) for name in FIELDS}


def live(ledger: Ledger, today: datetime.date | None = None) -> dict:
    row = figures_counted(Ledger.objects.filter(pk=ledger.pk), ledger.campaign, today or timezone.localdate())[0]
    values = {**{name: row[source] for name, source in LIST_FIGURES.items()},
              **{name: row[source] for name, source in RULE_FIGURES.items()}}
    values["in_place"] = bool(values["in_place"])
    return values


def assert_current(*ledgers: Ledger) -> None:
    for ledger in ledgers:
        ledger.refresh_from_db()
        assert stored(ledger) == live(ledger), ledger


@pytest.fixture
def busy(tree, users):
    """b1: accepted, answered, a problem with a dated measure (overdue), an ongoing one and one awaiting 销号."""
    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    answer_all(ledger)
    problem = make_problem(ledger, user=users["secretary"])
    dated = make_item(problem, user=users["secretary"])
    ongoing = make_item(problem, ongoing=True, user=users["secretary"])
    requested = make_item(problem, user=users["secretary"])
    wf.progress_note_add(actor=users["secretary"], item=requested, text="完成")
    wf.item_request_closure(actor=users["secretary"], item=requested)
    return {"campaign": campaign, "ledger": ledger, "problem": problem, "dated": dated, "ongoing": ongoing,
            "requested": requested}


def _reopen(busy, users, tree):
    close(busy["dated"], datetime.date(2022, 10, 20))
    record = services.supervision_create(actor=users["org"], author_unit=tree.root, kind=SupervisionKind.LOOK_BACK,
                                         date=datetime.date(2022, 11, 20), participants="组织部",
                                         visited_units=[tree.b1])
    services.item_reopen(actor=users["org"], record=record, item=busy["dated"], reason="问题反弹")


def _submit_and_accept(busy, users, tree):
    ledger = Ledger.objects.get(pk=busy["ledger"].pk)
    wf.item_close(actor=users["gb_staff"], item=busy["requested"])
    wf.ledger_submit(actor=users["secretary"], ledger=ledger)
    wf.ledger_accept(actor=users["gb_staff"], ledger=ledger)


def _submit_and_return(busy, users, tree):
    wf.ledger_submit(actor=users["secretary"], ledger=busy["ledger"])
    wf.ledger_return(actor=users["gb_staff"], ledger=busy["ledger"], reason="不完整")


def _import(busy, users, tree):
    from ledger.imports import problem_import_apply, problem_template

    problem_import_apply(actor=users["secretary"], ledger=busy["ledger"],
                         content=problem_template(busy["ledger"]))


def _policy_set(busy, users, tree):
    """The new rule is saved at once and its recount queued; the job (run here) counts the figures again."""
    policy = services.policy_set(actor=users["org"], campaign=busy["campaign"], progress_period_days=1,
                                 advanced_min_stars=5, middle_min_stars=3)
    job_run(job_id=policy.recount_job_id)


# Each writer of the things the figures count, through its service (the factories count the figures themselves:
# the change under test is never made through them).
WRITERS = {
    "problem_add": lambda b, u, t: wf.problem_add(actor=u["secretary"], ledger=b["ledger"], description="新问题",
                                                  category=b["campaign"].template.categories.first()),
    "item_add": lambda b, u, t: wf.item_add(actor=u["secretary"], problem=b["problem"], measure="新措施",
                                            deadline=b["dated"].deadline, responsible_name="张三"),
    "item_update": lambda b, u, t: wf.item_update(
        actor=u["secretary"], item=b["dated"], version=b["dated"].version, measure="改", is_ongoing=True,
        deadline=None, responsible_user=None, responsible_name="张三", responsible_leader="", responsible_unit=""),
    "item_start": lambda b, u, t: wf.item_start(actor=u["secretary"], item=b["dated"]),
    "progress_note": lambda b, u, t: wf.progress_note_add(actor=u["secretary"], item=b["ongoing"], text="进展"),
    "request_closure": lambda b, u, t: (wf.progress_note_add(actor=u["secretary"], item=b["dated"], text="好了"),
                                        wf.item_request_closure(actor=u["secretary"], item=b["dated"])),
    "item_close": lambda b, u, t: wf.item_close(actor=u["gb_staff"], item=b["requested"]),
    "items_close_bulk": lambda b, u, t: wf.items_close_bulk(actor=u["gb_staff"], item_ids=[b["requested"].pk]),
    "item_send_back": lambda b, u, t: wf.item_send_back(actor=u["gb_staff"], item=b["requested"], reason="不够"),
    "problem_withdraw": lambda b, u, t: wf.problem_withdraw(
        actor=u["secretary"], problem=make_item(make_problem(b["ledger"]), user=u["secretary"]).problem,
        reason="重复"),
    "self_check_answer": lambda b, u, t: wf.self_check_answer(
        actor=u["secretary"], ledger=b["ledger"], found=True, description="发现问题",
        manifestation=Manifestation.objects.filter(category__template=b["campaign"].template).last(),
        version=1),
    "submit_and_accept": _submit_and_accept,
    "submit_and_return": _submit_and_return,
    "comment": lambda b, u, t: wf.comment_add(actor=u["gb_staff"], ledger=b["ledger"], text="意见"),
    "item_reopen": _reopen,
    "policy_set": _policy_set,
    "import": _import,
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_the_stored_figures_equal_the_live_rules_after_every_writer(writer, busy, users, tree):
    before = stored(busy["ledger"])
    assert before == live(busy["ledger"])
    WRITERS[writer](busy, users, tree)
    assert_current(*Ledger.objects.filter(campaign=busy["campaign"]))


def test_the_changes_are_seen_by_the_figures(busy, users):
    """The writers' test is not vacuous: the figures move with the changes."""
    figures = stored(busy["ledger"])
    assert (figures["problems"], figures["items"], figures["requested"], figures["in_place"]) == (1, 3, 1, False)
    wf.item_close(actor=users["gb_staff"], item=busy["requested"])
    assert (stored(busy["ledger"])["closed"], stored(busy["ledger"])["requested"]) == (1, 0)


def test_publishing_writes_the_figures_of_every_new_ledger(tree, users):
    campaign = make_campaign(tree.root, actor=users["org"], publish=False)
    campaign_publish(actor=users["org"], campaign=campaign)
    ledgers = list(Ledger.objects.filter(campaign=campaign))
    assert len(ledgers) == 3 and LedgerFigures.objects.filter(campaign=campaign).count() == 3
    assert_current(*ledgers)
    assert stored(ledgers[0])["unanswered"] > 0 and stored(ledgers[0])["last_change"] is not None


def test_carry_over_counts_the_ledgers_it_wrote_into(busy, tree, users):
    later = make_campaign(tree.root, actor=users["org"], name="2023年对账整改", year=2023,
                          template=busy["campaign"].template)
    campaign_carry_over(actor=users["org"], campaign=later, source_campaign=busy["campaign"])
    carried = ledger_of(later, tree.b1)
    assert stored(carried)["items"] > 0
    assert_current(*Ledger.objects.filter(campaign__in=[later, busy["campaign"]]))


def test_an_event_recorded_by_any_writer_counts_its_ledger_again(busy, users):
    """Supervision, handing down and the rest reach the figures through `event_record`."""
    ledger = busy["ledger"]
    Ledger.objects.filter(pk=ledger.pk).update(status=LedgerStatus.ACCEPTED)  # a write, then its event
    event_record(ledger=ledger, actor=users["org"], action=EventAction.COMMENTED, comment="意见")
    assert stored(ledger)["in_place"] == live(ledger)["in_place"]
    assert_current(ledger)


def test_the_daily_recount_counts_overdue_for_the_new_day(busy):
    ledger = busy["ledger"]
    deadline = busy["dated"].deadline
    LedgerFigures.objects.filter(pk=ledger.pk).update(counted_on=deadline)
    written = figures_recount_campaign(busy["campaign"], today=deadline + datetime.timedelta(days=1),
                                       stale_only=True)
    assert written == Ledger.objects.filter(campaign=busy["campaign"]).count()
    assert stored(ledger) == live(ledger, deadline + datetime.timedelta(days=1))
    assert stored(ledger)["overdue"] >= 1
    # the same day again: nothing left to count
    assert figures_recount_campaign(busy["campaign"], today=deadline + datetime.timedelta(days=1),
                                    stale_only=True) == 0


def test_the_lists_read_the_same_ledgers_in_the_same_order_as_the_live_rules(client, busy, users, tree):
    campaign = busy["campaign"]
    b2 = ledger_of(campaign, tree.b2)
    make_item(make_problem(b2), user=filler_of(b2))
    accept(ledger_of(campaign, tree.b3))
    answer_all(ledger_of(campaign, tree.b3))
    client.force_login(users["org"])
    url = reverse("ledger:campaign_ledgers", args=[campaign.pk])
    ledgers = list(Ledger.objects.filter(campaign=campaign).select_related("unit"))
    counts = {ledger.pk: live(ledger) for ledger in ledgers}
    for key, name in (("problems", "problems"), ("items", "items"), ("closed", "closed"), ("overdue", "overdue"),
                      ("changed", "last_change")):
        for descending in (False, True):
            page = client.get(url, {"sort": f"-{key}" if descending else key}).context["rows"]
            expected = sorted(ledgers, key=lambda ledger: ledger.unit_path)
            expected.sort(key=lambda ledger: counts[ledger.pk][name], reverse=descending)
            assert [row.pk for row in page] == [ledger.pk for ledger in expected], key
    in_place = client.get(reverse("reviews:ledger_list", args=[campaign.pk]), {"state": "in_place"}).context["page"]
    assert [row.pk for row in in_place] == [
        ledger.pk for ledger in ledgers_in_place(Ledger.objects.filter(campaign=campaign).order_by("unit_path"),
                                                 campaign=campaign)]
    assert len(in_place) == 1
    client.force_login(users["gb_staff"])
    review = client.get(reverse("ledger:my_ledgers")).context["review"]
    assert [row.pk for row in review] == [busy["ledger"].pk] and review[0].n_requested == 1


def test_the_last_page_by_keyset_is_the_end_of_the_list_read_forwards(client, tree, users, monkeypatch):
    campaign = make_campaign(tree.root, actor=users["org"])
    client.force_login(users["org"])
    url = reverse("ledger:campaign_ledgers", args=[campaign.pk])
    forwards = [row.pk for row in client.get(url, {"sort": "-problems"}).context["rows"]]
    monkeypatch.setattr("ledger.views.workflow.LEDGERS_PER_PAGE", 2)
    first = client.get(url, {"sort": "-problems"}).context["rows"]
    last = client.get(url, {"sort": "-problems", "last": 1}).context["rows"]
    assert [row.pk for row in first] == forwards[:2] and [row.pk for row in last] == forwards[-2:]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_changes_to_one_ledger_leave_correct_figures(tree, users):
    """A reopening (which does not lock the ledger) and a 销号 of another measure of the same ledger, at once."""
    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    problem = make_problem(ledger, user=users["secretary"])
    to_reopen, requested = make_item(problem, user=users["secretary"]), make_item(problem, user=users["secretary"])
    wf.progress_note_add(actor=users["secretary"], item=requested, text="完成")
    wf.item_request_closure(actor=users["secretary"], item=requested)
    close(to_reopen, datetime.date(2022, 10, 20))
    record = services.supervision_create(actor=users["org"], author_unit=tree.root, kind=SupervisionKind.LOOK_BACK,
                                         date=datetime.date(2022, 11, 20), participants="组织部",
                                         visited_units=[tree.b1])
    actions = [lambda: services.item_reopen(actor=users["org"], record=record, item=to_reopen, reason="反弹"),
               lambda: wf.item_close(actor=users["gb_staff"], item=requested)]
    results, errors = run_together(lambda: actions.pop()())
    assert errors == [] and len(results) == 2
    figures = stored(ledger)
    assert figures == live(ledger) and (figures["closed"], figures["reopened"]) == (1, 1)
