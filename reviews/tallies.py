"""Counting the subtree tallies that large dashboards and home pages read (docs/performance.md).

Every figure is counted with the same grouped queries as the live dashboard (`reviews.selectors.dashboards`
`ledger_groups` and friends), once per ledger unit, and then added up the tree: a unit's tally is the sum over
its whole subtree. Only units with ledgers (or units) below them get a row: a branch's own figures are always
counted live. The beat runs this every `TALLY_REFRESH_MINUTES`.

Only what changed is counted again. A campaign's tree is cut into blocks (the subtrees two levels under the
issuer: a province's counties, `ledger.selectors.tallies.block_path`); every change bumps its block's mark
(`ledger.services.tally_marks`), and each tally row keeps the sum of the marks it was counted with. A campaign
whose marks did not move since (and counted for today: "overdue" depends on the day) is skipped with two
queries; in a changed campaign only the changed blocks are counted again, and the few rows above the blocks
are added up from the blocks' stored rows.

Memory stays flat: a block's per-unit rows are streamed in unit-path order (server-side cursors), added up
along the current branch of the tree only (a stack as deep as the tree), and written in chunks as each
subtree is complete, so neither a county nor the province is ever held whole.
"""

from __future__ import annotations

import datetime
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.db.models.functions import Collate
from django.utils import timezone

from branches.models import PATH_SEPARATOR, OrgUnit, TreeMark, parent_path
from config.bulk import BulkWriter
from ledger.models import Campaign, CampaignStatus, LedgerStatus, SubtreeTally, overdue_condition
from ledger.selectors.common import found_key, group_groups
from ledger.selectors.tallies import BLOCK_LEVELS, campaign_marks, marks_over
from reviews.figures import figures_recount_campaign
from reviews.selectors.dashboards import (
    FIGURES,
    PHASE_FIGURES,
    closure_groups,
    item_phase_groups,
    ledger_groups,
    local_week,
    nature_groups,
    phase_key,
    problem_groups,
    star_groups,
)
from reviews.selectors.results import in_place_filter, policy_of
from reviews.selectors.sets import HANDED_IN, CampaignSets, campaign_sets

MAPS = ("statuses", "categories", "natures", "weekly", "stars", "units", "found", "phases")
FIELDS = ("unit_id", "campaign_id", "counted_at", "as_of", "marks", *FIGURES, *MAPS)
CHUNK = 2_000  # rows read per fetch and tally rows written per batch


def tallies_refresh(*, today: datetime.date | None = None, full: bool = False) -> dict[str, int]:
    """Recount the tree and every published or closed campaign where something changed (everything when
    `full`); returns the rows written for each (0: nothing had changed)."""
    today = today or timezone.localdate()
    written = {"tree": _refresh_tree(today, full=full)}
    for campaign in Campaign.objects.exclude(status=CampaignStatus.DRAFT).select_related("issuer").order_by("pk"):
        # the stored per-ledger figures first: the day's first run counts "overdue" and 整改到位 for the new day
        written[f"figures {campaign.pk}"] = figures_recount_campaign(campaign, today=today, stale_only=not full)
        written[f"campaign {campaign.pk}"] = _refresh_campaign(campaign, today, full=full)
    return written


# --- adding up ----------------------------------------------------------------------------------------------


class _Sum:
    """One unit's figures (FIGURES) and keyed counts (MAPS), its own or its whole subtree's."""

    __slots__ = ("sums", "maps", "inner")

    def __init__(self) -> None:
        self.sums: dict[str, int] = defaultdict(int)
        self.maps: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.inner = False  # something below it was counted: the unit gets a row

    def add(self, other: _Sum) -> None:
        for name, value in other.sums.items():
            self.sums[name] += value
        for name, values in other.maps.items():
            into = self.maps[name]
            for key, value in values.items():
                into[key] += value

    def add_tally(self, tally: SubtreeTally) -> None:
        for name in FIGURES:
            self.sums[name] += getattr(tally, name)
        for name in MAPS:
            into = self.maps[name]
            for key, value in getattr(tally, name).items():
                into[key] += value

    def record(self, unit_id: int, *, campaign_id, counted_at, today, marks: int) -> tuple:
        """The tally row, as a tuple in FIELDS order."""
        return (unit_id, campaign_id, counted_at, today, marks, *(self.sums.get(name, 0) for name in FIGURES),
                *({key: value for key, value in self.maps[name].items()} if name in self.maps else {}
                  for name in MAPS))


