"""The few objects some pages address that the generator does not make: a report cycle and one branch's report,
a survey (摸底排查) with an entry, a supervision record, a star rating, and one job per featured account.

Made once through the services (so they are what the app would store), found again on later runs.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jobs.models import Job
from ledger.models import ReportCycle
from reviews.models import StarRating, SupervisionKind, SupervisionRecord, Tier, TierSurvey

if TYPE_CHECKING:
    from scale.bench import Context


def bench_objects(ctx: Context) -> None:
    with transaction.atomic():
        ctx.period = _period(ctx)
        ctx.survey = _survey(ctx)
        ctx.supervision = _supervision(ctx)
        ctx.rating = _rating(ctx)
        ctx.jobs = {level: _job(user) for level, user in ctx.users.items()}


def _period(ctx: Context):
    """The campaign's current quarter (or its first), with the featured branch's report handed in."""
    from ledger.services.periodic import periodic_report_submit, report_cycle_set

    cycle = ReportCycle.objects.filter(campaign=ctx.campaign).first()
    if cycle is None:
        year = timezone.localdate().year
        cycle = report_cycle_set(actor=ctx.users["province"], campaign=ctx.campaign, frequency="quarterly",
                                 starts_on=datetime.date(year, 1, 1), ends_on=datetime.date(year, 12, 31))
        periods = cycle.periods.order_by("due_on")
        period = periods.filter(opens_on__lte=timezone.localdate()).last() or periods.first()
        try:
            periodic_report_submit(actor=ctx.users["branch"], ledger=ctx.ledger, period=period,
                                   work_done="本季度召开支委会两次，研究整改措施。")
        except ValidationError:
            pass  # a period not open yet: its page still shows, with nothing handed in
    periods = cycle.periods.order_by("due_on")
    return periods.filter(opens_on__lte=timezone.localdate()).last() or periods.first()


def _survey(ctx: Context) -> TierSurvey:
    from reviews import survey_services

    root, year = ctx.units["province"], timezone.localdate().year
    survey = TierSurvey.objects.filter(issuer=root, year=year).first()
    if survey is None:
        survey = survey_services.survey_create(actor=ctx.users["province"], issuer=root, year=year)
        for level, tier in (("branch", Tier.LAGGING), ("gb", Tier.ADVANCED)):
            survey_services.survey_classify(actor=ctx.users["province"], survey=survey, unit=ctx.units[level],
                                            tier=tier, reason="组织生活不经常")
    return survey


def _supervision(ctx: Context) -> SupervisionRecord:
    from reviews import services

    record = SupervisionRecord.objects.filter(author_unit=ctx.units["gb"]).order_by("pk").first()
    return record or services.supervision_create(
        actor=ctx.users["gb"], author_unit=ctx.units["gb"], kind=SupervisionKind.SITE_VISIT,
        date=timezone.localdate(), participants="组织员", visited_units=[ctx.units["branch"]],
        findings="会议记录不完整。", campaign=ctx.campaign)


def _rating(ctx: Context) -> StarRating:
    from reviews import services

    rating = StarRating.objects.filter(unit=ctx.units["branch"], year=ctx.campaign.year).first()
    return rating or services.rating_decide(actor=ctx.users["committee"], campaign=ctx.campaign,
                                            unit=ctx.units["branch"], stars=3, basis="整改基本到位。")


def _job(user) -> Job:
    job = Job.objects.filter(owner=user).order_by("pk").first()
    return job or Job.objects.create(owner=user, kind="ledger_export", title="导出台账", status="done",
                                     progress=100, finished_at=timezone.now())
