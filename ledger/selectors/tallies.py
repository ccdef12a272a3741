"""Reading the background subtree tallies (`ledger.models.SubtreeTally`, counted by `reviews.tallies`).

Big subtrees (a county, a city, the province) read these instead of counting up to a million rows at every
page (README "Performance"); a tally too small is ignored and the page counts live. A tally older than
TALLY_MAX_AGE_MINUTES is still read when the change marks (`TallyMark`) say nothing below it changed since. The
tree's own tallies (units by kind) are read, whatever their age, exactly while the tree's mark (`TreeMark`) has not
moved since they were counted: units change rarely, and counting them live reads the whole subtree (300k units).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from branches.models import PATH_SEPARATOR, OrgUnit, TreeMark
from branches.selectors import Scope, outermost_grants
from config.lists import Total
from ledger.models import Campaign, Ledger, SubtreeTally, TallyMark

BLOCK_LEVELS = 2  # a block's top unit is this many levels under the issuer (a province's counties)
WHOLE_CAMPAIGN = ""  # the mark over every block


def block_path(*, issuer_path: str, unit_path: str) -> str:
    """The top unit of the block `unit_path` lies in: '1/' issuing, '1/5/23/77/' → '1/5/23/'; a unit less deep
    is its own block."""
    parts = [part for part in unit_path.split(PATH_SEPARATOR) if part]
    depth = issuer_path.count(PATH_SEPARATOR) + BLOCK_LEVELS
    return PATH_SEPARATOR.join(parts[:depth]) + PATH_SEPARATOR


def marks_over(marks: dict[str, int], *, issuer_path: str, unit_path: str) -> int:
    """The sum of the marks a tally of `unit_path` depends on: the blocks inside its subtree, the block it lies
    in, and the whole campaign's. Marks only grow, so an unchanged sum means none of them moved."""
    own_block = block_path(issuer_path=issuer_path, unit_path=unit_path)
    return sum(seq for path, seq in marks.items()
               if path == WHOLE_CAMPAIGN or path == own_block or path.startswith(unit_path))


def campaign_marks(campaign_ids) -> dict[int, dict[str, int]]:
    """campaign id → {block path: mark}, one query."""
    marks: dict[int, dict[str, int]] = {pk: {} for pk in campaign_ids}
    for campaign_id, path, seq in TallyMark.objects.filter(campaign_id__in=campaign_ids).values_list(
            "campaign_id", "path", "seq"):
        marks[campaign_id][path] = seq
    return marks


def fresh_tallies(*, campaign_ids: list[int | None], units: list[OrgUnit],
                  today: datetime.date) -> dict[tuple[int | None, int], SubtreeTally]:
    """The background counts of these units' subtrees (campaign None: the tree's own) that are big enough to
    need one and fresh enough to trust: counted for today, over TALLY_MIN_LEDGERS ledgers (units, for the
    tree), and either within TALLY_MAX_AGE_MINUTES or, for a campaign, unchanged since (the marks say). One
    query, and two more only when a tally is older than that."""
    return tallies_of_today(campaign_ids=campaign_ids, units=units, today=today)[0]


TallyMap = dict[tuple[int | None, int], SubtreeTally]


def tallies_of_today(*, campaign_ids: list[int | None], units: list[OrgUnit], today: datetime.date,
                     any_day: bool = False) -> tuple[TallyMap, TallyMap]:
    """(fresh, changed): the tallies `fresh_tallies` returns, and the big campaign tallies of today that are
    stale and whose subtree changed since (see `tally_parts`). `any_day`: for figures that do not depend on the
    day (ledgers by status), a tally counted on an earlier day is as good when nothing changed since. The tree's
    tallies (campaign None) are fresh exactly while the tree's mark equals theirs (read in the same query)."""
    fresh_since = timezone.now() - datetime.timedelta(minutes=settings.TALLY_MAX_AGE_MINUTES)
    in_campaigns = Q(campaign_id__in=[pk for pk in campaign_ids if pk is not None])
    if None in campaign_ids:
        in_campaigns |= Q(campaign__isnull=True)
    of_day = {} if any_day else {"as_of": today}
    rows = SubtreeTally.objects.filter(in_campaigns, unit__in=units, **of_day).annotate(
        tree_seq=Coalesce(Subquery(TreeMark.objects.filter(pk=1).values("seq")), 0))
    tallies = [tally for tally in rows
               if (tally.ledgers if tally.campaign_id else sum(tally.units.values())) >= settings.TALLY_MIN_LEDGERS]
    stale = [tally for tally in tallies if tally.counted_at < fresh_since]
    unchanged = _unchanged(stale, units) if stale else set()
    fresh, changed = {}, {}
    for tally in tallies:
        if tally.campaign_id is None:
            if tally.marks == tally.tree_seq:
                fresh[(None, tally.unit_id)] = tally
            continue
        usable = tally.counted_at >= fresh_since or tally.pk in unchanged
        (fresh if usable else changed)[(tally.campaign_id, tally.unit_id)] = tally
    return fresh, changed