Fold = Callable[[_Sum], None]


def _roll_up_sorted(rows: Iterable[tuple[str, Fold]], root: str, emit: Callable[[str, _Sum], None]) -> _Sum:
    """Add up rows given in unit-path order (a subtree's rows are consecutive) into `root`'s total.

    Only the chain from `root` to the current unit is held: when the rows leave a unit's subtree, the unit is
    complete, is emitted (if something below it was counted) and added into its parent."""
    stack: list[tuple[str, _Sum]] = [(root, _Sum())]

    def close() -> None:
        path, total = stack.pop()
        parent = stack[-1][1]
        parent.add(total)
        parent.inner = True
        if total.inner:
            emit(path, total)

    for path, fold in rows:
        while not path.startswith(stack[-1][0]):
            close()
        parts = [part for part in path.split(PATH_SEPARATOR) if part]
        for depth in range(stack[-1][0].count(PATH_SEPARATOR) + 1, len(parts) + 1):  # units between, then it
            stack.append((PATH_SEPARATOR.join(parts[:depth]) + PATH_SEPARATOR, _Sum()))
        fold(stack[-1][1])
    while len(stack) > 1:
        close()
    if stack[0][1].inner:
        emit(root, stack[0][1])
    return stack[0][1]


class _Rollup:
    """Figures of a few units (the tree above the blocks) added up the tree in memory, deepest first."""

    def __init__(self, root_path: str):
        self.root_path = root_path
        self.totals: dict[str, _Sum] = defaultdict(_Sum)

    def rows(self) -> Iterator[tuple[str, _Sum]]:
        """(unit path, total) of every unit with something below it."""
        by_depth: dict[int, set[str]] = defaultdict(set)
        for path in self.totals:
            by_depth[path.count(PATH_SEPARATOR)].add(path)
        for depth in range(max(by_depth, default=0), 0, -1):  # deepest first: a unit is complete before it moves up
            for path in by_depth[depth]:
                parent = parent_path(path)
                if parent and parent.startswith(self.root_path):
                    by_depth[depth - 1].add(parent)
                    self.totals[parent].add(self.totals[path])
                    self.totals[parent].inner = True
        return ((path, total) for path, total in self.totals.items() if total.inner)


# --- the grouped rows, folded into a unit's _Sum ---------------------------------------------------------------


def _ledger_fold(row: dict) -> Fold:
    def fold(total: _Sum) -> None:
        n, status = row["n"], row["status"]
        total.sums["ledgers"] += n
        total.sums["handed_in"] += n if status in HANDED_IN else 0
        total.sums["accepted"] += n if status == LedgerStatus.ACCEPTED else 0
        total.sums["in_place"] += row["in_place"]
        total.maps["statuses"][status] += n
    return fold


def _sums_fold(row: dict, **names: str) -> Fold:
    def fold(total: _Sum) -> None:
        for name, column in names.items():
            total.sums[name] += row[column]
    return fold


def _map_fold(name: str, key: str, n: int) -> Fold:
    def fold(total: _Sum) -> None:
        total.maps[name][key] += n
    return fold


def _item_fold(row: dict) -> Fold:
    """Measures, closed and overdue, in all and per phase (one scan for both)."""
    def fold(total: _Sum) -> None:
        for name in PHASE_FIGURES:
            total.sums[name] += row[name]
            total.maps["phases"][phase_key(row["phase_id"], name)] += row[name]
    return fold


def _group_fold(row: dict) -> Fold:
    """Active problems per category, and ledgers per common-problem group (one scan for both)."""
    def fold(total: _Sum) -> None:
        total.maps["categories"][str(row["category_id"])] += row["n"]
        total.maps["found"][found_key(row["category_id"], row["manifestation_id"])] += row["ledgers"]
    return fold


