"""Project-wide guards that apply to whatever code lands: ModelForms list their fields (no mass
assignment), no view skips CSRF, a POST without the token is refused, and a GET changes nothing."""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import re
import uuid
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import ledger_of, make_campaign, make_item, make_problem

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ["accounts", "branches", "ledger", "reviews", "jobs", "config"]


# --- mass assignment: every ModelForm names its fields -----------------------------------------------------

def _import_project_modules() -> None:
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if ".migrations" in module.name or module.name.endswith((".wsgi", ".asgi")) or ".settings" in module.name:
                continue
            importlib.import_module(module.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


def model_form_problems(classes) -> list[str]:
    """What is wrong with these ModelForm classes: `fields = "__all__"`, `exclude`, or no `fields` at all."""
    problems = []
    for form_class in classes:
        meta = getattr(form_class, "Meta", None)
        if meta is None or getattr(meta, "model", None) is None:
            continue  # an abstract base without a model
        name = f"{form_class.__module__}.{form_class.__qualname__}"
        fields = getattr(meta, "fields", None)
        if fields == forms.models.ALL_FIELDS:
            problems.append(f'{name}: fields = "__all__"')
        elif getattr(meta, "exclude", None):
            problems.append(f"{name}: exclude instead of fields")
        elif fields is None:
            problems.append(f"{name}: no explicit fields")
    return problems


def test_every_model_form_lists_explicit_fields():
    _import_project_modules()
    ours = [cls for cls in _subclasses(forms.ModelForm) if cls.__module__.split(".")[0] in PROJECT_PACKAGES]
    assert model_form_problems(ours) == []


def test_the_model_form_guard_catches_offenders():
    from branches.models import OrgUnit

    class AllFields(forms.ModelForm):
        class Meta:
            model = OrgUnit
            fields = "__all__"  # noqa: DJ007 - the offender this guard must catch

    class Excluding(forms.ModelForm):
        class Meta:
            model = OrgUnit
            exclude = ["path"]  # noqa: DJ006

    assert len(model_form_problems([AllFields, Excluding])) == 2


ALL_FIELDS_IN_SOURCE = re.compile(r"""fields\s*=\s*["']__all__["']|modelform_factory\([^)]*exclude""")


def test_no_source_asks_for_all_fields():
    """Also catches modelform_factory(..., fields="__all__") and admin forms."""
    offenders = [
        str(path.relative_to(ROOT))
        for package in PROJECT_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and ALL_FIELDS_IN_SOURCE.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# --- every URL: CSRF and safe GETs --------------------------------------------------------------------------

def _patterns(resolver=None, prefix: str = ""):
    """(route, pattern) for every URL pattern of the project, with the route's converters."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _own_patterns():
    """The project's URLs (the admin is Django's own and tested there)."""
    return [(route, entry) for route, entry in _patterns() if not route.startswith("admin/")]


CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _urls_for(route: str, numbers: list[int]) -> list[str]:
    """Concrete URLs for a route: every int parameter tried with each of `numbers`."""
    if route.startswith("^") or "(?P" in route:
        return []  # a regex route (i18n's): no converters to fill
    values = {"int": [str(n) for n in numbers], "str": ["x"], "slug": ["x"], "path": ["x"],
              "uuid": [str(uuid.UUID(int=1))]}
    urls = ["/" + route]
    for match in CONVERTER.finditer(route):
        kind = match.group(1) or "str"
        urls = [url.replace(match.group(0), value, 1) for url in urls for value in values.get(kind, ["1"])]
    return urls


def test_no_view_is_csrf_exempt():
    exempt = [route for route, entry in _patterns() if getattr(entry.callback, "csrf_exempt", False)]
    assert exempt == []


NOT_STATE = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog",
             "axes.accessattemptexpiration", "accounts.usersession", "contenttypes.contenttype",
             "auth.permission", "admin.logentry"}


def _database_fingerprint() -> str:
    """A hash of every row of every model that holds the product's state."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.label_lower in NOT_STATE:
            continue
        for row in model.objects.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture
def some_data(tree, users):
    """A campaign, the first branch's ledger, a problem and an item: real rows for the URLs' ids."""
    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    problem = make_problem(ledger, user=users["secretary"])
    item = make_item(problem, user=users["secretary"])
    return [campaign.pk, ledger.pk, problem.pk, item.pk]


def _pks_in_use(some_data: list[int], limit: int = 3) -> list[int]:
    return sorted(set(some_data))[:limit]


@pytest.mark.parametrize("role", ["org", "secretary"])
def test_a_get_request_changes_nothing(users, some_data, role):
    client = Client()
    client.force_login(users[role])
    before = _database_fingerprint()
    visited = []
    for route, _entry in _own_patterns():
        for url in _urls_for(route, _pks_in_use(some_data)):
            response = client.get(url)
            assert response.status_code < 500, url
            visited.append(url)
    assert visited
    assert _database_fingerprint() == before


@pytest.mark.parametrize("role", ["org", "secretary"])
def test_a_post_without_the_csrf_token_is_refused_everywhere(users, some_data, role):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[role])
    before = _database_fingerprint()
    for route, _entry in _own_patterns():
        for url in _urls_for(route, _pks_in_use(some_data, limit=2)):
            response = client.post(url, {"status": "closed", "unit": "1", "author": "1"})
            assert response.status_code in (403, 404), f"{url}: {response.status_code}"
    assert _database_fingerprint() == before
