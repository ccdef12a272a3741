"""The units a campaign reached, read off the ledgers' parent paths, are those a subtree match finds (issue 15)."""

from __future__ import annotations

import pytest

from branches.models import OrgUnit, UnitKind
from branches.selectors import scope_for
from ledger.models import Ledger
from ledger.selectors.exports import export_units
from reports.selectors import campaign_overview
from tests.conftest import make_unit
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def deeper(tree):
    """A general branch nested in gb1 with a branch, an empty general branch, and one set up after publishing."""
    nested = make_unit(tree.gb1, UnitKind.GENERAL_BRANCH, "GN", "嵌套党总支")
    make_unit(nested, UnitKind.BRANCH, "BN", "嵌套党支部")
    make_unit(tree.root, UnitKind.GENERAL_BRANCH, "GE", "空党总支")
    campaign = make_campaign(tree.root)
    late = make_unit(tree.root, UnitKind.GENERAL_BRANCH, "GL", "后设党总支")
    make_unit(late, UnitKind.BRANCH, "BL", "后设党支部")
    return campaign, nested, late


def _with_ledgers_below(campaign, kinds, *, own: bool) -> list[OrgUnit]:
    """The old definition, by string prefix in Python over every ledger."""
    paths = [(ledger.unit_path, ledger.unit_id) for ledger in Ledger.objects.filter(campaign=campaign)]
    return [unit for unit in OrgUnit.objects.filter(kind__in=kinds).order_by("path")
            if any(path.startswith(unit.path) and (own or unit_id != unit.pk) for path, unit_id in paths)]


def test_export_lists_the_units_with_ledgers_below_them_at_any_depth(deeper, users):
    campaign, nested, late = deeper
    units = export_units(scope=scope_for(users["org"]), campaign=campaign, limit=100)
    assert units == _with_ledgers_below(campaign, [UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH], own=False)
    assert nested in units and late not in units
    assert export_units(scope=scope_for(users["org"]), campaign=campaign, limit=1) == units[:1]


def test_overview_lists_the_general_branches_the_campaign_reached(deeper, users, tree):
    campaign, nested, late = deeper
    rows = campaign_overview(scope=scope_for(users["org"]), campaign=campaign)
    units = [row.unit for row in rows]
    assert units == _with_ledgers_below(campaign, [UnitKind.GENERAL_BRANCH], own=True)
    assert nested in units and tree.gb1 in units and late not in units
