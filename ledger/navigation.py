"""The main menu: each role sees what it does, in its own words.

A branch fills its ledger, a general branch reviews and closes, the organization department sets up and
follows, the inspector reads. The menu only leaves out what a role does not do: every page stays reachable
by its URL and decides itself what the viewer may see (`branches.selectors.scope_for`).

Deciding the menu costs the roles (already loaded once per request by `scope_for`) and, for a branch, one
query for its open ledger, so the menu can link straight to it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language, gettext_lazy
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


# key → (label, the organization department's label if it has its own, URL name)
_SIMPLE = {
    "home": (gettext_lazy("我的工作"), None, "home"),
    "review": (gettext_lazy("审核销号"), None, "ledger:my_ledgers"),
    "campaigns": (gettext_lazy("专项行动"), None, "ledger:campaign_list"),
    "templates": (gettext_lazy("对照清单"), None, "ledger:template_list"),
    "tree": (gettext_lazy("组织"), None, "branches:tree"),
    "dashboards": (gettext_lazy("工作看板"), gettext_lazy("看板与评星"), "reviews:index"),
    "supervision": (gettext_lazy("督查记录"), None, "reviews:supervision_list"),
    "reports": (gettext_lazy("情况报告"), None, "reports:index"),
    "exports": (gettext_lazy("导出台账"), gettext_lazy("导出导入"), "ledger:export_index"),
    "jobs": (gettext_lazy("我的任务"), None, "jobs:job_list"),
}


@functools.cache
def _simple_entry(key: str, org_department: bool, language: str | None, script_prefix: str) -> MenuEntry:
    """An entry that is the same for everyone with these roles: translated and reversed once per language and
    mount point, not on every page (every page draws the menu; issue 15)."""
    label, org_label, url_name = _SIMPLE[key]
    return MenuEntry(key, str(org_label if org_department and org_label else label), reverse(url_name))


def _entry(key: str, user, *, org_department: bool, open_ledger_ids: list[int] | None) -> MenuEntry:
    if key == "own_ledger":
        if open_ledger_ids is None:
            open_ledger_ids = open_own_ledger_ids(user)
        return MenuEntry(key, _("本支部台账"), _own_ledger_url(open_ledger_ids))
    return _simple_entry(key, org_department, get_language(), get_script_prefix())


def _own_ledger_url(ids: list[int]) -> str:
    """Straight to the branch's ledger when one campaign is open, else the list of its ledgers."""
    if len(ids) == 1:
        return reverse("ledger:ledger_detail", args=[ids[0]])
    return reverse("ledger:my_ledgers")
