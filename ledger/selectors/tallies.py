"""Reading the background subtree tallies (`ledger.models.SubtreeTally`, counted by `reviews.tallies`).

Big subtrees (a county, a city, the province) read these instead of counting up to a million rows at every
page (README "Performance"); a tally too small or too old is ignored and the page counts live.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from branches.models import OrgUnit
from branches.selectors import Scope, outermost_grants
from ledger.models import Campaign, SubtreeTally


def fresh_tallies(*, campaign_ids: list[int | None], units: list[OrgUnit],
                  today: datetime.date) -> dict[tuple[int | None, int], SubtreeTally]:
    """The background counts of these units' subtrees (campaign None: the tree's own) that are big enough to
    need one and fresh enough to trust: counted for today, within TALLY_MAX_AGE_MINUTES, over TALLY_MIN_LEDGERS
    ledgers (units, for the tree). One query."""
    fresh_since = timezone.now() - datetime.timedelta(minutes=settings.TALLY_MAX_AGE_MINUTES)
    in_campaigns = Q(campaign_id__in=[pk for pk in campaign_ids if pk is not None])
    if None in campaign_ids:
        in_campaigns |= Q(campaign__isnull=True)
    tallies = SubtreeTally.objects.filter(in_campaigns, unit__in=units, as_of=today, counted_at__gte=fresh_since)
    return {(tally.campaign_id, tally.unit_id): tally for tally in tallies
            if (tally.ledgers if tally.campaign_id else sum(tally.units.values())) >= settings.TALLY_MIN_LEDGERS}


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
