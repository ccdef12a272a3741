"""No page matches a subtree with a LIKE pattern built from another row's column (issue 15).

`ledger.unit_path LIKE outer.path || '%'` is a pattern no index can serve: at 300k units the report overview ran
one such statement for 458 s. A subtree condition must be a constant prefix, a range or a join on the unit's own
row. Every GET page of the authorization walk is requested by the staff accounts, and each SQL statement checked.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import outside_a_running_loop
from tests.security.test_authorization_walk import (
    RULES,
    SKIP_WHEN_LOGGED_IN,
    World,
    cases,
    reverse_rule,
)

pytestmark = pytest.mark.django_db

# `LIKE` followed by anything but a constant (a quoted literal, or one wrapped in UPPER for icontains):
# a column, a REPLACE(column, …) escaping it, a concatenation `col || '%'`.
ROW_BUILT_PATTERN = re.compile(r"\bLIKE\s+(?!'|UPPER\s*\(\s*'|%s)", re.IGNORECASE)


def row_built_patterns(sql_statements: list[str]) -> list[str]:
    return [sql for sql in sql_statements if ROW_BUILT_PATTERN.search(sql)]


def test_the_pattern_check_recognises_the_old_statement():
    old = ('SELECT 1 FROM "ledger_ledger" U0 WHERE U0."unit_path"::text LIKE '
           '(REPLACE(REPLACE(REPLACE(("branches_orgunit"."path"), E\'\\\\\', E\'\\\\\\\\\'), E\'%\', E\'\\\\%\'), '
           'E\'_\', E\'\\\\_\') || \'%\')')
    assert row_built_patterns([old]) == [old]
    assert row_built_patterns(['SELECT 1 WHERE "ledger_ledger"."unit_path"::text LIKE \'1/5/%\'']) == []


@pytest.fixture
def world(tree, users, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    return World(tree, users)


@pytest.mark.parametrize("user", ["org", "gb_staff"])
def test_no_page_matches_a_subtree_by_a_pattern_built_from_a_column(world, user):
    client = Client()
    client.force_login(world.users[user])
    found = []
    for name, site in cases():
        if name in SKIP_WHEN_LOGGED_IN:
            continue
        url = reverse_rule(name, RULES[name], world, site)
        with CaptureQueriesContext(connection) as captured, outside_a_running_loop():  # /health/ is an async view
            client.get(url)
        found += [f"{url}: {sql}" for sql in row_built_patterns([q["sql"] for q in captured.captured_queries])]
    assert found == [], "\n\n".join(["", *found])
