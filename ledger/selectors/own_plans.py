"""Reads for units' own rectification plans (本单位整改方案): which plans a viewer sees, for which units they may
start one. The plans themselves are campaigns (`own_plan`), seen by the one rule of `campaigns_visible`."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from branches.models import OrgUnit
from branches.selectors import Action, Scope
from ledger.models import Campaign, ChecklistTemplate, Ledger
from ledger.selectors.campaigns import campaigns_visible

BUILTIN_OWN_PLAN_TEMPLATE = "党支部书记述职点评问题整改"


def own_plan_units(scope: Scope) -> list[OrgUnit]:
    """The active units whose ledgers the viewer fills: those they may start an own plan for."""
    return [unit for path, unit in sorted(scope.units.items()) if unit.is_active and scope.can(Action.FILL, path)]


def own_plans_visible(scope: Scope) -> QuerySet[Campaign]:
    """The own plans the viewer sees (their units' and, for supervisors, those of the units below), each with
    the pk of its one ledger, the latest first."""
    ledger = Ledger.objects.filter(campaign=OuterRef("pk")).order_by("pk").values("pk")[:1]
    return (campaigns_visible(scope, drafts=False).filter(own_plan=True).select_related("issuer", "template")
            .annotate(ledger_pk=Subquery(ledger)).order_by("-year", "-pk"))


def own_plan_default_template(templates: QuerySet[ChecklistTemplate]) -> ChecklistTemplate | None:
    """The built-in 党支部书记述职点评问题整改 template when offered, else the first."""
    return templates.filter(name=BUILTIN_OWN_PLAN_TEMPLATE, is_builtin=True).first() or templates.first()


def own_plan_ledger_pk(campaign: Campaign) -> int:
    """The one ledger of an own plan (its unit's)."""
    return Ledger.objects.filter(campaign=campaign).values_list("pk", flat=True).get()
