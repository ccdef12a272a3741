from __future__ import annotations

import datetime

from celery import shared_task


@shared_task(name="notifications.send_reminders")
def send_reminders(today: str | None = None) -> dict[str, int]:
    """The daily sweep (beat, 08:00 Asia/Shanghai). `today` as YYYY-MM-DD, default the local date."""
    from notifications.services import reminders_send

    return reminders_send(today=datetime.date.fromisoformat(today) if today else None)
