"""Shared fixtures: a small tree with two separate roots, and one account per role."""

from __future__ import annotations

import os
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections

from branches import services
from branches.models import OrgUnit, Role, UnitKind
from branches.selectors import SYSTEM


@dataclass
class Tree:
    root: OrgUnit  # the committee (党委)
    gb1: OrgUnit  # a general branch
    b1: OrgUnit  # a branch of gb1
    b2: OrgUnit  # its sibling
    gb2: OrgUnit  # another general branch under the same committee
    b3: OrgUnit  # a branch of gb2
    other_root: OrgUnit  # another committee, another tree
    other_gb: OrgUnit
    other_branch: OrgUnit


def make_unit(parent, kind, code, name=None, **fields) -> OrgUnit:
    return services.unit_create(actor=SYSTEM, parent=parent, kind=kind, code=code, name=name or code, **fields)


@pytest.fixture
def tree(db) -> Tree:
    return build_tree()


def build_tree() -> Tree:
    root = make_unit(None, UnitKind.COMMITTEE, "R", "学院党委")
    gb1 = make_unit(root, UnitKind.GENERAL_BRANCH, "G1", "第一党总支")
    gb2 = make_unit(root, UnitKind.GENERAL_BRANCH, "G2", "第二党总支")
    other_root = make_unit(None, UnitKind.COMMITTEE, "X", "另一党委")
    other_gb = make_unit(other_root, UnitKind.GENERAL_BRANCH, "XG", "另一党总支")
    return Tree(
        root=root,
        gb1=gb1,
        b1=make_unit(gb1, UnitKind.BRANCH, "B1", "第一党支部", full_members=9),
        b2=make_unit(gb1, UnitKind.BRANCH, "B2", "第二党支部", full_members=6),
        gb2=gb2,
        b3=make_unit(gb2, UnitKind.BRANCH, "B3", "第三党支部"),
        other_root=other_root,
        other_gb=other_gb,
        other_branch=make_unit(other_gb, UnitKind.BRANCH, "XB", "另一党支部"),
    )


def make_user(username: str, unit: OrgUnit | None = None, role: str | None = None):
    user = get_user_model().objects.create_user(username=username, password="pw-123456", first_name=username)
    if unit is not None:
        services.role_grant(actor=SYSTEM, user=user, unit=unit, role=role)
    return user


@pytest.fixture
def users(tree):
    """One account per role, each at the unit the role is normally held at."""
    return build_users(tree)


