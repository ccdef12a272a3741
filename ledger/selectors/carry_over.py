"""Reads behind carry-over (结转): which earlier campaigns may be carried, and what would be carried where.

The plan is what the confirmation page previews and what `ledger.services.carry_over.campaign_carry_over`
writes: the unfinished measures (not closed) of an earlier campaign and their problems, the new ledger of the
same unit each goes to, and how the earlier checklist's categories and manifestations map onto the new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from ledger.models import (
    OPEN_ITEM_STATUSES,
    Campaign,
    CampaignStatus,
    ChecklistTemplate,
    Ledger,
    Manifestation,
    Problem,
    ProblemStatus,
    RectificationItem,
    TemplateCategory,
)
from ledger.selectors.lineage import roots_of

# Sources: published or closed campaigns (a draft has no ledgers).
SOURCE_STATUSES = (CampaignStatus.PUBLISHED, CampaignStatus.CLOSED)


def carry_over_sources(campaign: Campaign) -> QuerySet[Campaign]:
    """The campaigns whose unfinished measures `campaign` may take over: issued in its issuer's subtree, published
    or closed, and published before it."""
    sources = Campaign.objects.filter(issuer_path__startswith=campaign.issuer_path, status__in=SOURCE_STATUSES)
    sources = sources.exclude(pk=campaign.pk).select_related("issuer", "template")
    if campaign.published_at is not None:
        sources = sources.filter(published_at__lt=campaign.published_at)
    return sources.order_by("-year", "-published_at")


def carry_over_source_find(campaign: Campaign, pk) -> Campaign | None:
    """One of `carry_over_sources`, else None (the page answers 404)."""
    return carry_over_sources(campaign).filter(pk=pk).first() if str(pk).isdigit() else None


@dataclass
class CarryOverPlan:
    source: Campaign
    target: Campaign
    problems: list[Problem]  # each with `open_items`, the measures to carry
    ledgers: dict[int, Ledger]  # unit id → the new campaign's ledger of that unit
    unreached: list[str]  # units with unfinished measures that have no ledger in the new campaign
    categories: dict[int, TemplateCategory] = field(default_factory=dict)  # earlier category id → new category
    manifestations: dict[int, Manifestation | None] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)  # earlier categories with no counterpart
    already_carried: int = 0  # problems of the source already carried into this campaign

    @property
    def items(self) -> int:
        return sum(len(problem.open_items) for problem in self.problems)

    @property
    def ledger_count(self) -> int:
        return len({problem.ledger.unit_id for problem in self.problems})


def unfinished_problems(source: Campaign, *, under: str) -> list[Problem]:
    """The active problems of `source` under the path `under` that still have a measure not closed, each with its
    open measures (`open_items`), leaving out those already carried on to some campaign (they live on there)."""
    open_items = RectificationItem.objects.filter(status__in=OPEN_ITEM_STATUSES).order_by("number")
    problems = (Problem.objects.filter(ledger__campaign=source, status=ProblemStatus.ACTIVE,
                                       unit_path__startswith=under)
                .filter(Exists(open_items.filter(problem=OuterRef("pk"))))
                .exclude(Exists(Problem.objects.filter(carried_from=OuterRef("pk"))))
                .select_related("ledger__unit", "ledger__campaign", "category", "manifestation")
                .prefetch_related(Prefetch("items", queryset=open_items, to_attr="open_items"))
                .order_by("unit_path", "number"))
    return list(problems)


def _mapped(source_rows: list, target_rows: list, model, key: str) -> dict[int, object]:
    """Each source row's counterpart among `target_rows`: the same line by lineage (copied_from), else by `key`
    (the title or the text)."""
    roots = roots_of(model, [row.pk for row in source_rows + target_rows])
    by_root = {roots[row.pk]: row for row in target_rows}
    by_key = {getattr(row, key): row for row in target_rows}
    return {row.pk: by_root.get(roots[row.pk]) or by_key.get(getattr(row, key)) for row in source_rows}


def checklist_mapping(source: ChecklistTemplate, target: ChecklistTemplate, *, categories: set[int],
                      manifestations: set[int]) -> tuple[dict, dict, list[str]]:
    """(category map, manifestation map, titles of unmapped categories) for the lines the problems use.

    The same template maps to itself; a copy maps through `copied_from`; otherwise a category maps by its title
    and a manifestation by its text. A manifestation without a counterpart leaves the problem in its category only
    (as an extended self-check problem is); a category without one is refused by the service.
    """
    if source.pk == target.pk:
        return ({pk: TemplateCategory.objects.get(pk=pk) for pk in categories},
                {pk: Manifestation.objects.get(pk=pk) for pk in manifestations}, [])
    source_categories = list(TemplateCategory.objects.filter(pk__in=categories).order_by("order"))
    target_categories = list(target.categories.order_by("order"))
    category_map = _mapped(source_categories, target_categories, TemplateCategory, "title")
    unmapped = [f"{c.order}. {c.title}" for c in source_categories if category_map[c.pk] is None]
    manifestation_map: dict[int, Manifestation | None] = {}
    for manifestation in Manifestation.objects.filter(pk__in=manifestations).select_related("category"):
        new_category = category_map.get(manifestation.category_id)
        candidates = list(new_category.manifestations.all()) if new_category else []
        manifestation_map.update(_mapped([manifestation], candidates, Manifestation, "text"))
    return category_map, manifestation_map, unmapped


def carry_over_plan(*, campaign: Campaign, source: Campaign) -> CarryOverPlan:
    """What carrying `source` into `campaign` would write (the preview and the service share it)."""
    problems = unfinished_problems(source, under=campaign.issuer_path)
    units = {problem.ledger.unit_id for problem in problems}
    ledgers = {ledger.unit_id: ledger for ledger in Ledger.objects.filter(campaign=campaign, unit_id__in=units)}
    unreached = sorted({problem.ledger.unit.name for problem in problems if problem.ledger.unit_id not in ledgers})
    problems = [problem for problem in problems if problem.ledger.unit_id in ledgers]
    category_map, manifestation_map, unmapped = checklist_mapping(
        source.template, campaign.template, categories={p.category_id for p in problems},
        manifestations={p.manifestation_id for p in problems if p.manifestation_id})
    already = Problem.objects.filter(ledger__campaign=campaign, carried_from__ledger__campaign=source).count()
    return CarryOverPlan(source=source, target=campaign, problems=problems, ledgers=ledgers, unreached=unreached,
                         categories=category_map, manifestations=manifestation_map, unmapped=unmapped,
                         already_carried=already)
