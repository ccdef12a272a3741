"""The home page: each person's own work, one section per kind of role they hold."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from branches.models import UnitKind
from branches.selectors import assignments_of
from ledger.models import LedgerStatus
from ledger.navigation import menu_for
from ledger.selectors.setup import home_data


@login_required
def home(request: HttpRequest) -> HttpResponse:
    data = home_data(request.user)
    campaign_rows = [
        (campaign, [(LedgerStatus(s).label, n) for s, n in data.campaign_counts.get(campaign.pk, {}).items()])
        for campaign in data.campaigns
    ]
    # A kind the subtree has none of is left out: a county's tree without general branches never reads 党总支 0.
    tree_counts = [(UnitKind(kind).label, n) for kind, n in data.tree_counts.items() if n]
    return render(request, "home.html", {
        "assignments": assignments_of(request.user), "data": data, "campaign_rows": campaign_rows,
        "tree_counts": tree_counts,
        # the menu's link to the branch's ledger from the ledgers loaded above, not one more query
        "menu": menu_for(request.user, open_ledger_ids=[ledger.pk for ledger in data.my_ledgers]),
    })