def _unchanged(stale: list[SubtreeTally], units: list[OrgUnit]) -> set[int]:
    """The stale campaign tallies whose subtrees have not changed since they were counted."""
    campaign_ids = {tally.campaign_id for tally in stale if tally.campaign_id}
    if not campaign_ids:
        return set()
    issuers = dict(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", "issuer_path"))
    marks = campaign_marks(campaign_ids)
    paths = {unit.pk: unit.path for unit in units}
    return {tally.pk for tally in stale if tally.campaign_id and tally.marks == marks_over(
        marks[tally.campaign_id], issuer_path=issuers[tally.campaign_id], unit_path=paths[tally.unit_id])}


@dataclass
class TallyParts:
    """A big subtree whose tally is out of date, in parts: the stored rows of its blocks that did not change
    (`stored`), and what to count live: the blocks whose marks moved (`live_blocks`, whole subtrees) and the
    units above the blocks (`live_units`, their own ledgers only). Together they cover the subtree exactly once,
    so the page counts one changed county live instead of the whole province."""

    stored: list[SubtreeTally] = field(default_factory=list)
    live_blocks: list[str] = field(default_factory=list)
    live_units: list[str] = field(default_factory=list)

    def live_condition(self, path_field: str = "unit_path") -> Q:
        """The rows to count live, as a condition of constant path prefixes (index ranges)."""
        condition = Q(**{f"{path_field}__in": self.live_units})
        for path in self.live_blocks:
            condition |= Q(**{f"{path_field}__startswith": path})
        return condition

    @property
    def counted_at(self) -> datetime.datetime | None:
        """When the oldest stored part was counted (every figure is exact now: nothing in it changed since);
        None when everything was counted live."""
        return min((tally.counted_at for tally in self.stored), default=None)


STATUS_FIELDS = ("unit_id", "campaign_id", "counted_at", "as_of", "statuses", "marks")


def tally_parts(*, campaign: Campaign, unit: OrgUnit, today: datetime.date,
                any_day: bool = False, statuses_only: bool = False) -> TallyParts | None:
    """`unit`'s subtree as its blocks' stored rows plus what changed since they were counted, for a unit whose
    tally of today is stale and changed (`tallies_of_today`) and lies above the blocks (an issuer, a city);
    None for a changed county, which is its own block: count it live. Three queries, whatever the size."""
    block_depth = campaign.issuer_path.count(PATH_SEPARATOR) - 1 + BLOCK_LEVELS  # the root's depth is 0
    if unit.depth >= block_depth:
        return None
    of_day = {} if any_day else {"as_of": today}
    upper = list(_upper_units(unit, block_depth))
    # the blocks' rows by their units' keys (the unique index), not by joining every tally of the campaign
    blocks = [pk for pk, _path, depth, has_below in upper if depth == block_depth and has_below]
    rows = SubtreeTally.objects.filter(campaign=campaign, unit_id__in=blocks, **of_day)
    # `statuses_only`: a ledger count reads 160 rows at the province; not decoding their other JSON saves ~CPU
    rows = rows.only(*STATUS_FIELDS) if statuses_only else rows.select_related("unit")
    stored = {row.unit_id: row for row in rows}
    marks = campaign_marks([campaign.pk])[campaign.pk]
    parts = TallyParts()
    for pk, path, depth, has_below in upper:
        if depth < block_depth or not has_below:
            parts.live_units.append(path)
        elif pk in stored and stored[pk].marks == marks_over(marks, issuer_path=campaign.issuer_path,
                                                               unit_path=path):
            parts.stored.append(stored[pk])
        else:
            parts.live_blocks.append(path)
    return parts


def _upper_units(unit: OrgUnit, block_depth: int) -> QuerySet:
    """(pk, path, depth, has units below) of `unit`'s subtree down to the blocks' top units (along the index on
    depth and path: a few hundred entries, not the subtree's 300k units)."""
    return OrgUnit.objects.filter(depth__gte=unit.depth, depth__lte=block_depth, path__startswith=unit.path).annotate(
        has_below=Exists(OrgUnit.objects.filter(parent=OuterRef("pk")))).values_list("pk", "path", "depth",
                                                                                      "has_below")


def parts_statuses(parts: TallyParts, *, campaign: Campaign) -> dict[str, int]:
    """Ledger status → ledgers of the subtree in `parts`: the stored rows, plus one grouped count of the rest."""
    statuses: dict[str, int] = {}
    for tally in parts.stored:
        for status, n in tally.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    live = Ledger.objects.filter(parts.live_condition(), campaign=campaign)
    for status, n in live.order_by().values_list("status").annotate(n=Count("pk")):
        statuses[status] = statuses.get(status, 0) + n
    return statuses


def tallied_ledger_count(*, scope: Scope, campaign: Campaign, status: str = "") -> int | None:
    """How many of the campaign's ledgers (in `status`) the viewer sees, from fresh tallies of the subtrees they
    see; None when one of those subtrees has none (small, or not counted lately): count live then."""
    total = tallied_ledger_total(scope=scope, campaign=campaign, status=status)
    return total.n if total is not None else None


def tallied_ledger_total(*, scope: Scope, campaign: Campaign, status: str = "") -> Total | None:
    """`tallied_ledger_count` with when the stored part of it was counted, for the list's "截至 HH:MM" note
    (None when all of it was counted live now)."""
    found = _scope_statuses(scope=scope, campaign=campaign)
    if found is None:
        return None
    statuses, counted_at = found
    return Total(n=statuses.get(status, 0) if status else sum(statuses.values()), counted_at=counted_at)


def tallied_scope_statuses(*, scope: Scope, campaign: Campaign) -> dict[str, int] | None:
    """Ledger status → the campaign's ledgers the viewer sees, from the tallies of the subtrees they see (see
    `tallied_statuses`); None: count live."""
    found = _scope_statuses(scope=scope, campaign=campaign)
    return found[0] if found is not None else None


def _scope_statuses(*, scope: Scope, campaign: Campaign) -> tuple[dict[str, int], datetime.datetime | None] | None:
    grants = outermost_grants(scope.grants)
    if any(campaign.issuer_path.startswith(grant.path) for grant in grants):
        units = [campaign.issuer]
    else:
        units = [scope.units[grant.path] for grant in grants if grant.path.startswith(campaign.issuer_path)]
    return statuses_counted_at(campaign=campaign, units=units, today=timezone.localdate())


def tallied_statuses(*, campaign: Campaign, units: list[OrgUnit], today: datetime.date,
                     tallies: tuple[TallyMap, TallyMap] | None = None) -> dict[str, int] | None:
    """Ledger status → ledgers of the campaign in these units' subtrees, from their fresh tallies, or, where a
    big subtree changed since its tally, from its unchanged blocks' rows plus a live count of the changed ones;
    None when a subtree has no usable tally (small, or changed below a county): count live then. Statuses do
    not depend on the day: a tally of yesterday that nothing changed since is as good. `tallies`: what
    `tallies_of_today(any_day=True)` found for these units, when the caller has read it already."""
    found = statuses_counted_at(campaign=campaign, units=units, today=today, tallies=tallies)
    return found[0] if found is not None else None


def statuses_counted_at(*, campaign: Campaign, units: list[OrgUnit], today: datetime.date,
                        tallies: tuple[TallyMap, TallyMap] | None = None
                        ) -> tuple[dict[str, int], datetime.datetime | None] | None:
    """`tallied_statuses` and when the oldest stored row it read was counted (None: all counted live now)."""
    fresh, changed = tallies or tallies_of_today(campaign_ids=[campaign.pk], units=units, today=today,
                                                 any_day=True)
    statuses: dict[str, int] = {}
    counted: list[datetime.datetime] = []
    for unit in units:
        if (tally := fresh.get((campaign.pk, unit.pk))) is not None:
            found, at = tally.statuses, tally.counted_at
        elif (campaign.pk, unit.pk) in changed and (
                parts := tally_parts(campaign=campaign, unit=unit, today=today, any_day=True,
                                     statuses_only=True)) is not None:
            found, at = parts_statuses(parts, campaign=campaign), parts.counted_at
        else:
            return None
        counted += [at] if at is not None else []
        for key, n in found.items():
            statuses[key] = statuses.get(key, 0) + n
    return (statuses, min(counted, default=None)) if units else None


def usable_tally(*, campaign: Campaign, unit: OrgUnit, today: datetime.date) -> SubtreeTally | None:
    return fresh_tallies(campaign_ids=[campaign.pk], units=[unit], today=today).get((campaign.pk, unit.pk))


def tally_or_parts(*, campaign: Campaign, unit: OrgUnit,
                   today: datetime.date) -> tuple[SubtreeTally | None, TallyParts | None]:
    """The unit's usable tally, or else its parts when its tally changed since (`tally_parts`); (None, None):
    count live."""
    fresh, changed = tallies_of_today(campaign_ids=[campaign.pk], units=[unit], today=today)
    if (tally := fresh.get((campaign.pk, unit.pk))) is not None:
        return tally, None
    if (campaign.pk, unit.pk) in changed:
        return None, tally_parts(campaign=campaign, unit=unit, today=today)
    return None, None
