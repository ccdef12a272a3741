"""The measures list of one week's closures (the link behind each bar of the dashboard's 每周销号 chart)."""

from __future__ import annotations

import datetime

from django.urls import reverse

from ledger.models import EventAction, ItemStatus, LedgerEvent, RectificationItem
from reviews import services
from reviews.models import SupervisionKind
from tests.conftest import list_total
from tests.factories import make_item, make_problem

from .conftest import at, closed_with_event
from .test_dashboard import figures

WEEK_1 = datetime.date(2022, 10, 17)  # Mondays
WEEK_2 = datetime.date(2022, 10, 24)


def shown(client, campaign, query: str) -> list[int]:
    page = client.get(reverse("reviews:item_list", args=[campaign.pk]) + f"?{query}").context["page"]
    return [item.pk for item in page]


def test_a_week_lists_its_closures_also_of_measures_reopened_and_closed_again(client, campaign, tree, users,
                                                                             b1_ledger):
    problem = make_problem(b1_ledger)
    first, again, later = make_item(problem), make_item(problem), make_item(problem)
    closed_with_event(first, WEEK_1 + datetime.timedelta(days=2), users["gb_staff"])
    closed_with_event(again, WEEK_1 + datetime.timedelta(days=6), users["gb_staff"])  # Sunday
    record = services.supervision_create(actor=users["org"], author_unit=tree.root, kind=SupervisionKind.LOOK_BACK,
                                         date=datetime.date(2022, 10, 22), participants="组织部",
                                         visited_units=[tree.b1])
    services.item_reopen(actor=users["org"], record=record, item=again, reason="问题反弹")
    again.refresh_from_db()
    closed_with_event(again, WEEK_2, users["gb_staff"])  # closed again, the Monday after
    closed_with_event(later, WEEK_2 + datetime.timedelta(days=1), users["gb_staff"])
    client.force_login(users["org"])

    assert shown(client, campaign, f"closed_week={WEEK_1}") == [first.pk, again.pk]
    assert shown(client, campaign, f"closed_week={WEEK_2}") == [again.pk, later.pk]
    assert shown(client, campaign, "closed_week=2022-10-18") == [first.pk, again.pk]  # a Tuesday: 7 days from it
    chart = {link: n for link, n in figures(client, reverse("reviews:dashboard", args=[campaign.pk]))
             if "closed_week=" in link}
    assert sorted(chart.values()) == [2, 2] and all(
        list_total(client.get(link).context["page"]) == n for link, n in chart.items())


def test_the_next_page_of_a_week_continues_where_the_first_ended(client, campaign, users, b1_ledger):
    problems = [make_problem(b1_ledger) for _ in range(3)]
    items = [make_item(problems[i % 3]) for i in range(53)]
    moment = at(WEEK_1 + datetime.timedelta(days=3))
    RectificationItem.objects.filter(pk__in=[item.pk for item in items]).update(status=ItemStatus.CLOSED,
                                                                                 closed_at=moment)
    LedgerEvent.objects.bulk_create(
        LedgerEvent(ledger=b1_ledger, problem_id=item.problem_id, item=item, at=moment, action=EventAction.ITEM_CLOSED,
                    from_status=ItemStatus.CLOSURE_REQUESTED, to_status=ItemStatus.CLOSED) for item in items)
    closed_with_event(make_item(problems[0]), WEEK_2, users["gb_staff"])  # another week: in neither page
    client.force_login(users["org"])
    url = reverse("reviews:item_list", args=[campaign.pk]) + f"?closed_week={WEEK_1}"

    first = client.get(url).context["page"]
    second = client.get(f"{url}&after={first.next_cursor}").context["page"]

    assert len(first) == 50 and first.has_next and len(second) == 3 and not second.has_next
    in_order = sorted(items, key=lambda item: (item.problem.number, item.number, item.pk))
    assert [item.pk for item in [*first, *second]] == [item.pk for item in in_order]
    back = client.get(f"{url}&before={second.previous_cursor}").context["page"]
    assert [item.pk for item in back] == [item.pk for item in first]
