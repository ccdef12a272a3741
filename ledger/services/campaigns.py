"""Campaign writes: create with phases, publish (one ledger per target unit, in bulk), close."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import OrgUnit
from branches.selectors import SYSTEM, Action, scope_for
from branches.services import audit
from ledger.models import (
    Campaign,
    CampaignStatus,
    ChecklistTemplate,
    EventAction,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    Phase,
    PhaseStage,
    TargetKind,
)
from ledger.selectors.setup import target_units
from ledger.services.tally_marks import tally_marks_bump_all
from ledger.signals import ledger_figures_stale


@dataclass(frozen=True)
class PhaseSpec:
    name: str
    stage: str = PhaseStage.OTHER
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    note: str = ""


def _check_phases(phases: list[PhaseSpec]) -> None:
    if not phases:
        raise ValidationError(_("专项行动至少需要一个阶段。"))
    for spec in phases:
        if not spec.name.strip():
            raise ValidationError(_("阶段名称不能为空。"))
        if spec.starts_on is None and spec.ends_on is None:
            raise ValidationError(_("阶段“%(name)s”需要截止日期或起止日期。") % {"name": spec.name})
        if spec.starts_on and spec.ends_on and spec.ends_on < spec.starts_on:
            raise ValidationError(_("阶段“%(name)s”的截止日期早于开始日期。") % {"name": spec.name})


def _check_issuer(actor, issuer: OrgUnit) -> None:
    """A person must MANAGE the issuer; the demo and commands, which act without one, pass SYSTEM."""
    if actor is SYSTEM:
        return
    if actor is None or not scope_for(actor).can(Action.MANAGE, issuer):
        raise PermissionDenied(_("您无权以“%(unit)s”的名义发布或管理专项行动。") % {"unit": issuer.name})


def _check_template(template: ChecklistTemplate) -> None:
    if not template.categories.exists():
        raise ValidationError(_("对照清单“%(name)s”没有任何类别，不能用于专项行动。") % {"name": template.name})


@dataclass(frozen=True)
class CampaignFields:
    """What the issuer sets on a campaign: given when it is created, changeable while it is a draft."""

    issuer: OrgUnit
    name: str
    year: int
    template: ChecklistTemplate
    phases: list[PhaseSpec]
    doc_number: str = ""
    target_kind: str = TargetKind.BRANCHES
    report_deadline: datetime.date | None = None
    results_deadline: datetime.date | None = None
    list_title: str = ""
    report_title: str = ""

    def check(self) -> None:
        if not self.name.strip():
            raise ValidationError(_("专项行动名称不能为空。"))
        _check_template(self.template)
        if self.report_deadline and self.results_deadline and self.results_deadline < self.report_deadline:
            raise ValidationError(_("结果运用截止日期不能早于报告报送截止日期。"))
        _check_phases(self.phases)

    def columns(self) -> dict[str, object]:
        """The campaign's own columns (its phases are rows of their own: `phase_replace`)."""
        return {
            "issuer": self.issuer, "name": self.name.strip(), "year": self.year, "doc_number": self.doc_number.strip(),
            "template": self.template, "target_kind": self.target_kind, "report_deadline": self.report_deadline,
            "results_deadline": self.results_deadline, "list_title": self.list_title.strip(),
            "report_title": self.report_title.strip(),
        }


