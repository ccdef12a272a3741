"""Template lineage: a category or manifestation and its copies (`copied_from`) across template versions.

Copying a template records each new category's and manifestation's origin, so "the same checklist line" can be
recognised in next year's copy: recurrence (问题反弹) and carry-over (结转) follow it. Two lines are the same when
they descend from the same first line (their root).
"""

from __future__ import annotations

from django.db.models import Model

# A guard against a cycle someone made by hand: copies are never this deep.
MAX_DEPTH = 100


def root_id(model: type[Model], pk: int) -> int:
    """The first line `pk` was copied from (itself when it is no copy)."""
    current = pk
    for _ in range(MAX_DEPTH):
        parent = model.objects.filter(pk=current).values_list("copied_from_id", flat=True).first()
        if parent is None:
            return current
        current = parent
    return current


def family_ids(model: type[Model], pk: int) -> set[int]:
    """Every line that is the same as `pk`: its root and all copies of copies of it."""
    ids = {root_id(model, pk)}
    frontier = set(ids)
    for _ in range(MAX_DEPTH):
        frontier = set(model.objects.filter(copied_from__in=frontier).values_list("pk", flat=True)) - ids
        if not frontier:
            break
        ids |= frontier
    return ids


def roots_of(model: type[Model], pks) -> dict[int, int]:
    """pk → root pk for several lines (one query per level of copying, not per line)."""
    parents = dict(model.objects.filter(pk__in=pks).values_list("pk", "copied_from_id"))
    roots = {pk: pk for pk in parents}
    pending = {pk: parent for pk, parent in parents.items() if parent is not None}
    for _ in range(MAX_DEPTH):
        if not pending:
            break
        for pk, parent in pending.items():
            roots[pk] = parent
        grand = dict(model.objects.filter(pk__in=set(pending.values())).values_list("pk", "copied_from_id"))
        pending = {pk: grand.get(parent) for pk, parent in pending.items() if grand.get(parent) is not None}
    return roots
