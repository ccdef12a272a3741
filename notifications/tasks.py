from __future__ import annotations

import datetime

from celery import shared_task


@shared_task(name="notifications.send_reminders")
def send_reminders(today: str | None = None) -> dict[str, int]:
    """The daily sweep (beat, 08:00 Asia/Shanghai). `today` as YYYY-MM-DD, default the local date."""
    from notifications.services import reminders_send

    return reminders_send(today=datetime.date.fromisoformat(today) if today else None)


@shared_task(name="notifications.send_messengers")
def send_messengers(delivery_ids: list[int] | None = None) -> int:
    """Send due robot messages (企业微信, 钉钉): right after they are queued, and from beat every minute for
    the retries and for what waited while the broker was down."""
    from notifications.messengers import deliveries_send

    return deliveries_send(delivery_ids=delivery_ids)
