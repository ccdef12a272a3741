"""Which campaigns a viewer sees: the one rule (`branches.selectors.issued_condition`) applied to campaigns.

Every page, job and list that offers or opens a campaign asks here: the home page and the campaign pages,
the campaign's ledger list, results, dashboards and ratings, and the supervision form.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from branches.selectors import Scope, issued_condition
from ledger.models import Campaign, CampaignStatus

RELEASED = ~Q(status=CampaignStatus.DRAFT)  # published or closed: it has reached the units below its issuer


def campaigns_visible(scope: Scope, *, drafts: bool = True) -> QuerySet[Campaign]:
    """Campaigns issued inside the viewer's subtree (drafts too, unless `drafts` is False) and the published or
    closed ones issued above it."""
    campaigns = Campaign.objects.filter(issued_condition(scope, released=RELEASED))
    return campaigns if drafts else campaigns.filter(RELEASED)


def campaign_visible_get(scope: Scope, pk: int) -> Campaign:
    """The campaign if the viewer sees it (`campaigns_visible`); 404 otherwise, as for anything out of scope."""
    campaign = campaigns_visible(scope).select_related("issuer").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign
