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


def _walk(lister) -> list[OrgUnit]:
    """Every unit a level-by-level list reaches, drilling into each unit it lists."""
    found, levels = [], [lister(None)]
    while levels:
        level = levels.pop()
        found += level
        levels += [lister(unit) for unit in level]
    return sorted(found, key=lambda unit: unit.path)


def test_export_lists_one_level_of_the_units_with_ledgers_below_them(deeper, users, tree):
    campaign, nested, late = deeper
    scope = scope_for(users["org"])
    top = export_units(scope=scope, campaign=campaign, focus=None)
    assert top == [tree.gb1, tree.gb2]  # the level under the issuer, not the whole tree
    assert export_units(scope=scope, campaign=campaign, focus=tree.gb1) == [nested]
    # Every unit of the old flat list is a drill-down away; the issuer's own is the page's "全部" row.
    assert [tree.root, *_walk(lambda focus: export_units(scope=scope, campaign=campaign, focus=focus))] == \
        _with_ledgers_below(campaign, [UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH], own=False)
    assert late not in _walk(lambda focus: export_units(scope=scope, campaign=campaign, focus=focus))


def test_overview_lists_one_level_of_the_general_branches_the_campaign_reached(deeper, users, tree):
    campaign, nested, late = deeper
    scope = scope_for(users["org"])
    assert [row.unit for row in campaign_overview(scope=scope, campaign=campaign)] == [tree.gb1, tree.gb2]
    assert [row.unit for row in campaign_overview(scope=scope, campaign=campaign, focus=tree.gb1)] == [nested]
    walked = _walk(lambda focus: [row.unit for row in campaign_overview(scope=scope, campaign=campaign, focus=focus)])
    assert walked == _with_ledgers_below(campaign, [UnitKind.GENERAL_BRANCH], own=True)
    assert late not in walked


def test_a_general_branch_sees_itself_and_nothing_beside_it(deeper, users, tree):
    campaign, nested, _late = deeper
    scope = scope_for(users["gb_staff"])
    assert export_units(scope=scope, campaign=campaign, focus=None) == [tree.gb1]
    assert [row.unit for row in campaign_overview(scope=scope, campaign=campaign)] == [tree.gb1]
