"""Demo reminders: the sweep for one fixed day of the Weifang campaign, so the bell shows something.

28 October 2022 is inside the campaign: the rectification phase ends in three days, several measures
are due on the 31st and some (due on the 20th) are overdue long enough to reach the general branches.
Committee terms in the demo tree are dated relative to the real today, so they are swept for today.
Running seed_demo again sends nothing twice: every reminder is already in ReminderLog.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from notifications.services import reminders_send

DEMO_TODAY = datetime.date(2022, 10, 28)


def seed_notifications(root) -> None:
    reminders_send(today=DEMO_TODAY, kinds=["items_due_soon", "items_overdue", "phase_deadlines", "report_deadlines"])
    reminders_send(today=timezone.localdate(), kinds=["committee_terms"])
