"""How a service's refusal is shown to the person: its messages, as one line."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)