def build_users(tree: Tree) -> dict:
    return {
        "secretary": make_user("secretary", tree.b1, Role.BRANCH_SECRETARY),
        "member": make_user("member", tree.b1, Role.BRANCH_MEMBER),
        "gb_staff": make_user("gb_staff", tree.gb1, Role.GENERAL_BRANCH_STAFF),
        "org": make_user("org", tree.root, Role.ORG_DEPARTMENT),
        "inspector": make_user("inspector", tree.root, Role.INSPECTOR),
    }


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """One transaction around a whole test module, rolled back when the module ends: what a module-scoped fixture
    creates in it is made once and seen by each of the module's tests, each of which still runs in its own
    savepoint, rolled back after it (the `db` fixture) — Django's TestCase.setUpTestData for pytest. Each test
    takes a deep copy of the objects (as setUpTestData hands out), so what a test changes on them in memory (a
    cached scope, a field set before a refused save) stays in that test. Only for modules without transactional
    tests (their flush would run inside this transaction)."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def made_once_per_module(build_world):
    """The fixtures `made` (a copy per test), `tree` and `users` of a module whose tests share one tree, its
    accounts and `build_world(tree, users)`, made once in `module_db`: for matrices whose cells only read them or
    write in their own savepoint. Use as `made_once, made, tree, users = made_once_per_module(build_world)`."""
    import copy

    @pytest.fixture(scope="module")
    def made_once(module_db, django_db_blocker):
        with django_db_blocker.unblock():
            tree = build_tree()
            users = build_users(tree)
            return {"tree": tree, "users": users, "world": build_world(tree, users)}

    @pytest.fixture
    def made(made_once, db):
        return copy.deepcopy(made_once)

    @pytest.fixture
    def tree(made):
        return made["tree"]

    @pytest.fixture
    def users(made):
        return made["users"]

    return made_once, made, tree, users


@pytest.fixture(autouse=True)
def chinese_by_default(settings):
    """Every test starts in the default language: a test that switched a page to English leaves it behind otherwise
    (Django keeps the thread's active language after a request)."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def content_types_read_afresh():
    """A transactional test elsewhere in the same worker flushes and re-creates the content types with new ids; the
    cached ones would then point the admin's log (and anything else) at rows that are gone."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture
def content_types_as_migrated(django_db_setup, django_db_blocker):
    """Request it before `django_db_serialized_rollback`: that rollback inserts the content types with the ids
    `migrate` gave them, but a transactional test that ran earlier in this worker flushed the database and
    post_migrate re-created them with new ids, which the insert collides with. Emptied here (with what refers to
    them), the rollback's rows go back in whole."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE django_content_type CASCADE")


@contextmanager
def outside_a_running_loop():
    """The health endpoint is an async view (django-health-check gathers its checks): the test client runs it with
    async_to_sync, which refuses while an event loop runs in this thread — and the browser tests' session-wide
    Playwright keeps one running in a worker that ran them. Production threads have none."""
    import asyncio

    loop = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(loop)


def list_total(page) -> int:
    """The total a list page shows: a keyset page's (config.lists.Total) or a Paginator's count."""
    return page.total.n if getattr(page, "keyset", False) else page.paginator.count


# The browser files that take longest (every page at two sizes, a file per role so both workers walk; four whole
# journeys), run first of the browser files, longest first; the rest of them by their number of tests, most first.
LONGEST_BROWSER_FILES = ("test_every_page_fits_org.py", "test_every_page_fits_inspector.py",
                         "test_every_page_fits_gb_staff.py", "test_every_page_fits_secretary.py",
                         "test_seed_journeys.py")


def pytest_collection_modifyitems(config, items):
    """The order the files run in (`make test` passes --no-loadscope-reorder, so pytest-xdist hands out whole files
    in this order): the files other than the browser's first, most tests first (the order xdist's own reordering
    gave them); then the browser files, longest first. xdist sorted every file by its number of tests, which put
    the browser files — one to four tests each, but the longest of the suite — at the end, so the run ended with
    one worker walking every page while the other had nothing left. Running them after all the rest also keeps
    their flushes (live-server tests are transactional) away from the other tests, as at the end before."""
    browser = Path(__file__).parent / "browser"
    count = Counter(item.nodeid.split("::")[0] for item in items)

    def cost_order(item):
        path = item.nodeid.split("::")[0]
        if not Path(str(item.fspath)).is_relative_to(browser):
            return (0, -count[path], 0)
        name = Path(path).name
        first = LONGEST_BROWSER_FILES.index(name) if name in LONGEST_BROWSER_FILES else len(LONGEST_BROWSER_FILES)
        return (1, first, -count[path])

    items.sort(key=cost_order)  # stable: the tests of a file keep their order, files of one rank theirs


# ── The seeded demo, once per worker ───────────────────────────────────────────────────────────────────────────
# `seed_demo` takes 35–56 s on a loaded two-core machine (over 10 minutes on a very loaded one), and ten browser
# tests each needed the whole demo in a live-server (transactional) database. Each worker now seeds it once (the
# first test that asks), keeps a copy of the seeded database, and gives every later test a fresh copy of that copy
# (PostgreSQL: DROP DATABASE and CREATE DATABASE … TEMPLATE the copy, 11 s where the seed took 677 s at a load of
# 12 on two cores; SQLite: the backup API into the test file). So each test still starts from the demo exactly as
# seeded, whatever the tests before it wrote (a test that writes never sees another's writes), and its own writes
# are flushed when it ends like any transactional test's. Files the demo writes (the signed report's PDF) stay in
# the worker's media directory, which no test empties. The copy is dated: a run that passes midnight in
# Asia/Shanghai seeds again, as `seed_demo` dates the current campaign around today. Run alone, a test seeds as
# before; under xdist each worker keeps its own copy (<test database>_demo, dropped when the worker ends).


class DemoCopy:
    """The worker's seeded demos: `load()` seeds the demo for today the first time (and keeps a copy), restores the
    copy after; `load(day)` the same for a demo seeded as on `day` (`seed_demo --today`), a copy of its own."""

    def __init__(self):
        self.seeded = {}  # copy key ("today" or the fixed day) → the day it was seeded for (a run may pass midnight)
        self.sqlite_copies = {}  # SQLite: the copies, in-memory databases by their key

    def load(self, day=None) -> None:
        from django.core.management import call_command
        from django.utils import timezone

        key, seeded_for = ("today", timezone.localdate()) if day is None else (day.isoformat(), day)
        if self.seeded.get(key) == seeded_for:
            self._restore(key)
        else:
            options = {} if day is None else {"today": day.isoformat()}
            call_command("seed_demo", stdout=open(os.devnull, "w"), **options)
            self._keep(key)
            self.seeded[key] = seeded_for
        ContentType.objects.clear_cache()  # the copy's content types, not the ids cached before it came back

    def _keep(self, key: str) -> None:
        if connection.vendor == "postgresql":
            # A template may have no other session: ours closed here, the live server's close as each request
            # ends; one left idle since the session's start (a content-type read at setup) is ended here.
            connections.close_all()
            with connection._nodb_cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                               " WHERE datname = %s AND pid <> pg_backend_pid()", [connection.settings_dict["NAME"]])
                cursor.execute(f"DROP DATABASE IF EXISTS {self._pg_copy_name(key)}")
                cursor.execute(f"CREATE DATABASE {self._pg_copy_name(key)} TEMPLATE {self._pg_name()}")
        else:
            import sqlite3

            connection.ensure_connection()
            self.sqlite_copies[key] = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(self.sqlite_copies[key])

    def _restore(self, key: str) -> None:
        if connection.vendor == "postgresql":
            connections.close_all()
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE {self._pg_name()} WITH (FORCE)")
                cursor.execute(f"CREATE DATABASE {self._pg_name()} TEMPLATE {self._pg_copy_name(key)}")
        else:
            connection.ensure_connection()
            self.sqlite_copies[key].backup(connection.connection)

    def drop(self) -> None:
        if connection.vendor == "postgresql":
            with connection._nodb_cursor() as cursor:
                for key in self.seeded:
                    cursor.execute(f"DROP DATABASE IF EXISTS {self._pg_copy_name(key)} WITH (FORCE)")

    def _pg_name(self) -> str:
        return connection.ops.quote_name(connection.settings_dict["NAME"])

    def _pg_copy_name(self, key: str) -> str:
        suffix = "_demo" if key == "today" else "_demo_" + key.replace("-", "")
        return connection.ops.quote_name(connection.settings_dict["NAME"] + suffix)


@pytest.fixture(scope="session")
def demo_copy(django_db_setup, django_db_blocker):
    copy = DemoCopy()
    yield copy
    with django_db_blocker.unblock():
        copy.drop()


@pytest.fixture
def seeded_demo(transactional_db, demo_copy):
    """The whole demo (`seed_demo`) in a live-server database of this test's own (see DemoCopy above)."""
    demo_copy.load()


@pytest.fixture
def seeded_demo_on(transactional_db, demo_copy):
    """`seeded_demo_on(day)`: the whole demo as `seed_demo --today <day>` makes it, in a database of this test's own
    (a copy of the worker's, seeded once for that day: see DemoCopy above)."""
    return demo_copy.load
