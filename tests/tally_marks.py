"""The change marks of the tally recount (`ledger.models.TallyMark`), as the tests read them."""

from __future__ import annotations

from ledger.models import TallyMark


def marks_sum(campaign) -> int:
    """Every mark of the campaign added up: it grows with every change the tallies count."""
    return sum(TallyMark.objects.filter(campaign=campaign).values_list("seq", flat=True))