def _folds(sets: CampaignSets, *, today: datetime.date, in_place, ordered: bool) -> list[Iterator]:
    """Every grouped query of the dashboard, each as (unit path, fold) rows; in unit-path order if `ordered`."""
    key, closure_key = F("unit_path"), F("ledger__unit_path")

    def stream(queryset: QuerySet) -> Iterator:
        if ordered:  # bytewise order, whatever the database's collation: a subtree's rows must be consecutive
            queryset = queryset.order_by(Collate("key", "C" if connection.vendor == "postgresql" else "BINARY"))
        return queryset.iterator(chunk_size=CHUNK)

    return [
        ((row["key"], _ledger_fold(row)) for row in stream(ledger_groups(sets, key=key, in_place=in_place))),
        ((row["key"], _sums_fold(row, problems="n")) for row in stream(problem_groups(sets, key=key))),
        ((row["key"], _item_fold(row)) for row in stream(item_phase_groups(sets, key=key, today=today))),
        ((row["key"], _group_fold(row)) for row in stream(group_groups(sets.problems, key=key))),
        ((path, _map_fold("natures", nature, n)) for path, nature, n in stream(nature_groups(sets.problems, key=key))),
        ((path, _map_fold("weekly", local_week(week).isoformat(), n))
         for path, week, n in stream(closure_groups(sets.closures, key=closure_key))),
        ((path, _map_fold("stars", str(stars), n)) for path, stars, n in stream(star_groups(sets.ratings, key=key))),
    ]


# --- a campaign -------------------------------------------------------------------------------------------------


