"""Checklist template writes: create, copy, and edit categories and manifestations while not frozen.

A template used by a published or closed campaign is frozen: branches have answered against its
wording, so changing it would rewrite what they answered. Built-in templates are the seed documents'
own text and are never edited in place either. Both are copied to be changed.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from branches.models import OrgUnit
from branches.selectors import Action, scope_for
from branches.services import audit
from ledger.models import ChecklistTemplate, Manifestation, Problem, TemplateCategory

TITLE_MAX = 500


def template_can_edit(*, user, template: ChecklistTemplate) -> bool:
    """May `user` change this template's content (ignoring whether it is frozen)?"""
    if template.is_builtin or template.owner is None:
        return False
    return scope_for(user).can(Action.MANAGE, template.owner)


def _check_manage(actor, template: ChecklistTemplate) -> None:
    if not template_can_edit(user=actor, template=template):
        raise PermissionDenied(_("您无权修改对照清单“%(name)s”。") % {"name": template.name})


def _check_owner(actor, owner: OrgUnit) -> None:
    if actor is None or not scope_for(actor).can(Action.MANAGE, owner):
        raise PermissionDenied(_("您无权为“%(unit)s”建立对照清单。") % {"unit": owner.name})


def _check_editable(template: ChecklistTemplate) -> None:
    if template.is_builtin:
        raise ValidationError(_("内置清单不能修改，请复制后在副本上修改。"))
    if template.is_frozen:
        raise ValidationError(_("该清单已被已发布的专项行动使用，不能再修改；请复制后在副本上修改。"))


def _lock(template: ChecklistTemplate, actor) -> ChecklistTemplate:
    """Lock the template row so concurrent edits and a concurrent publish serialize, then check."""
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    _check_manage(actor, template)
    _check_editable(template)
    return template


def _clean_title(title: str, what: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("%(what)s不能为空。") % {"what": what})
    if len(title) > TITLE_MAX:
        raise ValidationError(_("%(what)s不能超过%(max)d个字。") % {"what": what, "max": TITLE_MAX})
    return title


def _new_code() -> str:
    return f"custom-{uuid.uuid4().hex[:12]}"


@transaction.atomic
def template_create(*, actor, owner: OrgUnit, name: str, description: str = "") -> ChecklistTemplate:
    _check_owner(actor, owner)
    template = ChecklistTemplate.objects.create(
        name=_clean_title(name, _("清单名称"))[:200], code=_new_code(), description=(description or "").strip(),
        owner=owner, created_by=actor,
    )
    audit(actor=actor, obj=template, action="create", data={"name": template.name})
    return template


@transaction.atomic
def template_update(*, actor, template: ChecklistTemplate, name: str, description: str = "") -> ChecklistTemplate:
    template = _lock(template, actor)
    template.name = _clean_title(name, _("清单名称"))[:200]
    template.description = (description or "").strip()
    template.save(update_fields=["name", "description", "updated_at"])
    audit(actor=actor, obj=template, action="update", data={"name": template.name})
    return template


@transaction.atomic
def template_copy(*, actor, template: ChecklistTemplate, owner: OrgUnit) -> ChecklistTemplate:
    """A new, editable template with the same categories and manifestations, owned by `owner`."""
    _check_owner(actor, owner)
    copy = ChecklistTemplate.objects.create(
        name=(_("%(name)s（副本）") % {"name": template.name})[:200], code=_new_code(), source=template.source,
        description=template.description, owner=owner, copied_from=template, created_by=actor,
    )
    for category in template.categories.prefetch_related("manifestations").order_by("order"):
        new_category = TemplateCategory.objects.create(
            template=copy, order=category.order, title=category.title, target=category.target,
            requirements=category.requirements, copied_from=category,
        )
        # Each copy remembers its origin, so recurrence and carry-over see the same line across versions.
        Manifestation.objects.bulk_create(
            Manifestation(category=new_category, order=m.order, text=m.text, copied_from=m)
            for m in category.manifestations.all()
        )
    audit(actor=actor, obj=copy, action="copy", data={"from": template.code})
    return copy


