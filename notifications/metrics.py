"""Prometheus figures of the group robots' outbox, read from the database at each scrape."""

from __future__ import annotations

import logging

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from notifications.models import DeliveryStatus, MessengerDelivery

log = logging.getLogger(__name__)


class MessengerCollector:
    def describe(self):
        """The name without reading the database (registering would otherwise run collect() at start-up)."""
        yield GaugeMetricFamily("zhenggai_messenger_deliveries", "Group robot messages by status", labels=["status"])

    def collect(self):
        try:
            counts = dict(MessengerDelivery.objects.order_by().values_list("status").annotate(n=Count("id")))
        except Exception:
            log.exception("robot message metrics could not be read")
            return
        family = GaugeMetricFamily("zhenggai_messenger_deliveries", "Group robot messages by status",
                                   labels=["status"])
        for status in DeliveryStatus.values:
            family.add_metric([status], counts.get(status, 0))
        yield family
