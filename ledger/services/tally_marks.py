"""Change marks for the tally recount (`ledger.models.TallyMark`, read by `reviews.tallies`).

Every change a tally counts bumps the counter of its block, inside the change's own transaction: one UPDATE
of one small row. Blocks are a campaign's units two levels under the issuer (a province's counties), so
changes in different counties never wait on each other's row, and the recount redoes only the changed ones.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from ledger.models import Campaign, TallyMark
from ledger.selectors.tallies import WHOLE_CAMPAIGN, block_path


def tally_mark_bump(*, campaign: Campaign | int, unit_path: str) -> None:
    """Mark the block of `unit_path` in `campaign` as changed. Call it inside the change's transaction."""
    if isinstance(campaign, Campaign):
        campaign_id, issuer_path = campaign.pk, campaign.issuer_path
    else:
        campaign_id = campaign
        issuer_path = Campaign.objects.values_list("issuer_path", flat=True).get(pk=campaign_id)
    _bump(campaign_id, block_path(issuer_path=issuer_path, unit_path=unit_path))


def tally_marks_bump_all(*, campaign: Campaign | int) -> None:
    """Mark the whole campaign as changed (bulk writes, a rule that every figure depends on): the mark of the
    path '' lies over every block."""
    _bump(campaign.pk if isinstance(campaign, Campaign) else campaign, WHOLE_CAMPAIGN)


def _bump(campaign_id: int, path: str) -> None:
    if TallyMark.objects.filter(campaign_id=campaign_id, path=path).update(seq=F("seq") + 1):
        return
    try:
        with transaction.atomic():  # a savepoint: another change may create the same mark at the same moment
            TallyMark.objects.create(campaign_id=campaign_id, path=path, seq=1)
    except IntegrityError:
        TallyMark.objects.filter(campaign_id=campaign_id, path=path).update(seq=F("seq") + 1)
