"""Writes for supervision, results policy and star ratings. One function per transition, one transaction each.

A finding opens its problem through the workflow's `problem_add`; reopening an item after a look-back check has
no workflow counterpart and is done here with the same discipline: check the right, lock, write, record the event.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import OrgUnit
from branches.selectors import Action, scope_for
from jobs.services import job_create
from ledger.models import (
    Campaign,
    EventAction,
    ItemStatus,
    Ledger,
    Manifestation,
    Problem,
    ProblemNature,
    ProblemSource,
    RectificationItem,
    TemplateCategory,
)
from ledger.services import workflow
from ledger.services.events import event_record
from ledger.services.tally_marks import tally_mark_bump, tally_marks_bump_all
from reviews.figures import figures_recount_campaign
from reviews.jobs import FIGURES_RECOUNT
from reviews.models import (
    ItemReopening,
    RatingChange,
    RatingDelegation,
    RatingObjection,
    RatingStatus,
    ResultPolicy,
    StarRating,
    SupervisionFinding,
    SupervisionKind,
    SupervisionRecord,
    SupervisionVisit,
)
from reviews.selectors.ratings import can_rate
from reviews.selectors.results import unit_result
from reviews.selectors.supervision import supervising_units


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)


# --- supervision ---------------------------------------------------------------------------------------


@transaction.atomic
def supervision_create(
    *,
    actor,
    author_unit: OrgUnit,
    kind: str,
    date: datetime.date,
    participants: str,
    visited_units: list[OrgUnit],
    findings: str = "",
    campaign: Campaign | None = None,
) -> SupervisionRecord:
    """Record a supervision activity. The author unit must be one where the actor supervises (general branch
    staff or organization department) and every visited unit must lie within the actor's SUPERVISE scope."""
    scope = scope_for(actor)
    _require(kind in SupervisionKind.values, _("请选择督查方式。"))
    _require(author_unit in supervising_units(scope), _("您不能以“%(unit)s”的名义开展督查。") % {"unit": author_unit})
    _require(bool(participants.strip()), _("请填写参加人员。"))
    _require(bool(visited_units), _("请至少选择一个被督查的党组织。"))
    for unit in visited_units:
        _require(scope.can(Action.SUPERVISE, unit) and unit.path.startswith(author_unit.path),
                 _("“%(unit)s”不在您的督查范围内。") % {"unit": unit})
    if campaign is not None:
        _require(author_unit.path.startswith(campaign.issuer_path) or campaign.issuer_path.startswith(author_unit.path),
                 _("所选专项行动不属于本单位。"))
    record = SupervisionRecord.objects.create(
        author_unit=author_unit, author_path=author_unit.path, campaign=campaign, kind=kind, date=date,
        participants=participants.strip(), findings=findings.strip(), created_by=_user_or_none(actor),
    )
    SupervisionVisit.objects.bulk_create(
        [SupervisionVisit(record=record, unit=unit, unit_path=unit.path) for unit in {u.pk: u for u in visited_units}.values()]
    )
    return record


@transaction.atomic
def supervision_open_problem(
    *,
    actor,
    record: SupervisionRecord,
    unit: OrgUnit,
    campaign: Campaign,
    category: TemplateCategory,
    description: str,
    manifestation: Manifestation | None = None,
    nature: str = ProblemNature.INDIVIDUAL,
) -> Problem:
    """A finding opens a problem (source: 督查发现) in a visited unit's ledger; the branch then rectifies it."""
    scope = scope_for(actor)
    _require(scope.can(Action.SUPERVISE, unit), _("您无权在“%(unit)s”的台账中新增问题。") % {"unit": unit})
    _require(record.visits.filter(unit=unit).exists(), _("“%(unit)s”不是本次督查的对象。") % {"unit": unit})
    _require(bool(description.strip()), _("请填写发现的问题。"))
    _require(record.campaign_id in (None, campaign.pk), _("本次督查属于另一专项行动。"))
    _require(category.template_id == campaign.template_id, _("问题类别不属于该专项行动的对照清单。"))
    _require(manifestation is None or manifestation.category_id == category.pk, _("所选表现不属于该问题类别。"))
    _require(nature in ProblemNature.values, _("请选择问题性质。"))
    ledger = Ledger.objects.filter(campaign=campaign, unit=unit).first()
    _require(ledger is not None, _("“%(unit)s”在该专项行动中没有台账。") % {"unit": unit})
    # The workflow service locks the ledger, numbers the problem (max + 1) and records the event.
    problem = workflow.problem_add(actor=actor, ledger=ledger, category=category, description=description,
                                   source=ProblemSource.SUPERVISION, nature=nature, manifestation=manifestation)
    SupervisionFinding.objects.create(record=record, problem=problem, unit_path=ledger.unit_path,
                                      created_by=_user_or_none(actor))
    return problem


