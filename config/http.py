"""What views share about answering: an object a selector did not find is a 404."""

from __future__ import annotations

from typing import TypeVar

from django.http import Http404

T = TypeVar("T")


def found_or_404(obj: T | None) -> T:
    """What a selector found, or a 404: outside the user's scope an object does not exist for them."""
    if obj is None:
        raise Http404
    return obj