class _CampaignCount:
    """One campaign's recount, from the marks read before anything is counted."""

    def __init__(self, campaign: Campaign, today: datetime.date) -> None:
        self.campaign = campaign
        self.issuer = campaign.issuer
        self.today = today
        self.marks = campaign_marks([campaign.pk])[campaign.pk]  # before counting: a later change moves them
        self.counted_at = timezone.now()
        self.in_place = in_place_filter(campaign=campaign, policy=policy_of(campaign))
        self.block_depth = self.issuer.depth + BLOCK_LEVELS

    def marks_of(self, path: str) -> int:
        return marks_over(self.marks, issuer_path=self.issuer.path, unit_path=path)

    def is_current(self, tally: SubtreeTally | None, path: str) -> bool:
        return tally is not None and tally.as_of == self.today and tally.marks == self.marks_of(path)

    def is_unchanged(self, tally: SubtreeTally | None, path: str) -> bool:
        """Counted on an earlier day, nothing changed since, and only "overdue" depends on the day: the results
        deadline fixes the day "in place" is judged on (without one it is today, and the block is recounted)."""
        return (tally is not None and tally.marks == self.marks_of(path) and tally.as_of < self.today
                and self.campaign.results_deadline is not None)

    def upper_tallies(self) -> dict[str, SubtreeTally]:
        """The stored rows of the issuer, the units between, and the blocks' top units."""
        rows = SubtreeTally.objects.filter(campaign=self.campaign, unit__path__startswith=self.issuer.path,
                                           unit__depth__lte=self.block_depth).select_related("unit")
        return {tally.unit.path: tally for tally in rows}

    def records(self, rows: Iterable[tuple[str, _Sum]]) -> Iterator[list[tuple]]:
        """Tally rows in chunks, each unit's id looked up once per chunk."""
        chunk: list[tuple[str, _Sum]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                yield self._records(chunk)
                chunk = []
        if chunk:
            yield self._records(chunk)

    def _records(self, rows: list[tuple[str, _Sum]]) -> list[tuple]:
        unit_ids = dict(OrgUnit.objects.filter(path__in=[path for path, _total in rows]).values_list("path", "pk"))
        return [total.record(unit_ids[path], campaign_id=self.campaign.pk, counted_at=self.counted_at,
                             today=self.today, marks=self.marks_of(path))
                for path, total in rows if path in unit_ids]


def _refresh_campaign(campaign: Campaign, today: datetime.date, *, full: bool = False) -> int:
    count = _CampaignCount(campaign, today)
    stored = count.upper_tallies()
    if not full and count.is_current(stored.get(count.issuer.path), count.issuer.path):
        return 0
    upper = _Rollup(count.issuer.path)
    written = 0
    blocks, upper_paths = _blocks_and_upper(count)
    for path, unit in blocks.items():
        if not full and count.is_current(stored.get(path), path):
            upper.totals[path].add_tally(stored[path])
            continue
        if not full and count.is_unchanged(stored.get(path), path):
            rolled, rows = _roll_forward(count, stored[path])
            upper.totals[path].add_tally(rolled)
            written += rows
            continue
        total, rows = _refresh_block(count, unit)
        upper.totals[path].add(total)
        written += rows
    _count_live(count, upper, upper_paths)
    return written + _write_upper(count, upper)


def _blocks_and_upper(count: _CampaignCount) -> tuple[dict[str, OrgUnit], list[str]]:
    """The blocks' top units (with units below them), and the units above them and the childless ones at their
    level, whose own ledgers are counted live whenever the campaign changed (a handful)."""
    units = OrgUnit.objects.filter(path__startswith=count.issuer.path, depth__lte=count.block_depth).annotate(
        has_below=Exists(OrgUnit.objects.filter(parent=OuterRef("pk")))).only("pk", "path", "depth")
    blocks, upper = {}, []
    for unit in units:
        if unit.depth == count.block_depth and unit.has_below:
            blocks[unit.path] = unit
        else:
            upper.append(unit.path)
    return blocks, upper


@transaction.atomic
def _refresh_block(count: _CampaignCount, unit: OrgUnit) -> tuple[_Sum, int]:
    """Count one block again and replace its rows in one transaction (readers see the old rows until commit)."""
    list(Campaign.objects.filter(pk=count.campaign.pk).select_for_update())  # one recount of a campaign at a time
    SubtreeTally.objects.filter(campaign=count.campaign, unit__path__startswith=unit.path).delete()
    sets = campaign_sets(campaign=count.campaign, unit=unit)
    merged = heapq.merge(*_folds(sets, today=count.today, in_place=count.in_place, ordered=True),
                         key=lambda row: row[0])
    emitted: list[tuple[str, _Sum]] = []
    writer, written = BulkWriter(), 0

    def emit(path: str, total: _Sum) -> None:
        nonlocal written
        emitted.append((path, total))
        if len(emitted) >= CHUNK:
            written += writer.write(SubtreeTally, FIELDS, count._records(emitted))
            emitted.clear()

    total = _roll_up_sorted(merged, unit.path, emit)
    if emitted:
        written += writer.write(SubtreeTally, FIELDS, count._records(emitted))
    return total, written


@transaction.atomic
def _roll_forward(count: _CampaignCount, block: SubtreeTally) -> tuple[SubtreeTally, int]:
    """Bring an unchanged block counted on an earlier day to today: only "overdue" moved, by the open dated
    measures whose deadline passed since (a day's worth, read by the open-deadline index), added to each row
    they lie under; every row of the block is then dated today. A few queries instead of the block's seven
    grouped scans (the first recount of the day was twice a whole count)."""
    list(Campaign.objects.filter(pk=count.campaign.pk).select_for_update())
    path = block.unit.path
    items = campaign_sets(campaign=count.campaign, unit=block.unit).items
    passed = items.filter(overdue_condition(count.today), deadline__gte=block.as_of)
    deltas: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # path → phase key → passed
    for unit_path, phase_id, n in passed.order_by().values_list("unit_path", "phase_id").annotate(n=Count("pk")):
        parts = [part for part in unit_path.split(PATH_SEPARATOR) if part]
        for depth in range(path.count(PATH_SEPARATOR), len(parts) + 1):  # the block's top unit down to the unit
            deltas[PATH_SEPARATOR.join(parts[:depth]) + PATH_SEPARATOR][phase_key(phase_id, "overdue")] += n
    rows = list(SubtreeTally.objects.filter(campaign=count.campaign, unit__path__in=list(deltas))
                .select_related("unit").only("pk", "overdue", "phases", "unit__path"))
    for row in [*rows, block]:
        for key, n in deltas.get(row.unit.path, {}).items():
            row.overdue += n
            row.phases[key] = row.phases.get(key, 0) + n
    SubtreeTally.objects.bulk_update(rows, ["overdue", "phases"], batch_size=CHUNK)
    SubtreeTally.objects.filter(campaign=count.campaign, unit__path__startswith=path).update(
        as_of=count.today, counted_at=count.counted_at)
    return block, len(rows)


def _count_live(count: _CampaignCount, upper: _Rollup, paths: list[str]) -> None:
    """The own ledgers of the units above the blocks (and of childless units at the blocks' level)."""
    sets = campaign_sets(campaign=count.campaign, unit=count.issuer)
    sets = CampaignSets(ledgers=sets.ledgers.filter(unit_path__in=paths),
                        problems=sets.problems.filter(unit_path__in=paths),
                        items=sets.items.filter(unit_path__in=paths),
                        closures=sets.closures.filter(ledger__unit_path__in=paths),
                        ratings=sets.ratings.filter(unit_path__in=paths))
    for rows in _folds(sets, today=count.today, in_place=count.in_place, ordered=False):
        for path, fold in rows:
            fold(upper.totals[path])


@transaction.atomic
def _write_upper(count: _CampaignCount, upper: _Rollup) -> int:
    """Replace the rows above the blocks: the issuer's and the units' between."""
    list(Campaign.objects.filter(pk=count.campaign.pk).select_for_update())
    SubtreeTally.objects.filter(campaign=count.campaign, unit__path__startswith=count.issuer.path,
                                unit__depth__lt=count.block_depth).delete()
    rows = [(path, total) for path, total in upper.rows() if path.count(PATH_SEPARATOR) - 1 < count.block_depth]
    return sum(BulkWriter().write(SubtreeTally, FIELDS, records) for records in count.records(rows))


# --- the tree's own tallies (active units by kind) ---------------------------------------------------------------


def _refresh_tree(today: datetime.date, *, full: bool = False) -> int:
    """Active units by kind, for every unit with units below it; skipped when no unit changed since."""
    roots = OrgUnit.objects.filter(parent__isnull=True)
    # the tree's mark before the units are read: a change that commits while they are counted leaves a larger
    # mark than the rows get, so the pages count live until the next recount rather than read a count without it
    mark = _tree_mark()
    if not full and _tree_is_current(today, mark):
        return 0
    units = OrgUnit.objects.filter(is_active=True).annotate(key=F("path")).values_list("key", "kind")
    ordered = units.order_by(Collate("key", "C" if connection.vendor == "postgresql" else "BINARY"))
    rows = ((path, _map_fold("units", kind, 1)) for path, kind in ordered.iterator(chunk_size=CHUNK))
    return _write_tree(roots, rows, today, mark)


def _tree_mark() -> int:
    return TreeMark.objects.filter(pk=1).values_list("seq", flat=True).first() or 0


def _tree_is_current(today: datetime.date, mark: int) -> bool:
    """Counted today, after the last change of any unit, at the tree's mark of now, and over as many units as
    there are now."""
    counted = SubtreeTally.objects.filter(campaign__isnull=True, unit__parent__isnull=True)
    oldest = counted.order_by("counted_at").values_list("counted_at", "as_of", "marks").first()
    if oldest is None or oldest[1] != today or oldest[2] != mark:
        return False
    changed = OrgUnit.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    active = OrgUnit.objects.filter(is_active=True).count()
    return changed is not None and changed < oldest[0] and active == sum(sum(units.values()) for units in
                                                                         counted.values_list("units", flat=True))


@transaction.atomic
def _write_tree(roots, rows: Iterable[tuple[str, Fold]], today: datetime.date, mark: int) -> int:
    """Swap the tree's tallies in one transaction; the roots' lock serializes two refreshes that overlap."""
    list(roots.select_for_update())
    counted_at = timezone.now()
    SubtreeTally.objects.filter(campaign__isnull=True).delete()
    emitted: list[tuple[str, _Sum]] = []
    writer, written = BulkWriter(), 0

    def flush() -> int:
        unit_ids = dict(OrgUnit.objects.filter(path__in=[path for path, _total in emitted]).values_list("path", "pk"))
        records = [total.record(unit_ids[path], campaign_id=None, counted_at=counted_at, today=today, marks=mark)
                   for path, total in emitted if path in unit_ids]
        emitted.clear()
        return writer.write(SubtreeTally, FIELDS, records)

    def emit(path: str, total: _Sum) -> None:
        nonlocal written
        emitted.append((path, total))
        if len(emitted) >= CHUNK:
            written += flush()

    _roll_up_sorted(rows, "", emit)
    return written + (flush() if emitted else 0)