@transaction.atomic
def item_reopen(*, actor, record: SupervisionRecord, item: RectificationItem, reason: str) -> RectificationItem:
    """A look-back check (回头看) reopens a closed item whose problem has come back."""
    scope = scope_for(actor)
    _require(scope.can(Action.SUPERVISE, item.unit_path), _("您无权重新打开这项整改措施。"))
    _require(record.kind == SupervisionKind.LOOK_BACK, _("只有整改“回头看”可以重新打开已销号的措施。"))
    _require(record.visits.filter(unit_path=item.unit_path).exists(), _("该措施所属党组织不是本次“回头看”的对象。"))
    _require(bool(reason.strip()), _("请填写重新整改的原因。"))
    item = RectificationItem.objects.select_for_update().get(pk=item.pk)
    _require(item.status == ItemStatus.CLOSED, _("只有已销号的措施才能重新打开。"))
    previous = item.closed_at
    item.status = ItemStatus.IN_PROGRESS
    item.closed_at = None
    item.closed_by = None
    item.version += 1
    item.save(update_fields=["status", "closed_at", "closed_by", "version", "updated_at"])
    ItemReopening.objects.create(record=record, item=item, unit_path=item.unit_path, reason=reason.strip(),
                                 previous_closed_at=previous, actor=_user_or_none(actor))
    event_record(ledger=item.ledger, actor=actor, action=EventAction.ITEM_REOPENED, problem=item.problem, item=item,
                 from_status=ItemStatus.CLOSED, to_status=ItemStatus.IN_PROGRESS, comment=reason.strip(),
                 changes={"supervision_record": record.pk})
    return item


# --- the results policy --------------------------------------------------------------------------------


@transaction.atomic
def policy_set(*, actor, campaign: Campaign, progress_period_days: int, advanced_min_stars: int,
               middle_min_stars: int) -> ResultPolicy:
    """Save the campaign's results rule at once. A new progress period changes 整改到位 of ledgers with ongoing
    measures: their stored figures are counted again by a background job (minutes for a province), and until it is
    done the pages reading them count live or say so (`reviews.selectors.results.figures_recount_pending`)."""
    _require(scope_for(actor).can(Action.MANAGE, campaign.issuer_path), _("只有发文单位的组织部可以修改结果运用规则。"))
    _require(1 <= progress_period_days <= 366, _("进展周期应在 1 到 366 天之间。"))
    _require(2 <= middle_min_stars <= advanced_min_stars <= 5,
             _("星级与等次的对应不正确：应满足 2 ≤ 中间最低星级 ≤ 先进最低星级 ≤ 5。"))
    policy, _created = ResultPolicy.objects.select_for_update().get_or_create(campaign=campaign)
    period_changed = policy.progress_period_days != progress_period_days
    policy.progress_period_days = progress_period_days
    policy.advanced_min_stars = advanced_min_stars
    policy.middle_min_stars = middle_min_stars
    policy.updated_by = _user_or_none(actor)
    tally_marks_bump_all(campaign=campaign)  # "in place" and the tiers are counted by these rules
    if period_changed:  # the stars → tier mapping is no stored figure; the period is, in each 整改到位
        if policy.updated_by is not None:
            policy.recount_job = job_create(
                owner=policy.updated_by, kind=FIGURES_RECOUNT, params={"campaign": campaign.pk},
                title=(_("重新统计整改到位：%(campaign)s") % {"campaign": campaign.name})[:200])
        else:  # no one to own a job (a script): counted here
            policy.recount_job = None
            figures_recount_campaign(campaign)
    policy.save()
    return policy


