"""Counting the subtree tallies that large dashboards and home pages read (issue 8).

Every figure is counted with the same base querysets and grouping as the live dashboard
(`reviews.selectors.grouped_figures` and friends), once per ledger unit, and then added up the tree in
Python: a unit's tally is the sum over its whole subtree. Only units with ledgers (or units) below them get a
row: a branch's own figures are always counted live. The beat runs this every `TALLY_REFRESH_MINUTES`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from branches.models import OrgUnit
from ledger.models import Campaign, CampaignStatus
from reviews import selectors
from reviews.models import SubtreeTally

BATCH = 2_000


def tallies_refresh(*, today: datetime.date | None = None) -> dict[str, int]:
    """Recount the tree and every published or closed campaign; returns the rows written for each."""
    today = today or timezone.localdate()
    written = {"tree": _refresh_tree(today)}
    for campaign in Campaign.objects.exclude(status=CampaignStatus.DRAFT).order_by("pk"):
        written[f"campaign {campaign.pk}"] = _refresh_campaign(campaign, today)
    return written


def _ancestors(path: str) -> list[str]:
    """'1/5/23/' → ['1/', '1/5/', '1/5/23/'] (the unit itself last)."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: depth + 1]) + "/" for depth in range(len(parts))]


class _Rollup:
    """Figures added up the tree: a value counted for a unit's path counts for every ancestor too."""

    def __init__(self, root_path: str):
        self.root_path = root_path
        self.sums: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        self.maps: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
        self.inner: set[str] = set()  # paths with something below them: the units that get a row
        self._paths: dict[str, list[str]] = {}

    def _up(self, path: str) -> list[str]:
        paths = self._paths.get(path)
        if paths is None:
            paths = [p for p in _ancestors(path) if p.startswith(self.root_path)]
            self._paths[path] = paths
            self.inner.update(paths[:-1])
        return paths

    def add(self, path: str, **figures: int) -> None:
        for ancestor in self._up(path):
            sums = self.sums[ancestor]
            for name, value in figures.items():
                sums[name] += value

    def add_to_map(self, path: str, name: str, key, value: int) -> None:
        for ancestor in self._up(path):
            self.maps[ancestor][name][str(key)] += value

    def rows(self, **fixed) -> Iterable[SubtreeTally]:
        units = dict(OrgUnit.objects.filter(path__in=list(self.inner)).values_list("path", "pk"))
        for path in self.inner:
            if path in units:
                maps = {name: dict(values) for name, values in self.maps[path].items()}
                yield SubtreeTally(unit_id=units[path], **fixed, **self.sums[path], **maps)


def _refresh_campaign(campaign: Campaign, today: datetime.date) -> int:
    issuer = campaign.issuer
    rollup = _Rollup(issuer.path)
    sets = selectors.campaign_sets(campaign=campaign, unit=issuer)
    grouped = selectors.grouped_figures(sets, key=F("unit_path"), today=today)
    for path, figures in grouped.items():
        statuses = figures.pop("statuses")
        rollup.add(path, **figures)
        for status, n in statuses.items():
            rollup.add_to_map(path, "statuses", status, n)
    for path, category_id, n in selectors.grouped_categories(sets.problems, key=F("unit_path")):
        rollup.add_to_map(path, "categories", category_id, n)
    for path, week, n in selectors.grouped_closures(sets.closures, key=F("ledger__unit_path")):
        rollup.add_to_map(path, "weekly", week.isoformat(), n)
    for path, stars, n in selectors.grouped_stars(sets.ratings, key=F("unit_path")):
        rollup.add_to_map(path, "stars", stars, n)
    return _replace(SubtreeTally.objects.filter(campaign=campaign), Campaign.objects.filter(pk=campaign.pk),
                    rollup.rows(campaign=campaign, counted_at=timezone.now(), as_of=today))


def _refresh_tree(today: datetime.date) -> int:
    rollup = _Rollup("")
    for path, kind in OrgUnit.objects.filter(is_active=True).values_list("path", "kind").iterator(chunk_size=10_000):
        rollup.add_to_map(path, "units", kind, 1)
    return _replace(SubtreeTally.objects.filter(campaign__isnull=True), OrgUnit.objects.filter(parent__isnull=True),
                    rollup.rows(campaign=None, counted_at=timezone.now(), as_of=today))


@transaction.atomic
def _replace(old, lock, rows: Iterable[SubtreeTally]) -> int:
    """Swap a campaign's (or the tree's) tallies in one transaction: readers see the old rows until commit.

    `lock` (the campaign, or the tree's roots) serializes two refreshes that overlap, so the second replaces
    the first's rows instead of colliding with them.
    """
    list(lock.select_for_update())
    old.delete()
    rows = list(rows)
    SubtreeTally.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
