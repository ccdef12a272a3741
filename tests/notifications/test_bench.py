"""The reminder sweep at the design scale: 1,000,000 items in 100,000 branches (run alone: -m bench -s).

Data goes in with generate_series (PostgreSQL only). Deadlines spread over 2022, 40 % of items still
open: on 28 October about 100,000 branches have overdue items, so the first sweep writes a digest per
branch plus the escalations; the second sweep must find everything already sent.
"""

from __future__ import annotations

import datetime
import time

import pytest
from django.db import connection

from branches.models import UnitKind
from notifications.models import Notification, ReminderLog
from notifications.services import reminders_send
from tests.conftest import make_unit
from tests.factories import make_campaign

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

GENERAL_BRANCHES = 1_000
BRANCHES_PER_GB = 100
ITEMS_PER_BRANCH = 10
BASE = 10_000_000  # ids far above anything the ORM created


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def build(root) -> None:
    gbs, branches = GENERAL_BRANCHES, GENERAL_BRANCHES * BRANCHES_PER_GB
    common = "'', 0, 0, 0, NULL, 3, true, now(), now()"
    _sql(f"""INSERT INTO branches_orgunit (id, kind, code, name, path, depth, secretary_name, full_members,
             probationary_members, committee_members, committee_elected_on, committee_term_years, is_active,
             created_at, updated_at, parent_id)
             SELECT {BASE} + g, 'general_branch', 'BG' || g, '总支' || g, %s || ({BASE} + g) || '/', 1, {common}, %s
             FROM generate_series(1, {gbs}) g""", [root.path, root.pk])
    _sql(f"""INSERT INTO branches_orgunit (id, kind, code, name, path, depth, secretary_name, full_members,
             probationary_members, committee_members, committee_elected_on, committee_term_years, is_active,
             created_at, updated_at, parent_id)
             SELECT {BASE * 2} + b, 'branch', 'BB' || b, '支部' || b,
                    %s || ({BASE} + 1 + (b - 1) / {BRANCHES_PER_GB}) || '/' || ({BASE * 2} + b) || '/', 2,
                    '', 9, 0, 3, DATE '2019-11-01' + (b %% 700), 3, true, now(), now(),
                    {BASE} + 1 + (b - 1) / {BRANCHES_PER_GB}
             FROM generate_series(1, {branches}) b""", [root.path])
    _sql(f"""INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,
             is_active, date_joined)
             SELECT {BASE} + u, '!', false, 'bench' || u, '', '', '', false, true, now()
             FROM generate_series(1, {branches + gbs}) u""")
    _sql(f"""INSERT INTO branches_roleassignment (role, created_at, unit_id, user_id)
             SELECT 'branch_secretary', now(), {BASE * 2} + b, {BASE} + b FROM generate_series(1, {branches}) b""")
    _sql(f"""INSERT INTO branches_roleassignment (role, created_at, unit_id, user_id)
             SELECT 'general_branch_staff', now(), {BASE} + g, {BASE} + {branches} + g
             FROM generate_series(1, {gbs}) g""")


def fill(campaign) -> None:
    category_id = campaign.template.categories.first().pk
    _sql("""INSERT INTO ledger_problem (unit_path, number, description, source, nature, status, version, created_at,
            updated_at, ledger_id, category_id)
            SELECT unit_path, 1, '问题', 'self_check', 'individual', 'active', 1, now(), now(), id, %s
            FROM ledger_ledger WHERE campaign_id = %s""", [category_id, campaign.pk])
    _sql(f"""INSERT INTO ledger_rectificationitem (unit_path, number, measure, is_ongoing, deadline, responsible_name,
             responsible_leader, responsible_unit, status, closed_at, version, created_at, updated_at, ledger_id,
             problem_id, responsible_user_id)
             SELECT p.unit_path, n, '措施', false, DATE '2022-01-01' + ((p.id * 7 + n * 37) %% 365), '张三', '', '',
                    CASE WHEN (p.id + n) %% 5 < 2 THEN 'in_progress' ELSE 'closed' END,
                    CASE WHEN (p.id + n) %% 5 < 2 THEN NULL ELSE now() END, 1, now(), now(), p.ledger_id, p.id, NULL
             FROM ledger_problem p CROSS JOIN generate_series(1, {ITEMS_PER_BRANCH}) n
             WHERE p.ledger_id IN (SELECT id FROM ledger_ledger WHERE campaign_id = %s)""", [campaign.pk])
    _sql("ANALYZE")


def test_sweep_over_a_million_items(django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    root = make_unit(None, UnitKind.COMMITTEE, "BENCH", "基准党委")
    started = time.monotonic()
    build(root)
    campaign = make_campaign(root)
    fill(campaign)
    items = campaign.ledgers.model.objects.filter(campaign=campaign).count()
    print(f"\nbuilt {items} ledgers and the items in {time.monotonic() - started:.1f} s")

    today = datetime.date(2022, 10, 28)
    started = time.monotonic()
    first = reminders_send(today=today)
    first_seconds = time.monotonic() - started
    started = time.monotonic()
    second = reminders_send(today=today)
    second_seconds = time.monotonic() - started

    print(f"first sweep {first_seconds:.1f} s: {first}")
    print(f"second sweep {second_seconds:.1f} s: {second}")
    assert set(second.values()) == {0}
    assert Notification.objects.count() == ReminderLog.objects.count() == sum(first.values())
    assert first_seconds < 60 and second_seconds < 60
