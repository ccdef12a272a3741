from __future__ import annotations

from celery import shared_task


@shared_task(name="reviews.refresh_tallies")
def refresh_tallies() -> dict[str, int]:
    """Recount the subtree tallies (beat, every TALLY_REFRESH_MINUTES)."""
    from reviews.tallies import tallies_refresh

    return tallies_refresh()
