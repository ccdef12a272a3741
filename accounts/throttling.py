"""Two sign-in limits: failures of one user name from one address, and failures of any names from one address.

django-axes counts one set of lockout parameters against one limit. The pair limit (AXES_FAILURE_LIMIT,
5) stops guessing one account's password; spraying one common password over many accounts gives each
account a single failure, so the address also has its own, larger limit (LOGIN_ADDRESS_FAILURE_LIMIT, 20).
Axes still records, resets and reports by pair: a successful sign-in clears only its own pair's failures,
so a sprayer who also holds a real account cannot sign in between rounds to start the address's count again.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class AccountAndAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The pair's failures, or the pair limit itself once the address has reached its own limit.

        Axes locks when this reaches AXES_FAILURE_LIMIT, both when a failure is recorded and when a sign-in
        is checked, so the address limit locks everyone from that address, whatever name they type.
        """
        pair_failures = super().get_failures(request, credentials)
        if self.address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(pair_failures, get_failure_limit(request, credentials))
        return pair_failures

    @staticmethod
    def address_failures(request) -> int:
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