@transaction.atomic
def category_add(*, actor, template: ChecklistTemplate, title: str, target: str = "",
                 requirements: str = "") -> TemplateCategory:
    template = _lock(template, actor)
    order = (template.categories.aggregate(m=Max("order"))["m"] or 0) + 1
    category = TemplateCategory.objects.create(
        template=template, order=order, title=_clean_title(title, _("类别名称")), target=(target or "").strip(),
        requirements=(requirements or "").strip(),
    )
    audit(actor=actor, obj=template, action="category_add", data={"title": category.title})
    return category


@transaction.atomic
def category_update(*, actor, category: TemplateCategory, title: str, target: str = "",
                    requirements: str = "") -> TemplateCategory:
    _lock(category.template, actor)
    category = TemplateCategory.objects.get(pk=category.pk)
    category.title = _clean_title(title, _("类别名称"))
    category.target = (target or "").strip()
    category.requirements = (requirements or "").strip()
    category.save()
    audit(actor=actor, obj=category.template, action="category_update", data={"category": category.pk})
    return category


@transaction.atomic
def category_remove(*, actor, category: TemplateCategory) -> None:
    template = _lock(category.template, actor)
    if Problem.objects.filter(category=category).exists():
        raise ValidationError(_("已有台账问题归入该类别，不能删除。"))
    title = category.title
    category.delete()  # its manifestations go with it; nothing user-filed refers to them (checked above)
    _renumber(template.categories.order_by("order"))
    audit(actor=actor, obj=template, action="category_remove", data={"title": title})


@transaction.atomic
def category_move(*, actor, category: TemplateCategory, offset: int) -> None:
    template = _lock(category.template, actor)
    _move(list(template.categories.order_by("order")), category.pk, offset)
    audit(actor=actor, obj=template, action="category_move", data={"category": category.pk, "offset": offset})


@transaction.atomic
def manifestation_add(*, actor, category: TemplateCategory, text: str) -> Manifestation:
    template = _lock(category.template, actor)
    order = (category.manifestations.aggregate(m=Max("order"))["m"] or 0) + 1
    manifestation = Manifestation.objects.create(category=category, order=order, text=_clean_title(text, _("表现")))
    audit(actor=actor, obj=template, action="manifestation_add", data={"category": category.pk})
    return manifestation


@transaction.atomic
def manifestation_update(*, actor, manifestation: Manifestation, text: str) -> Manifestation:
    template = _lock(manifestation.category.template, actor)
    manifestation = Manifestation.objects.get(pk=manifestation.pk)
    manifestation.text = _clean_title(text, _("表现"))
    manifestation.save(update_fields=["text"])
    audit(actor=actor, obj=template, action="manifestation_update", data={"manifestation": manifestation.pk})
    return manifestation


@transaction.atomic
def manifestation_remove(*, actor, manifestation: Manifestation) -> None:
    template = _lock(manifestation.category.template, actor)
    if Problem.objects.filter(manifestation=manifestation).exists():
        raise ValidationError(_("已有台账问题对应该表现，不能删除。"))
    category = manifestation.category
    manifestation.delete()
    _renumber(category.manifestations.order_by("order"))
    audit(actor=actor, obj=template, action="manifestation_remove", data={"category": category.pk})


@transaction.atomic
def manifestation_move(*, actor, manifestation: Manifestation, offset: int) -> None:
    template = _lock(manifestation.category.template, actor)
    siblings = list(manifestation.category.manifestations.order_by("order"))
    _move(siblings, manifestation.pk, offset)
    audit(actor=actor, obj=template, action="manifestation_move", data={"manifestation": manifestation.pk})


def _move(rows: list, pk: int, offset: int) -> None:
    """Move row `pk` by `offset` places among `rows` and renumber them 1..n."""
    index = next(i for i, row in enumerate(rows) if row.pk == pk)
    target = max(0, min(len(rows) - 1, index + offset))
    rows.insert(target, rows.pop(index))
    _renumber(rows)


def _renumber(rows) -> None:
    """Give rows the orders 1..n without tripping the (parent, order) unique constraint midway."""
    rows = list(rows)
    if not rows:
        return
    model = type(rows[0])
    offset = 10000  # out of the way of every real order first, then into place
    for row in rows:
        row.order += offset
    model.objects.bulk_update(rows, ["order"])
    for number, row in enumerate(rows, start=1):
        row.order = number
    model.objects.bulk_update(rows, ["order"])
