"""`python manage.py send_messengers`: send the group robots' due messages and retries, for cron in the embedded
setup (with a worker, beat does this every minute)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from notifications.messengers import deliveries_send


class Command(BaseCommand):
    help = "Send the group robot messages (企业微信, 钉钉) that are due, retries included."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"sent: {deliveries_send()}")
