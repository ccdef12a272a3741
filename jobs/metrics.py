"""Prometheus figures read from the database at each scrape, so they are right whichever process did the work
(the web, the worker, beat): jobs by status, the job outbox, heartbeats and the reminder sweep's counters."""

from __future__ import annotations

import logging

from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from jobs.models import Job, JobStatus, OutboxEntry, Pulse

log = logging.getLogger(__name__)

HEARTBEATS = ("worker", "beat")
COUNTERS = {
    "reminder_sweeps": "Reminder sweeps run",
    "reminders_sent": "Notifications the reminder sweeps created",
}


class JobsCollector:
    def describe(self):
        """The names without reading the database (registering would otherwise run collect() at start-up)."""
        yield GaugeMetricFamily("zhenggai_jobs", "Background jobs by status", labels=["status"])
        yield GaugeMetricFamily("zhenggai_job_outbox_pending", "Jobs waiting to be handed to the broker")
        yield GaugeMetricFamily("zhenggai_heartbeat_age_seconds", "Seconds since the worker / beat last noted",
                                labels=["process"])
        for name, documentation in COUNTERS.items():
            yield CounterMetricFamily(f"zhenggai_{name}", documentation)

    def collect(self):
        try:
            counts = dict(Job.objects.order_by().values_list("status").annotate(n=Count("id")))
            outbox = OutboxEntry.objects.filter(sent_at__isnull=True).count()
            pulses = {pulse.name: pulse for pulse in Pulse.objects.all()}
        except Exception:  # the database being down is /health/'s news; the request metrics still answer
            log.exception("job metrics could not be read")
            return
        jobs = GaugeMetricFamily("zhenggai_jobs", "Background jobs by status", labels=["status"])
        for status in JobStatus.values:
            jobs.add_metric([status], counts.get(status, 0))
        yield jobs
        yield GaugeMetricFamily("zhenggai_job_outbox_pending", "Jobs waiting to be handed to the broker", value=outbox)
        ages = GaugeMetricFamily("zhenggai_heartbeat_age_seconds", "Seconds since the worker / beat last noted",
                                 labels=["process"])
        now = timezone.now()
        for name in HEARTBEATS:
            if name in pulses:
                ages.add_metric([name], (now - pulses[name].at).total_seconds())
        yield ages
        for name, documentation in COUNTERS.items():
            pulse = pulses.get(name)
            yield CounterMetricFamily(f"zhenggai_{name}", documentation, value=pulse.total if pulse else 0)
