"""Reading the background subtree tallies (`ledger.models.SubtreeTally`, counted by `reviews.tallies`).

Big subtrees (a county, a city, the province) read these instead of counting up to a million rows at every
page (README "Performance"); a tally too small is ignored and the page counts live. A tally older than
TALLY_MAX_AGE_MINUTES is still read when the change marks (`TallyMark`) say nothing below it changed since.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from branches.models import PATH_SEPARATOR, OrgUnit
from branches.selectors import Scope, outermost_grants
from ledger.models import Campaign, SubtreeTally, TallyMark

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
    fresh_since = timezone.now() - datetime.timedelta(minutes=settings.TALLY_MAX_AGE_MINUTES)
    in_campaigns = Q(campaign_id__in=[pk for pk in campaign_ids if pk is not None])
    if None in campaign_ids:
        in_campaigns |= Q(campaign__isnull=True)
    tallies = [tally for tally in SubtreeTally.objects.filter(in_campaigns, unit__in=units, as_of=today)
               if (tally.ledgers if tally.campaign_id else sum(tally.units.values())) >= settings.TALLY_MIN_LEDGERS]
    stale = [tally for tally in tallies if tally.counted_at < fresh_since]
    unchanged = _unchanged(stale, units) if stale else set()
    return {(tally.campaign_id, tally.unit_id): tally for tally in tallies
            if tally.counted_at >= fresh_since or tally.pk in unchanged}


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


def tallied_ledger_count(*, scope: Scope, campaign: Campaign, status: str = "") -> int | None:
    """How many of the campaign's ledgers (in `status`) the viewer sees, from fresh tallies of the subtrees they
    see; None when one of those subtrees has none (small, or not counted lately): count live then."""
    grants = outermost_grants(scope.grants)
    if any(campaign.issuer_path.startswith(grant.path) for grant in grants):
        units = [campaign.issuer]
    else:
        units = [scope.units[grant.path] for grant in grants if grant.path.startswith(campaign.issuer_path)]
    tallies = fresh_tallies(campaign_ids=[campaign.pk], units=units, today=timezone.localdate())
    found = [tallies.get((campaign.pk, unit.pk)) for unit in units]
    if not units or not all(found):
        return None
    return sum(tally.statuses.get(status, 0) if status else tally.ledgers for tally in found)


def usable_tally(*, campaign: Campaign, unit: OrgUnit, today: datetime.date) -> SubtreeTally | None:
    return fresh_tallies(campaign_ids=[campaign.pk], units=[unit], today=today).get((campaign.pk, unit.pk))
