"""Carry-over (结转): an earlier campaign's unfinished measures continue in the new campaign's ledgers.

Each unfinished problem (active, with a measure not closed) becomes a new problem in the same unit's new ledger,
with its open measures as new measures (same measure, time limit, responsible people, status), both linked to
the originals by `carried_from`. Nothing of the earlier campaign is written: its ledgers, measures, statuses and
results stay as they were at its deadline. The progress notes and evidence are not copied: the new measure's
page shows the original's (the files are stored once). A carried problem is the same problem continued, so it is
never flagged as recurring.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from branches.services import audit
from ledger.models import Campaign, CampaignStatus, EventAction, Ledger, Problem, RectificationItem
from ledger.selectors.carry_over import SOURCE_STATUSES, CarryOverPlan, carry_over_plan
from ledger.services.campaigns import _check_issuer
from ledger.services.events import event_record


@dataclass(frozen=True)
class CarryOverResult:
    ledgers: int
    problems: int
    items: int


def _check_source(campaign: Campaign, source: Campaign) -> None:
    if source.pk == campaign.pk:
        raise ValidationError(_("不能从专项行动自身结转。"))
    if not source.issuer_path.startswith(campaign.issuer_path):
        raise ValidationError(_("只能结转本单位及下级党组织发布的专项行动。"))
    if source.status not in SOURCE_STATUSES:
        raise ValidationError(_("只能从已发布或已结束的专项行动结转。"))
    if source.published_at is None or (campaign.published_at and source.published_at >= campaign.published_at):
        raise ValidationError(_("只能从更早发布的专项行动结转。"))


def carry_over_check(*, actor, campaign: Campaign, source_campaign: Campaign) -> CarryOverPlan:
    """The plan, once everything that would refuse it has been checked (the preview page shows the refusal)."""
    _check_issuer(actor, campaign.issuer)
    if campaign.status != CampaignStatus.PUBLISHED:
        raise ValidationError(_("专项行动发布、生成台账后才能结转往期未完成的整改措施。"))
    _check_source(campaign, source_campaign)
    plan = carry_over_plan(campaign=campaign, source=source_campaign)
    if plan.already_carried:
        raise ValidationError(_("已经从“%(name)s”结转过 %(n)d 个问题，不能重复结转。")
                              % {"name": source_campaign.name, "n": plan.already_carried})
    if plan.unmapped:
        raise ValidationError(_("以下类别在“%(template)s”中没有对应的类别，无法结转：%(list)s。请先在对照清单中补上这些类别。")
                              % {"template": campaign.template.name, "list": "、".join(plan.unmapped)})
    if not plan.problems and plan.unreached:
        raise ValidationError(_("“%(name)s”有未完成整改措施的党组织在本专项行动中都没有台账：%(list)s。")
                              % {"name": source_campaign.name, "list": "、".join(plan.unreached)})
    if not plan.problems:
        raise ValidationError(_("“%(name)s”没有需要结转的未完成整改措施。") % {"name": source_campaign.name})
    return plan


@transaction.atomic
def campaign_carry_over(*, actor, campaign: Campaign, source_campaign: Campaign) -> CarryOverResult:
    """Carry `source_campaign`'s unfinished measures into `campaign`'s ledgers, in one transaction."""
    campaign = Campaign.objects.select_for_update().select_related("issuer", "template").get(pk=campaign.pk)
    source_campaign = Campaign.objects.select_related("template").get(pk=source_campaign.pk)
    plan = carry_over_check(actor=actor, campaign=campaign, source_campaign=source_campaign)
    by_ledger: dict[int, list[Problem]] = {}
    for problem in plan.problems:
        by_ledger.setdefault(plan.ledgers[problem.ledger.unit_id].pk, []).append(problem)
    items = 0
    for ledger in Ledger.objects.select_for_update().filter(pk__in=by_ledger).order_by("pk"):
        items += _carry_into(actor=actor, ledger=ledger, originals=by_ledger[ledger.pk], plan=plan)
    audit(actor=actor, obj=campaign, action="carry_over",
          data={"from": source_campaign.pk, "ledgers": len(by_ledger), "problems": len(plan.problems), "items": items})
    return CarryOverResult(ledgers=len(by_ledger), problems=len(plan.problems), items=items)


def _carry_into(*, actor, ledger: Ledger, originals: list[Problem], plan: CarryOverPlan) -> int:
    """Write the carried problems and measures of one (locked) ledger, with its event and audit row."""
    number = ledger.problems.aggregate(n=Max("number"))["n"] or 0
    creator = actor if getattr(actor, "is_authenticated", False) else None
    problems = Problem.objects.bulk_create([
        Problem(ledger=ledger, unit_path=ledger.unit_path, category=plan.categories[original.category_id],
                manifestation=plan.manifestations.get(original.manifestation_id), number=number + offset,
                description=original.description, source=original.source, nature=original.nature,
                carried_from=original, created_by=creator)
        for offset, original in enumerate(originals, start=1)
    ])
    # Item numbers are kept, so "问题3②" of the earlier ledger is ② here too.
    items = RectificationItem.objects.bulk_create([
        RectificationItem(
            problem=problem, ledger=ledger, unit_path=ledger.unit_path, number=item.number, measure=item.measure,
            is_ongoing=item.is_ongoing, deadline=item.deadline, responsible_user=item.responsible_user,
            responsible_name=item.responsible_name, responsible_leader=item.responsible_leader,
            responsible_unit=item.responsible_unit, status=item.status, carried_from=item, created_by=creator)
        for problem, original in zip(problems, originals, strict=True) for item in original.open_items
    ])
    summary = {"from": plan.source.name, "problems": len(problems), "items": len(items),
               "numbers": [problem.number for problem in problems]}
    event_record(ledger=ledger, actor=actor, action=EventAction.CARRIED_OVER, changes={"after": summary},
                 comment=_("从“%(name)s”结转 %(p)d 个问题、%(i)d 项整改措施")
                 % {"name": plan.source.name, "p": len(problems), "i": len(items)})
    audit(actor=actor, obj=ledger, action="carry_over", data={"from": plan.source.pk, **summary})
    return len(items)
