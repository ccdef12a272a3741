"""A new results period is saved at once; the campaign's stored 整改到位 is counted again by a background job, and
until it is done the pages reading it count live (the results page) or say so (the ledger list's filter)."""

from __future__ import annotations

import datetime

from django.urls import reverse

from jobs.models import Job, JobStatus
from jobs.services import job_run
from ledger.models import LedgerFigures
from reviews import services
from reviews.selectors.results import policy_of
from tests.factories import make_item, make_problem

from .conftest import DEADLINE, note

RECOUNTING = "正在后台按新规则重新统计"


def stored_in_place(ledger) -> bool:
    return LedgerFigures.objects.get(pk=ledger.pk).in_place


def with_stale_ongoing_item(ledger, users):
    """b1 is accepted and answered; its ongoing measure's last progress is 40 days before the deadline: not in
    place under the default 30-day period, in place under 60 days."""
    note(make_item(make_problem(ledger), ongoing=True), DEADLINE - datetime.timedelta(days=40), users["secretary"])
    assert not stored_in_place(ledger)


def post_policy(client, campaign, days, advanced=4):
    return client.post(reverse("reviews:policy_edit", args=[campaign.pk]),
                       {"progress_period_days": days, "advanced_min_stars": advanced, "middle_min_stars": 3})


def b1_row(client, campaign, ledger):
    response = client.get(reverse("reviews:results", args=[campaign.pk]))
    return response, next(row for row in response.context["rows"] if row["ledger"].pk == ledger.pk)


def test_a_new_period_is_saved_at_once_and_the_figures_are_counted_by_a_job(
        client, campaign, b1_ledger, users, django_capture_on_commit_callbacks):
    with_stale_ongoing_item(b1_ledger, users)
    client.force_login(users["org"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_policy(client, campaign, 60)
    assert response.status_code == 302
    policy = policy_of(campaign)
    assert policy.progress_period_days == 60  # the rule is saved by the request
    assert policy.recount_job.status == JobStatus.QUEUED and policy.recount_job.owner == users["org"]
    assert not stored_in_place(b1_ledger)  # the stored verdict is still the old rule's…

    response, row = b1_row(client, campaign, b1_ledger)
    assert row["result"].in_place  # …and the results page does not show it: the page's rows are counted live
    assert RECOUNTING in response.content.decode() and "本页各行按新规则现场计算" in response.content.decode()
    assert "recount-notice" in response.content.decode()
    listed = client.get(reverse("reviews:ledger_list", args=[campaign.pk]), {"state": "in_place"})
    assert "仍是修改规则前的统计" in listed.content.decode()  # the filter by the stored verdict says so

    for callback in callbacks:  # the job, as the worker runs it
        callback()
    job = Job.objects.get(pk=policy.recount_job_id)
    assert job.status == JobStatus.DONE and job.progress == 100
    assert stored_in_place(b1_ledger)
    response, row = b1_row(client, campaign, b1_ledger)
    assert row["result"].in_place and "recount-notice" not in response.content.decode()
    listed = client.get(reverse("reviews:ledger_list", args=[campaign.pk]), {"state": "in_place"})
    assert b1_ledger.pk in [ledger.pk for ledger in listed.context["page"]]
    assert "修改规则前的统计" not in listed.content.decode()


def test_the_tiers_alone_count_nothing_again(client, campaign, b1_ledger, users):
    client.force_login(users["org"])
    response = post_policy(client, campaign, 30, advanced=5)
    assert policy_of(campaign).advanced_min_stars == 5 and policy_of(campaign).recount_job is None
    assert not Job.objects.exists()
    page = client.get(response.url).content.decode()
    assert "结果运用规则已保存。" in page and "recount-notice" not in page


def test_a_job_superseded_by_a_later_change_leaves_the_count_to_the_later_one(campaign, b1_ledger, users):
    with_stale_ongoing_item(b1_ledger, users)
    first = services.policy_set(actor=users["org"], campaign=campaign, progress_period_days=60,
                                advanced_min_stars=4, middle_min_stars=3).recount_job
    second = services.policy_set(actor=users["org"], campaign=campaign, progress_period_days=50,
                                 advanced_min_stars=4, middle_min_stars=3).recount_job
    assert first.pk != second.pk
    job_run(job_id=first.pk)
    assert "由之后的任务重新统计" in Job.objects.get(pk=first.pk).result.read().decode()
    assert not stored_in_place(b1_ledger)
    job_run(job_id=second.pk)
    assert stored_in_place(b1_ledger)


def test_a_failed_recount_is_said_and_the_page_still_counts_live(client, campaign, b1_ledger, users):
    with_stale_ongoing_item(b1_ledger, users)
    policy = services.policy_set(actor=users["org"], campaign=campaign, progress_period_days=60,
                                 advanced_min_stars=4, middle_min_stars=3)
    Job.objects.filter(pk=policy.recount_job_id).update(status=JobStatus.FAILED)
    client.force_login(users["org"])
    response, row = b1_row(client, campaign, b1_ledger)
    assert row["result"].in_place
    assert "后台任务失败" in response.content.decode()
    assert reverse("jobs:job_detail", args=[policy.recount_job_id]) in response.content.decode()


def test_the_rating_form_and_the_record_count_live_while_the_recount_is_pending(client, campaign, b1_ledger, tree,
                                                                              users):
    """The rating page's result box and the unit's record read the stored verdicts, which are the old rule's
    until the job ends: meanwhile they count live, as the results page does."""
    with_stale_ongoing_item(b1_ledger, users)
    client.force_login(users["org"])
    rating = client.get(reverse("reviews:rating_edit", args=[campaign.pk, tree.b1.pk]))
    record = client.get(reverse("reviews:unit_record", args=[tree.b1.pk]))
    assert not rating.context["result"].in_place
    assert not next(row for row in record.context["record"].campaigns if row.ledger_id == b1_ledger.pk).in_place

    services.policy_set(actor=users["org"], campaign=campaign, progress_period_days=60,
                        advanced_min_stars=4, middle_min_stars=3)
    assert not stored_in_place(b1_ledger)  # the job has not run
    rating = client.get(reverse("reviews:rating_edit", args=[campaign.pk, tree.b1.pk]))
    record = client.get(reverse("reviews:unit_record", args=[tree.b1.pk]))
    assert rating.context["result"].in_place
    assert next(row for row in record.context["record"].campaigns if row.ledger_id == b1_ledger.pk).in_place
