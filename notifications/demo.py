"""Demo reminders: the sweep for the day of seeding, so the bell shows what a newcomer's week holds.

The current campaign (`ledger.demo`) is dated around that day: measures due in the next days remind their
responsible people and secretaries, overdue ones give the branches a digest (and the general branches one
when a week late), a general branch whose situation report is not signed is told its deadline is near.
Running seed_demo again the same day sends nothing twice (every reminder is in ReminderLog); on a later day it
sends that day's reminders, as the daily sweep (beat or cron) would.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from notifications.services import reminders_send


def seed_notifications(root, today: datetime.date | None = None) -> None:
    reminders_send(today=today or timezone.localdate())
