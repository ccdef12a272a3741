"""`python manage.py send_reminders [--date YYYY-MM-DD]`: the daily sweep, for cron in the embedded setup."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from notifications.services import reminders_send


class Command(BaseCommand):
    help = "Send the reminders due today (Asia/Shanghai) or on --date; running it again sends nothing twice."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: today in the configured time zone)")

    def handle(self, *args, **options) -> None:
        today = None
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}") from exc
        sent = reminders_send(today=today)
        for name, count in sent.items():
            self.stdout.write(f"{name}: {count}")
