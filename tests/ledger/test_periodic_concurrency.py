"""Two people of one branch submitting the same period's report at the same moment: one report, submitted once."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from ledger.models import PeriodicReport, PeriodicReportEvent, ReportPeriod
from ledger.services.periodic import periodic_report_submit, report_cycle_set
from tests.concurrency import run_together
from tests.factories import ledger_of, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_first_submissions_make_one_report(tree, users):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks)")
    campaign = make_campaign(tree.root, actor=users["org"])
    report_cycle_set(actor=users["org"], campaign=campaign, frequency="quarterly", starts_on=datetime.date(2022, 1, 1),
                     ends_on=datetime.date(2022, 12, 31))
    period = ReportPeriod.objects.filter(cycle__campaign=campaign).order_by("due_on").first()
    ledger = ledger_of(campaign, tree.b1)
    people = iter([users["secretary"], users["member"]])

    results, errors = run_together(lambda: periodic_report_submit(
        actor=next(people), ledger=ledger, period=period, work_done="本季度整改进展"))

    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError) and errors[0].messages == ["本期报告已报送，不能再修改。"]
    assert PeriodicReport.objects.count() == 1 and PeriodicReportEvent.objects.count() == 1
