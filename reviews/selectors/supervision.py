"""Supervision (督查): the records a viewer sees, the units they may supervise, the items a look-back may reopen."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from branches.models import OrgUnit, Role
from branches.selectors import Action, Scope, UnitPick
from ledger.models import Campaign, ItemStatus, RectificationItem, TemplateCategory
from ledger.selectors.campaigns import campaigns_visible
from reviews.models import SupervisionRecord, SupervisionVisit

SUPERVISING_ROLES = (Role.GENERAL_BRANCH_STAFF, Role.ORG_DEPARTMENT)


def supervising_units(scope: Scope) -> list[OrgUnit]:
    """The units in whose name the viewer may run supervision: where they are general-branch staff or org dept."""
    return [scope.units[grant.path] for grant in scope.grants
            if grant.role in SUPERVISING_ROLES and grant.path in scope.units]


def supervisable_campaigns(scope: Scope) -> QuerySet[Campaign]:
    """The published or closed campaigns the viewer's supervising units see: what a supervision record may be
    about (the service accepts a campaign issued above or inside the author unit)."""
    return campaigns_visible(scope.restricted_to(SUPERVISING_ROLES), drafts=False)


def supervision_records_for(scope: Scope) -> QuerySet[SupervisionRecord]:
    """Records the viewer's units ran, or that visited a unit the viewer sees."""
    visited = scope.filter(SupervisionVisit.objects.filter(record=OuterRef("pk")), Action.VIEW, "unit_path")
    return SupervisionRecord.objects.filter(scope.condition(Action.VIEW, "author_path") | Q(Exists(visited)))


def supervision_records_listed(scope: Scope) -> QuerySet[SupervisionRecord]:
    return supervision_records_for(scope).select_related("author_unit", "campaign")


def supervision_record_find(*, scope: Scope, pk: int) -> SupervisionRecord | None:
    """A record the viewer sees (`supervision_records_for`), with its author unit and campaign; else None."""
    return supervision_records_listed(scope).filter(pk=pk).first()


def supervising_units_listed(scope: Scope) -> QuerySet[OrgUnit]:
    """`supervising_units` as a queryset: the choices of a new record's author unit."""
    return OrgUnit.objects.filter(pk__in=[unit.pk for unit in supervising_units(scope)])


# What a new record may visit: the active units the viewer may supervise (picked, never listed whole).
VISITABLE = UnitPick(action=Action.SUPERVISE, active_only=True)


def record_visits(record: SupervisionRecord) -> list[SupervisionVisit]:
    """Every visit of the record, with its unit."""
    return list(record.visits.select_related("unit"))


def supervised_visits(*, scope: Scope, record: SupervisionRecord,
                      visits: list[SupervisionVisit] | None = None) -> list[SupervisionVisit]:
    """The record's visits to units the viewer may supervise: where they may open a problem or reopen an item.
    `visits`: the record's visits when the caller has read them already (the detail page shows them all)."""
    visits = record_visits(record) if visits is None else visits
    return [visit for visit in visits if scope.can(Action.SUPERVISE, visit.unit_path)]


@dataclass(frozen=True)
class FindingChoices:
    """What a finding may open a problem in: a visited unit, a campaign it has a ledger in, its checklist's
    categories (only the record's campaign when it names one)."""

    units: QuerySet[OrgUnit]
    campaigns: QuerySet[Campaign]
    categories: QuerySet[TemplateCategory]


def finding_choices(*, record: SupervisionRecord, visits: list[SupervisionVisit]) -> FindingChoices:
    units = OrgUnit.objects.filter(pk__in=[visit.unit_id for visit in visits])
    campaigns = Campaign.objects.filter(ledgers__unit__in=units).distinct()
    if record.campaign_id:
        campaigns = campaigns.filter(pk=record.campaign_id)
    categories = TemplateCategory.objects.filter(template__campaigns__in=campaigns).distinct().select_related("template")
    return FindingChoices(units=units, campaigns=campaigns, categories=categories)


def supervision_record_details(record: SupervisionRecord, *, visits: list[SupervisionVisit] | None = None) -> dict:
    """What the record's page shows besides the record: its visits (`record_visits`, read here unless given),
    the problems it opened, the items it reopened."""
    return {
        "visits": record_visits(record) if visits is None else visits,
        "findings": record.opened_findings.select_related("problem__ledger__unit", "problem__category"),
        "reopenings": record.reopenings.select_related("item__ledger__unit", "actor"),
    }


# A look-back page lists this many closed items at once; a search narrows the list, never what may be chosen.
REOPEN_LIST_SIZE = 50
_CIRCLED_DIGITS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# "3-2", "3.2", "问题3②", "问题3": a problem number, optionally with its measure's number.
_ITEM_NUMBER = re.compile(rf"(?:问题)?(\d+)(?:[-－.．]\s*(\d+)|([{_CIRCLED_DIGITS}]))?")


def reopenable_items(visits) -> QuerySet[RectificationItem]:
    """Every closed item of the visited units; `visits` are only those the viewer may SUPERVISE. Not sliced:
    a form validating against a slice refuses every choice (Django cannot filter a sliced query)."""
    return RectificationItem.objects.filter(status=ItemStatus.CLOSED, unit_path__in=[v.unit_path for v in visits])


def _number_condition(term: str) -> Q | None:
    match = _ITEM_NUMBER.fullmatch(term)
    if match is None:
        return None
    condition = Q(problem__number=int(match[1]))
    if match[2]:
        condition &= Q(number=int(match[2]))
    elif match[3]:
        condition &= Q(number=_CIRCLED_DIGITS.index(match[3]) + 1)
    return condition


def reopen_list(*, visits: list[SupervisionVisit], query: str, chosen: str = "") -> tuple[list, bool]:
    """The closed items a look-back page lists: the first REOPEN_LIST_SIZE matches of the search, plus the item
    just chosen (so a refused post does not lose the choice); and whether more matched."""
    items = reopenable_items(visits)
    matches = list(items_searched(items, query)[:REOPEN_LIST_SIZE + 1])
    shown = matches[:REOPEN_LIST_SIZE]
    if chosen.isdigit() and all(item.pk != int(chosen) for item in shown):
        shown += list(items_searched(items.filter(pk=int(chosen)), ""))
    return shown, len(matches) > REOPEN_LIST_SIZE


def items_searched(items: QuerySet[RectificationItem], query: str) -> QuerySet[RectificationItem]:
    """Items matching every word of `query` in their measure, their problem, their unit's name or number."""
    for term in query.split():
        condition = (Q(measure__icontains=term) | Q(problem__description__icontains=term)
                     | Q(ledger__unit__name__icontains=term))
        number = _number_condition(term)
        items = items.filter(condition | number if number is not None else condition)
    return items.select_related("ledger__unit", "problem").order_by("unit_path", "problem__number", "number")