# --- star ratings --------------------------------------------------------------------------------------


@transaction.atomic
def delegation_grant(*, actor, unit: OrgUnit, user) -> RatingDelegation:
    """The organization department lets `user` decide ratings within `unit`'s subtree."""
    _require(scope_for(actor).can(Action.MANAGE, unit), _("只有组织部可以授权评星定级。"))
    delegation, _created = RatingDelegation.objects.get_or_create(
        unit=unit, user=user, defaults={"unit_path": unit.path, "granted_by": _user_or_none(actor)})
    if not delegation.is_active:
        delegation.is_active = True
        delegation.save(update_fields=["is_active"])
    return delegation


@transaction.atomic
def delegation_revoke(*, actor, delegation: RatingDelegation) -> RatingDelegation:
    delegation = RatingDelegation.objects.select_for_update().select_related("unit").get(pk=delegation.pk)
    _require(scope_for(actor).can(Action.MANAGE, delegation.unit), _("只有组织部可以收回评星授权。"))
    delegation.is_active = False
    delegation.save(update_fields=["is_active"])
    return delegation


def _check_rater(actor, unit: OrgUnit) -> None:
    _require(can_rate(scope=scope_for(actor), user=actor, unit=unit),
             _("您无权评定“%(unit)s”的星级（需组织部或其授权的人员）。") % {"unit": unit})


@transaction.atomic
def rating_decide(*, actor, campaign: Campaign, unit: OrgUnit, stars: int, basis: str) -> StarRating:
    """Decide (or change, before it is final) a unit's star rating for the campaign's year.

    Five stars are refused while the unit's rectification is not in place at the results deadline: the
    message lists why, and nothing is saved.
    """
    _check_rater(actor, unit)
    _require(unit.path.startswith(campaign.issuer_path) and campaign.ledgers.filter(unit=unit).exists(),
             _("“%(unit)s”不是该专项行动的对象。") % {"unit": unit})
    _require(stars in range(1, 6), _("星级应为 1 到 5 星。"))
    _require(bool(basis.strip()), _("请填写评定依据。"))
    if stars == 5:
        result = unit_result(campaign=campaign, unit=unit)
        if result is not None and not result.in_place:
            raise ValidationError(
                _("“%(unit)s”整改不到位，不能评为五星：%(reasons)s。")
                % {"unit": unit, "reasons": "；".join(result.reasons)}
            )
    rating = StarRating.objects.select_for_update().filter(unit=unit, year=campaign.year).first()
    now = timezone.now()
    if rating is None:
        rating = StarRating.objects.create(
            unit=unit, unit_path=unit.path, campaign=campaign, year=campaign.year, stars=stars, basis=basis.strip(),
            decided_by=_user_or_none(actor), decided_at=now,
        )
        RatingChange.objects.create(rating=rating, action=RatingChange.Action.DECIDED, actor=_user_or_none(actor),
                                    to_stars=stars, comment=rating.basis)
        tally_mark_bump(campaign=campaign, unit_path=unit.path)
        return rating
    _require(rating.status != RatingStatus.FINAL, _("星级已确定，不能再修改。"))
    previous = rating.stars
    for counted_in in {rating.campaign_id, campaign.pk}:  # the rating may move from another campaign's tallies
        tally_mark_bump(campaign=counted_in, unit_path=rating.unit_path)
    rating.campaign = campaign
    rating.stars = stars
    rating.basis = basis.strip()
    rating.decided_by = _user_or_none(actor)
    rating.decided_at = now
    # A changed rating must be published again before it can become final.
    rating.status = RatingStatus.DRAFT
    rating.notice_starts_on = rating.notice_ends_on = None
    rating.version += 1
    rating.save()
    RatingChange.objects.create(rating=rating, action=RatingChange.Action.CHANGED, actor=_user_or_none(actor),
                                from_stars=previous, to_stars=stars, comment=rating.basis)
    return rating


