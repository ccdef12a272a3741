"""The recount after a new results period, through a real Redis and a real worker process."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from jobs.models import Job, JobStatus
from ledger.models import LedgerFigures
from reviews.selectors.results import policy_of
from tests.celery_worker import celery_worker, live_broker, redis_server, wait_until  # noqa: F401
from tests.factories import ledger_of, make_campaign, make_item, make_problem

from .conftest import DEADLINE, note, ready

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("live_broker")
def test_the_worker_counts_the_figures_under_the_new_period(client, tree, users):
    campaign = make_campaign(tree.root, actor=users["org"], results_deadline=DEADLINE)
    ledger = ready(ledger_of(campaign, tree.b1))
    note(make_item(make_problem(ledger), ongoing=True), DEADLINE - datetime.timedelta(days=40), users["secretary"])
    assert not LedgerFigures.objects.get(pk=ledger.pk).in_place

    client.force_login(users["org"])
    response = client.post(reverse("reviews:policy_edit", args=[campaign.pk]),
                           {"progress_period_days": 60, "advanced_min_stars": 4, "middle_min_stars": 3})
    assert response.status_code == 302
    job_id = policy_of(campaign).recount_job_id
    wait_until(lambda: Job.objects.get(pk=job_id).status == JobStatus.DONE, timeout=30)
    assert Job.objects.get(pk=job_id).progress == 100
    assert LedgerFigures.objects.get(pk=ledger.pk).in_place
    page = client.get(reverse("reviews:results", args=[campaign.pk])).content.decode()
    assert "recount-notice" not in page  # the figures are current: no notice
