"""Writes of the yearly survey (摸底排查) and its three tier lists (三类台账): create, classify a unit, finalize,
and the 后进 units' improvement ledgers (整顿提升台账).

Kept beside `reviews/services.py` (supervision and ratings) so that module stays under the size at which it would
become a package; every function follows the same rules: keyword-only, `actor`, state and right checked, locked,
written and audited in one transaction.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import OrgUnit
from branches.selectors import SYSTEM, Action, scope_for
from branches.services import audit
from ledger.models import Campaign, ChecklistTemplate, Ledger, PhaseStage, TargetKind
from ledger.services.campaigns import PhaseSpec, campaign_create, campaign_publish
from reviews.models import SurveyStatus, Tier, TierSurvey, TierSurveyEntry


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_manager(actor, issuer: OrgUnit) -> None:
    """The organization department over the issuer (MANAGE), or SYSTEM (the demo, tests' set-up)."""
    if actor is SYSTEM:
        return
    if actor is None or not scope_for(actor).can(Action.MANAGE, issuer):
        raise PermissionDenied(_("您无权以“%(unit)s”的名义开展摸底排查。") % {"unit": issuer.name})


def _locked_draft(*, actor, survey: TierSurvey) -> TierSurvey:
    survey = TierSurvey.objects.select_for_update().select_related("issuer").get(pk=survey.pk)
    _check_manager(actor, survey.issuer)
    if survey.status != SurveyStatus.DRAFT:
        raise ValidationError(_("该摸底排查已定稿，不能再修改。"))
    return survey


@transaction.atomic
def survey_create(*, actor, issuer: OrgUnit, year: int) -> TierSurvey:
    """Open the issuer's survey for `year` (one a year per issuer)."""
    _check_manager(actor, issuer)
    if not 2000 <= year <= 2100:
        raise ValidationError(_("请填写正确的年度。"))
    if TierSurvey.objects.filter(issuer=issuer, year=year).exists():
        raise ValidationError(_("%(unit)s %(year)d 年度的摸底排查已经建立。") % {"unit": issuer.name, "year": year})
    survey = TierSurvey.objects.create(issuer=issuer, year=year, created_by=_user_or_none(actor))
    audit(actor=actor, obj=survey, action="create", data={"year": year})
    return survey


@transaction.atomic
def survey_classify(*, actor, survey: TierSurvey, unit: OrgUnit, tier: str, reason: str) -> TierSurveyEntry:
    """Put `unit` (below the issuer) in a tier, with the reason; classifying it again replaces its tier."""
    survey = _locked_draft(actor=actor, survey=survey)
    if unit.pk == survey.issuer_id or not unit.path.startswith(survey.issuer_path):
        raise ValidationError(_("只能为排查单位的下级党组织定级。"))
    if tier not in Tier.values:
        raise ValidationError(_("请选择先进、中间或后进。"))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请填写定级理由。"))
    entry = TierSurveyEntry.objects.filter(survey=survey, unit=unit).first()
    before = entry.tier if entry else ""
    if entry is None:
        entry = TierSurveyEntry(survey=survey, unit=unit)
    entry.tier, entry.reason, entry.updated_by = tier, reason, _user_or_none(actor)
    entry.save()
    audit(actor=actor, obj=survey, action="classify",
          data={"unit": unit.pk, "from": before, "to": tier, "reason": reason})
    return entry


@transaction.atomic
def survey_finalize(*, actor, survey: TierSurvey) -> TierSurvey:
    """Fix the survey (草稿 → 已定稿): its tiers then count on the units' records and cannot change."""
    survey = _locked_draft(actor=actor, survey=survey)
    if not survey.entries.exists():
        raise ValidationError(_("还没有为任何党组织定级，不能定稿。"))
    survey.status = SurveyStatus.FINALIZED
    survey.finalized_by, survey.finalized_at = _user_or_none(actor), timezone.now()
    survey.save(update_fields=["status", "finalized_by", "finalized_at"])
    audit(actor=actor, obj=survey, action="finalize", data={"entries": survey.entries.count()})
    return survey


def improvement_campaign_name(year: int) -> str:
    return _("%(year)d年后进党组织整顿提升台账") % {"year": year}


def _improvement_template(survey: TierSurvey) -> ChecklistTemplate:
    """The checklist of the issuer's latest campaign up to the survey's year, else the first built-in one."""
    latest = (Campaign.objects.filter(issuer=survey.issuer, year__lte=survey.year).exclude(tier_survey__isnull=False)
              .order_by("-year", "-created_at").select_related("template").first())
    template = latest.template if latest else ChecklistTemplate.objects.filter(is_builtin=True).order_by("pk").first()
    if template is None:
        raise ValidationError(_("没有可用的对照清单，无法建立整顿提升台账。"))
    return template


@transaction.atomic
def improvement_ledgers_create(*, actor, survey: TierSurvey, template: ChecklistTemplate | None = None,
                               today: datetime.date | None = None) -> int:
    """Give each 后进 unit of a finalized survey an improvement ledger: a small campaign issued by the survey's
    unit to just those units ("<year>年后进党组织整顿提升台账"), each ledger linked to its survey row and back.
    Done once: a second call is refused. Returns the number of ledgers made."""
    survey = TierSurvey.objects.select_for_update().select_related("issuer").get(pk=survey.pk)
    _check_manager(actor, survey.issuer)
    if survey.status != SurveyStatus.FINALIZED:
        raise ValidationError(_("摸底排查定稿后，才能建立后进党组织整顿提升台账。"))
    if survey.improvement_campaign_id is not None:
        raise ValidationError(_("后进党组织整顿提升台账已经建立，不再重复建立。"))
    lagging = list(survey.entries.filter(tier=Tier.LAGGING))
    if not lagging:
        raise ValidationError(_("本次摸底排查没有后进党组织。"))
    today = today or timezone.localdate()
    campaign = campaign_create(
        actor=actor, issuer=survey.issuer, name=improvement_campaign_name(survey.year), year=survey.year,
        template=template or _improvement_template(survey), target_kind=TargetKind.BRANCHES,
        phases=[PhaseSpec(_("整顿提升"), PhaseStage.RECTIFICATION, starts_on=today,
                          ends_on=today + datetime.timedelta(days=365))],
    )
    campaign_publish(actor=actor, campaign=campaign,
                     units=OrgUnit.objects.filter(pk__in=[entry.unit_id for entry in lagging]))
    ledgers = dict(Ledger.objects.filter(campaign=campaign).values_list("unit_id", "pk"))
    for entry in lagging:
        entry.improvement_ledger_id = ledgers.get(entry.unit_id)
    TierSurveyEntry.objects.bulk_update(lagging, ["improvement_ledger"])
    survey.improvement_campaign = campaign
    survey.save(update_fields=["improvement_campaign"])
    audit(actor=actor, obj=survey, action="improvement_ledgers", data={"campaign": campaign.pk,
                                                                       "ledgers": len(ledgers)})
    return len(ledgers)