def _locked_campaign(*, actor, campaign: Campaign, status: str, refusal: str,
                     new_issuer: OrgUnit | None = None) -> Campaign:
    """The campaign, locked, once `actor` may manage its issuer (and the `new_issuer` it is moved to) and it is
    in `status` (else `refusal`)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _check_issuer(actor, campaign.issuer)
    if new_issuer is not None:
        _check_issuer(actor, new_issuer)
    if campaign.status != status:
        raise ValidationError(refusal)
    return campaign


@transaction.atomic
def campaign_create(*, actor, **fields) -> Campaign:
    """Create a draft campaign with its phases; `fields` are `CampaignFields`' (issuer, name, year, …)."""
    spec = CampaignFields(**fields)
    _check_issuer(actor, spec.issuer)
    spec.check()
    campaign = Campaign.objects.create(
        **spec.columns(), created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    phase_replace(campaign=campaign, phases=spec.phases)
    audit(actor=actor, obj=campaign, action="create", data={"name": campaign.name})
    return campaign


@transaction.atomic
def campaign_update(*, actor, campaign: Campaign, **fields) -> Campaign:
    """Change a draft campaign and replace its phases (`fields` as for `campaign_create`); a published
    campaign is fixed."""
    spec = CampaignFields(**fields)
    campaign = _locked_campaign(actor=actor, campaign=campaign, status=CampaignStatus.DRAFT,
                                refusal=_("专项行动已发布，不能再修改。"), new_issuer=spec.issuer)
    spec.check()
    for column, value in spec.columns().items():
        setattr(campaign, column, value)
    campaign.save()
    phase_replace(campaign=campaign, phases=spec.phases)
    audit(actor=actor, obj=campaign, action="update", data={"name": campaign.name})
    return campaign


def phase_replace(*, campaign: Campaign, phases: list[PhaseSpec]) -> None:
    """Set the campaign's phases to `phases`, in order (only while it is a draft)."""
    _check_phases(phases)
    campaign.phases.all().delete()
    Phase.objects.bulk_create(
        Phase(campaign=campaign, order=order, name=spec.name.strip(), stage=spec.stage, starts_on=spec.starts_on,
              ends_on=spec.ends_on, note=spec.note)
        for order, spec in enumerate(phases, start=1)
    )


@transaction.atomic
def campaign_publish(*, actor, campaign: Campaign, units: QuerySet[OrgUnit] | None = None) -> int:
    """Publish a draft campaign: one ledger per target unit, created in bulk. Returns the ledger count.

    `units` narrows the ledgers to those units (active ones inside the issuer's subtree): a campaign made for a
    few chosen units, such as the 后进 units of a yearly survey (reviews' improvement ledgers)."""
    campaign = _locked_campaign(actor=actor, campaign=campaign, status=CampaignStatus.DRAFT,
                                refusal=_("该专项行动已发布，不能重复发布。"))
    return _publish(actor=actor, campaign=campaign, units=units)


def _publish(*, actor, campaign: Campaign, units: QuerySet[OrgUnit] | None) -> int:
    """Publish the locked draft `campaign` once its issuer's right has been checked by the caller."""
    if not campaign.phases.exists():
        raise ValidationError(_("请先设置专项行动的阶段，再发布。"))
    # Lock the template too: an edit racing the publish must not change the checklist branches get.
    _check_template(ChecklistTemplate.objects.select_for_update().get(pk=campaign.template_id))
    if units is None:
        units = target_units(campaign)
    else:
        units = units.filter(path__startswith=campaign.issuer_path, is_active=True)
    if not units.exists():
        raise ValidationError(_("发文单位下没有符合条件的对象单位，无法发布。"))
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    count = _insert_ledgers(campaign=campaign, units=units, now=now)
    _insert_created_events(campaign=campaign, actor_id=actor_id, now=now)
    tally_marks_bump_all(campaign=campaign)  # the ledgers and their events are inserted past event_record
    ledger_figures_stale.send(sender=Campaign, campaign=campaign, fresh=True)  # and so are their figures
    campaign.status = CampaignStatus.PUBLISHED
    campaign.published_at = now
    campaign.published_by = actor if actor_id else None
    campaign.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit(actor=actor, obj=campaign, action="publish", data={"ledgers": count})
    return count


# Publishing to a province means some 300,000 ledgers: they and their first events are written by the database
# itself (INSERT … SELECT), not built as Python objects one by one. The column lists are the models' own.
def _insert_ledgers(*, campaign: Campaign, units, now) -> int:
    # Named columns: SQLite does not name a subquery's "table"."column" after the column.
    select_sql, params = units.values(target_id=F("pk"), target_path=F("path")).query.sql_with_params()
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            # Only table names and Django's own compiled query are interpolated; every value is a parameter.
            f"INSERT INTO {Ledger._meta.db_table} (campaign_id, unit_id, unit_path, status, version, created_at, "  # noqa: S608
            f"updated_at) SELECT %s, u.target_id, u.target_path, %s, 1, %s, %s FROM ({select_sql}) u",
            [campaign.pk, LedgerStatus.DRAFT.value, stamp, stamp, *params],
        )
        return cursor.rowcount


def _insert_created_events(*, campaign: Campaign, actor_id: int | None, now) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LedgerEvent._meta.db_table} (ledger_id, actor_id, at, action, from_status, to_status, "  # noqa: S608
            f"comment, changes) SELECT id, %s, %s, %s, '', %s, '', '{{}}' FROM {Ledger._meta.db_table} "
            f"WHERE campaign_id = %s",
            [actor_id, connection.ops.adapt_datetimefield_value(now), EventAction.LEDGER_CREATED.value,
             LedgerStatus.DRAFT.value, campaign.pk],
        )


@transaction.atomic
def campaign_close(*, actor, campaign: Campaign) -> Campaign:
    campaign = _locked_campaign(actor=actor, campaign=campaign, status=CampaignStatus.PUBLISHED,
                                refusal=_("只有已发布的专项行动可以结束。"))
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status", "updated_at"])
    audit(actor=actor, obj=campaign, action="close")
    return campaign


def _check_own_plan_author(actor, unit: OrgUnit) -> None:
    """An own plan is started by those who FILL the unit's ledgers (its secretary, committee members, its staff),
    never by someone who only supervises or inspects it from above."""
    if actor is SYSTEM:
        return
    if actor is None or not scope_for(actor).can(Action.FILL, unit):
        raise PermissionDenied(_("只有“%(unit)s”本单位的负责人可以制定本单位整改方案。") % {"unit": unit.name})


@transaction.atomic
def own_plan_start(*, actor, unit: OrgUnit, name: str, year: int, template: ChecklistTemplate,
                   phases: list[PhaseSpec], doc_number: str = "", target_kind: str = TargetKind.ISSUER) -> Campaign:
    """Start a unit's own rectification plan (本单位整改方案): a campaign issued by `unit` for `unit` alone,
    created and published in one step, with one ledger, the unit's.

    The separate rule beside `campaign_create`'s MANAGE: whoever FILLs the unit may plan its own rectification
    (a branch fixing what its secretary's report review found), but only for the unit itself — a plan reaching
    other units is a campaign, and needs MANAGE. The unit above supervises the ledger like any other."""
    _check_own_plan_author(actor, unit)
    if target_kind != TargetKind.ISSUER:
        raise ValidationError(_("本单位整改方案只能以本单位为对象。"))
    if not unit.is_active:
        raise ValidationError(_("“%(unit)s”已撤销，不能制定整改方案。") % {"unit": unit.name})
    spec = CampaignFields(issuer=unit, name=name, year=year, template=template, phases=phases,
                          doc_number=doc_number, target_kind=TargetKind.ISSUER)
    spec.check()
    campaign = Campaign.objects.create(
        **spec.columns(), own_plan=True, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    phase_replace(campaign=campaign, phases=spec.phases)
    audit(actor=actor, obj=campaign, action="create", data={"name": campaign.name, "own_plan": True})
    _publish(actor=actor, campaign=campaign, units=OrgUnit.objects.filter(pk=unit.pk))
    return campaign
