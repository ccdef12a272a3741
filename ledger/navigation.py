"""The main menu: each role sees what it does, in its own words.

A branch fills its ledger, a general branch reviews and closes, the organization department sets up and
follows, the inspector reads. The menu only leaves out what a role does not do: every page stays reachable
by its URL and decides itself what the viewer may see (`branches.selectors.scope_for`).

Deciding the menu costs the roles (already loaded once per request by `scope_for`) and, for a branch, one
query for its open ledger, so the menu can link straight to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from branches.models import Role, UnitKind
from branches.selectors import scope_for
from ledger.selectors.setup import open_own_ledger_ids


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: str
    url: str


# What each role does, in the menu's order; a person with several roles sees the union.
_ENTRIES_OF_ROLE = {
    Role.BRANCH_SECRETARY: ("own_ledger", "jobs"),
    Role.BRANCH_MEMBER: ("own_ledger", "jobs"),
    Role.GENERAL_BRANCH_STAFF: ("review", "dashboards", "supervision", "reports", "exports", "jobs"),
    Role.ORG_DEPARTMENT: ("campaigns", "templates", "tree", "dashboards", "supervision", "reports", "exports",
                          "jobs"),
    Role.INSPECTOR: ("dashboards", "campaigns", "templates", "tree", "supervision", "reports", "exports", "jobs"),
}
_ORDER = ("home", "own_ledger", "review", "campaigns", "templates", "tree", "dashboards", "supervision", "reports",
          "exports", "jobs")


def menu_keys(roles: set[str], unit_kinds: set[str]) -> list[str]:
    """The menu entries for these roles, in a fixed order. Situation reports (附件3) are written and read above the
    branches: a person whose roles are all held at branches has none to see."""
    keys = {"home"}
    for role in roles:
        keys.update(_ENTRIES_OF_ROLE.get(role, ()))
    if unit_kinds <= {UnitKind.BRANCH}:
        keys.discard("reports")
    return [key for key in _ORDER if key in keys]


def menu_for(user, *, open_ledger_ids: list[int] | None = None) -> list[MenuEntry]:
    """`open_ledger_ids`: the branch's open ledgers when the page has loaded them already (the home page)."""
    scope = scope_for(user)
    roles = scope.roles()
    keys = menu_keys(roles, {unit.kind for unit in scope.units.values()})
    org_department = Role.ORG_DEPARTMENT in roles
    return [_entry(key, user, org_department=org_department, open_ledger_ids=open_ledger_ids) for key in keys]


def _entry(key: str, user, *, org_department: bool, open_ledger_ids: list[int] | None) -> MenuEntry:
    if key == "own_ledger":
        if open_ledger_ids is None:
            open_ledger_ids = open_own_ledger_ids(user)
        return MenuEntry(key, _("本支部台账"), _own_ledger_url(open_ledger_ids))
    simple = {
        "home": (_("我的工作"), "home"),
        "review": (_("审核销号"), "ledger:my_ledgers"),
        "campaigns": (_("专项行动"), "ledger:campaign_list"),
        "templates": (_("对照清单"), "ledger:template_list"),
        "tree": (_("组织"), "branches:tree"),
        "dashboards": (_("看板与评星") if org_department else _("工作看板"), "reviews:index"),
        "supervision": (_("督查记录"), "reviews:supervision_list"),
        "reports": (_("情况报告"), "reports:index"),
        "exports": (_("导出导入") if org_department else _("导出台账"), "ledger:export_index"),
        "jobs": (_("我的任务"), "jobs:job_list"),
    }
    label, url_name = simple[key]
    return MenuEntry(key, label, reverse(url_name))


def _own_ledger_url(ids: list[int]) -> str:
    """Straight to the branch's ledger when one campaign is open, else the list of its ledgers."""
    if len(ids) == 1:
        return reverse("ledger:ledger_detail", args=[ids[0]])
    return reverse("ledger:my_ledgers")
