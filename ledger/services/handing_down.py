"""Handing problems down (上级交办): a committee's own ledger passes its problems to the ledgers of units below it.

The county plan builds the county's own ledger from the inspection's feedback and then has every unit below
rectify against it (各基层党组织要对照问题台账强力推进整改). Each problem handed down becomes a problem of the
lower unit's ledger in the same campaign, linked to the original (`Problem.handed_down_from`), so the lower unit
plans its own measures for it as for any problem and the unit above follows their progress from the original.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from branches.models import OrgUnit, UnitKind
from branches.selectors import SYSTEM, Action, scope_for
from branches.services import audit
from ledger.models import CampaignStatus, EventAction, Ledger, Problem, ProblemSource, ProblemStatus
from ledger.services.workflow.guards import locked_ledger
from ledger.services.workflow.plan import problem_insert


@dataclass(frozen=True)
class HandDownResult:
    created: int  # problems written into the lower units' ledgers
    already: int  # (problem, unit) pairs handed down before: not copied again


def _ids(values) -> set[int]:
    return {int(value) for value in values if str(value).isdigit()}


def _check_source(actor, ledger: Ledger) -> None:
    if actor is not SYSTEM and not scope_for(actor).can(Action.MANAGE, ledger.unit_path):
        raise PermissionDenied(_("只有“%(unit)s”的组织部门可以向下级交办本台账的问题。") % {"unit": ledger.unit.name})
    if ledger.unit.kind == UnitKind.BRANCH:
        raise ValidationError(_("%(kind)s没有下级组织，不能交办问题。") % {"kind": ledger.unit.kind_label})
    if ledger.campaign.status != CampaignStatus.PUBLISHED:
        raise ValidationError(_("只有进行中的专项行动可以交办问题。"))


def _chosen_problems(ledger: Ledger, problem_ids) -> list[Problem]:
    wanted = _ids(problem_ids)
    problems = list(ledger.problems.filter(pk__in=wanted, status=ProblemStatus.ACTIVE)
                    .select_related("category", "manifestation").order_by("number"))
    if not wanted:
        raise ValidationError(_("请选择要交办的问题。"))
    if len(problems) != len(wanted):
        raise ValidationError(_("所选问题中有不属于本台账或已撤回的问题，未作交办。"))
    return problems


def _target_ledgers(actor, ledger: Ledger, unit_ids) -> list[Ledger]:
    """The same campaign's ledgers of the chosen units, locked in id order (two hand-downs never deadlock)."""
    wanted = _ids(unit_ids)
    if not wanted:
        raise ValidationError(_("请选择接收交办的下级单位。"))
    units = OrgUnit.objects.filter(pk__in=wanted, path__startswith=ledger.unit_path).exclude(pk=ledger.unit_id)
    if actor is not SYSTEM:
        units = scope_for(actor).filter(units, Action.MANAGE)
    units = list(units.order_by("path"))
    if len(units) != len(wanted):
        raise ValidationError(_("所选单位中有不属于“%(unit)s”下级的单位，未作交办。") % {"unit": ledger.unit.name})
    targets = list(Ledger.objects.select_for_update().filter(campaign_id=ledger.campaign_id, unit__in=units)
                   .order_by("pk"))
    missing = sorted({unit.pk for unit in units} - {target.unit_id for target in targets})
    if missing:
        names = "、".join(unit.name for unit in units if unit.pk in missing)
        raise ValidationError(_("本专项行动没有以下单位的台账，无法交办：%(units)s。") % {"units": names})
    return targets


@transaction.atomic
def problems_hand_down(*, actor, ledger: Ledger, problem_ids, unit_ids) -> HandDownResult:
    """Copy the chosen problems of a committee's ledger into the chosen lower units' ledgers of the same campaign.

    The organization department over the ledger's unit (MANAGE) decides; a problem already handed down to a unit
    is skipped (and counted), never copied twice. One transaction: a refusal leaves every ledger as it was.
    """
    ledger = locked_ledger(ledger)
    _check_source(actor, ledger)
    problems = _chosen_problems(ledger, problem_ids)
    targets = _target_ledgers(actor, ledger, unit_ids)
    there = set(Problem.objects.filter(ledger__in=targets, handed_down_from__in=problems)
                .values_list("ledger_id", "handed_down_from_id"))
    created = 0
    for target in targets:
        for problem in problems:
            if (target.pk, problem.pk) in there:
                continue
            problem_insert(actor=actor, ledger=target, category=problem.category,
                           manifestation=problem.manifestation, description=problem.description,
                           source=ProblemSource.HANDED_DOWN, nature=problem.nature,
                           action=EventAction.PROBLEM_HANDED_DOWN, handed_down_from=problem)
            created += 1
    audit(actor=actor, obj=ledger, action="hand_down", data={
        "problems": [problem.number for problem in problems], "units": [target.unit_id for target in targets],
        "created": created, "already": len(there)})
    return HandDownResult(created=created, already=len(there))