@transaction.atomic
def rating_publish(*, actor, rating: StarRating, starts_on: datetime.date, ends_on: datetime.date) -> StarRating:
    """Publish a rating for its notice period (公示) before it can be final."""
    rating = StarRating.objects.select_for_update().get(pk=rating.pk)
    _check_rater(actor, rating.unit)
    _require(rating.status == RatingStatus.DRAFT, _("只有拟定状态的星级可以公示。"))
    _require(starts_on <= ends_on, _("公示结束日期不能早于开始日期。"))
    rating.status = RatingStatus.PUBLISHED
    rating.notice_starts_on, rating.notice_ends_on = starts_on, ends_on
    rating.save(update_fields=["status", "notice_starts_on", "notice_ends_on"])
    RatingChange.objects.create(rating=rating, action=RatingChange.Action.PUBLISHED, actor=_user_or_none(actor),
                                from_stars=rating.stars, to_stars=rating.stars,
                                comment=_("公示期 %(start)s 至 %(end)s") % {"start": starts_on, "end": ends_on})
    return rating


@transaction.atomic
def objection_record(*, actor, rating: StarRating, raised_by: str, text: str,
                     today: datetime.date | None = None) -> RatingObjection:
    """Record an objection received during the notice period."""
    today = today or timezone.localdate()
    rating = StarRating.objects.select_for_update().get(pk=rating.pk)
    _check_rater(actor, rating.unit)
    _require(rating.status == RatingStatus.PUBLISHED, _("只有公示中的星级可以登记异议。"))
    _require(rating.notice_starts_on <= today <= rating.notice_ends_on, _("不在公示期内，不能登记异议。"))
    _require(bool(raised_by.strip()) and bool(text.strip()), _("请填写异议提出人和异议内容。"))
    objection = RatingObjection.objects.create(rating=rating, raised_by=raised_by.strip(), text=text.strip(),
                                               recorded_by=_user_or_none(actor))
    RatingChange.objects.create(rating=rating, action=RatingChange.Action.OBJECTED, actor=_user_or_none(actor),
                                comment=f"{objection.raised_by}：{objection.text}")
    return objection


@transaction.atomic
def objection_resolve(*, actor, objection: RatingObjection, resolution: str) -> RatingObjection:
    objection = RatingObjection.objects.select_for_update().select_related("rating__unit").get(pk=objection.pk)
    _check_rater(actor, objection.rating.unit)
    _require(objection.resolved_at is None, _("该异议已处理。"))
    _require(bool(resolution.strip()), _("请填写处理结果。"))
    objection.resolution = resolution.strip()
    objection.resolved_by = _user_or_none(actor)
    objection.resolved_at = timezone.now()
    objection.save(update_fields=["resolution", "resolved_by", "resolved_at"])
    RatingChange.objects.create(rating=objection.rating, action=RatingChange.Action.OBJECTION_RESOLVED,
                                actor=_user_or_none(actor), comment=objection.resolution)
    return objection


@transaction.atomic
def rating_finalise(*, actor, rating: StarRating, today: datetime.date | None = None) -> StarRating:
    """Make a published rating final once its notice period is over and every objection is resolved."""
    today = today or timezone.localdate()
    rating = StarRating.objects.select_for_update().get(pk=rating.pk)
    _check_rater(actor, rating.unit)
    _require(rating.status == RatingStatus.PUBLISHED, _("星级须先公示，公示期满后才能确定。"))
    _require(today > rating.notice_ends_on, _("公示期至 %(end)s 结束，期满后才能确定。") % {"end": rating.notice_ends_on})
    _require(not rating.objections.filter(resolved_at__isnull=True).exists(), _("还有未处理的异议，不能确定。"))
    if rating.stars == 5:
        # The ledger may have changed since the decision (a look-back check reopened an item).
        result = unit_result(campaign=rating.campaign, unit=rating.unit)
        if result is not None and not result.in_place:
            raise ValidationError(_("“%(unit)s”整改不到位，不能确定为五星：%(reasons)s。")
                                  % {"unit": rating.unit, "reasons": "；".join(result.reasons)})
    rating.status = RatingStatus.FINAL
    rating.finalised_at = timezone.now()
    rating.save(update_fields=["status", "finalised_at"])
    RatingChange.objects.create(rating=rating, action=RatingChange.Action.FINALISED, actor=_user_or_none(actor),
                                from_stars=rating.stars, to_stars=rating.stars)
    return rating
