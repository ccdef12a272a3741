"""The filters of the reviews lists, one FilterSet per list (the rule for unusable values: `config.lists`).

Each FilterSet narrows a queryset a selector already scoped to the viewer; it only adds conditions, so a
dashboard figure and the filtered list it links to count the same rows. Everything is filtered by the database.
"""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from config.lists import IntegerFilter, ListFilterSet
from ledger.models import (
    NO_PHASE_KEY,
    EventAction,
    ItemStatus,
    LedgerEvent,
    LedgerStatus,
    ProblemNature,
    ProblemSource,
    RecurrenceState,
    TemplateCategory,
    overdue_condition,
)
from reviews.models import ItemReopening, SupervisionKind, Tier
from reviews.selectors.results import ledgers_in_place_stored
from reviews.selectors.sets import HANDED_IN
from reviews.selectors.surveys import entry_exists

ITEM_STATUSES = [("open", _("未销号")), *ItemStatus.choices]  # "open": anything not closed (销号)
LEDGER_STATES = [("handed_in", _("已提交（含已通过）")), *LedgerStatus.choices, ("in_place", _("整改到位"))]
NO_MANIFESTATION_KEY = "none"
STAR_CHOICES = [(stars, f"{stars} ★") for stars in range(5, 0, -1)]


def phase_choices(campaign) -> list[tuple[str, str]]:
    """The campaign's phases as a filter's options, then "未分阶段" (no options when it has no phases)."""
    phases = [(str(phase.pk), phase.name) for phase in campaign.phases.all()]
    return [*phases, (NO_PHASE_KEY, str(_("未分阶段")))] if phases else []


def category_choices(campaign) -> list[tuple[int, str]]:
    """The campaign's checklist categories as a filter's options: "3. " and the title cut to 20 characters (read
    by the template's id: the template itself is not needed)."""
    categories = TemplateCategory.objects.filter(template_id=campaign.template_id).only("order", "title")
    return [(category.pk, f"{category.order}. {Truncator(category.title).chars(20)}")
            for category in categories.order_by("order", "pk")]


class ItemFilter(ListFilterSet):
    """The measures behind a dashboard figure: by status, overdue, checklist category, week of closing."""

    status = django_filters.ChoiceFilter(choices=ITEM_STATUSES, method="filter_status")
    overdue = django_filters.ChoiceFilter(choices=[("1", _("仅逾期"))], method="filter_overdue")
    category = IntegerFilter(field_name="problem__category_id")
    closed_week = django_filters.DateFilter(method="filter_closed_week")  # the Monday of a week
    phase = django_filters.CharFilter(method="filter_phase")  # a phase's id, or "none": measures in no phase

    def filter_status(self, items: QuerySet, name: str, value: str) -> QuerySet:
        return items.exclude(status=ItemStatus.CLOSED) if value == "open" else items.filter(status=value)

    def filter_overdue(self, items: QuerySet, name: str, value: str) -> QuerySet:
        return items.filter(overdue_condition(timezone.localdate()))

    def filter_phase(self, items: QuerySet, name: str, value: str) -> QuerySet:
        if value == NO_PHASE_KEY:
            return items.filter(phase__isnull=True)
        return items.filter(phase_id=int(value)) if value.isdigit() else items  # anything else: not a value

    def filter_closed_week(self, items: QuerySet, name: str, day: datetime.date) -> QuerySet:
        """The measures with a closing (销号) in the 7 days from `day`, as the tallies' weekly figure counts them.

        A Monday (the chart's links): the measures whose closing is in that week (`closed_week`, one index
        range in tree order) and those closed then but reopened since (回头看: `ItemReopening` keeps when the
        closing it undid was), found first, usually none. Another day: the closing events of those 7 days."""
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        end = start + datetime.timedelta(days=7)
        if day.weekday() != 0:
            return items.filter(Exists(LedgerEvent.objects.filter(
                item=OuterRef("pk"), action=EventAction.ITEM_CLOSED, at__gte=start, at__lt=end)))
        reopened = list(ItemReopening.objects.filter(previous_closed_at__gte=start, previous_closed_at__lt=end)
                        .values_list("item_id", flat=True))
        return items.filter(Q(closed_week=day) | Q(pk__in=reopened) if reopened else Q(closed_week=day))


