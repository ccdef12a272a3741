"""`field__any` (config.lookups): the rows of `field__in`, with the values as one array parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.models import OrgUnit, UnitKind
from tests.conftest import make_unit

pytestmark = pytest.mark.django_db


def _pks(queryset) -> list[int]:
    return sorted(queryset.values_list("pk", flat=True))


def test_any_finds_what_in_finds(tree):
    parents = [tree.root.pk, tree.gb1.pk, tree.gb1.pk, None]  # a repeated key and a None, as IN takes them
    assert _pks(OrgUnit.objects.filter(parent_id__any=parents)) == _pks(OrgUnit.objects.filter(parent_id__in=parents))
    assert _pks(OrgUnit.objects.filter(parent_id__any=parents)) == sorted([tree.gb1.pk, tree.gb2.pk, *(
        unit.pk for unit in OrgUnit.objects.filter(parent=tree.gb1))])
    paths = [tree.gb1.path, tree.other_gb.path]
    assert _pks(OrgUnit.objects.filter(path__any=paths)) == sorted([tree.gb1.pk, tree.other_gb.pk])
    assert not OrgUnit.objects.filter(parent_id__any=[]).exists()


def test_any_is_one_parameter_on_postgresql(tree):
    keys = [make_unit(tree.gb2, UnitKind.BRANCH, f"ANY{n}").pk for n in range(5)]
    with CaptureQueriesContext(connection) as captured:
        assert _pks(OrgUnit.objects.filter(pk__any=keys)) == sorted(keys)
    sql = captured.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert '"branches_orgunit"."id" = ANY(' in sql
    else:
        assert '"branches_orgunit"."id" IN (' in sql