class ProblemFilter(ListFilterSet):
    """Also the whole of one common problem (共性问题, the link from its page): `manifestation` (an id, or "none":
    problems without one, with `category`) and `below=1` (the ledgers strictly below the unit, not its own)."""

    category = IntegerFilter(field_name="category_id")
    manifestation = django_filters.CharFilter(method="filter_manifestation")
    below = django_filters.ChoiceFilter(choices=[("1", _("仅下级单位"))], method="filter_below")
    source = django_filters.ChoiceFilter(choices=ProblemSource.choices)
    recurrence = django_filters.ChoiceFilter(field_name="recurrence_state", choices=RecurrenceState.choices)
    nature = django_filters.ChoiceFilter(choices=ProblemNature.choices)  # 个性/共性

    def __init__(self, data=None, queryset=None, *, unit, **kwargs) -> None:
        super().__init__(data, queryset, **kwargs)
        self.unit = unit

    def filter_manifestation(self, problems: QuerySet, name: str, value: str) -> QuerySet:
        if value == NO_MANIFESTATION_KEY:
            return problems.filter(manifestation__isnull=True)
        return problems.filter(manifestation_id=int(value)) if value.isdigit() else problems  # else: not a value

    def filter_below(self, problems: QuerySet, name: str, value: str) -> QuerySet:
        return problems.exclude(unit_path=self.unit.path)


class LedgerFilter(ListFilterSet):
    """`state`: a ledger status, handed in (submitted or accepted), or in place (整改到位, the results rule)."""

    state = django_filters.ChoiceFilter(choices=LEDGER_STATES, method="filter_state")

    def __init__(self, data=None, queryset=None, *, campaign, **kwargs) -> None:
        super().__init__(data, queryset, **kwargs)
        self.campaign = campaign

    def filter_state(self, ledgers: QuerySet, name: str, value: str) -> QuerySet:
        if value == "in_place":
            return ledgers_in_place_stored(ledgers)
        if value == "handed_in":
            return ledgers.filter(status__in=HANDED_IN)
        return ledgers.filter(status=value)


class RatingFilter(ListFilterSet):
    """By stars, or by tier (等次) under the campaign's result policy."""

    stars = IntegerFilter(field_name="stars")
    tier = django_filters.ChoiceFilter(choices=Tier.choices, method="filter_tier")

    def __init__(self, data=None, queryset=None, *, policy, **kwargs) -> None:
        super().__init__(data, queryset, **kwargs)
        self.policy = policy

    def filter_tier(self, ratings: QuerySet, name: str, value: str) -> QuerySet:
        if value == Tier.ADVANCED:
            return ratings.filter(stars__gte=self.policy.advanced_min_stars)
        if value == Tier.MIDDLE:
            return ratings.filter(stars__gte=self.policy.middle_min_stars, stars__lt=self.policy.advanced_min_stars)
        return ratings.filter(stars__lt=self.policy.middle_min_stars)


class SupervisionFilter(ListFilterSet):
    kind = django_filters.ChoiceFilter(choices=SupervisionKind.choices)


class SurveyUnitFilter(ListFilterSet):
    """The survey page's units: by name or code, and by tier so far ("none": not classified yet)."""

    q = django_filters.CharFilter(method="filter_q")
    tier = django_filters.ChoiceFilter(choices=[*Tier.choices, ("none", _("未定级"))], method="filter_tier")

    def __init__(self, data=None, queryset=None, *, survey, **kwargs) -> None:
        super().__init__(data, queryset, **kwargs)
        self.survey = survey

    def filter_q(self, units: QuerySet, name: str, value: str) -> QuerySet:
        return units.filter(Q(name__icontains=value.strip()) | Q(code__istartswith=value.strip()))

    def filter_tier(self, units: QuerySet, name: str, value: str) -> QuerySet:
        if value == "none":
            return units.filter(~entry_exists(self.survey))
        return units.filter(entry_exists(self.survey, value))


class TierEntryFilter(ListFilterSet):
    """A tier list (三类台账): by name or code, and by the unit above (党总支)."""

    q = django_filters.CharFilter(method="filter_q")
    parent = IntegerFilter(field_name="unit__parent_id")

    def filter_q(self, entries: QuerySet, name: str, value: str) -> QuerySet:
        return entries.filter(Q(unit__name__icontains=value.strip()) | Q(unit__code__istartswith=value.strip()))
