"""The branch workflow: self-check, problems, measures, closing items (销号) and the ledger's acceptance (审核).

Every transition is one function: it checks the actor's right through the scoping selector, locks the row,
checks the state (and the version the person saw, so a stale form never overwrites a newer save), writes,
and records a history row with `event_record` — all in one transaction.

Rights: the branch's own work needs Action.FILL on the ledger's unit (its own accounts, never the inspector);
review and closing need Action.SUPERVISE (general branch and organization department above it), so a branch
secretary can never close its own items. While a ledger is submitted it is locked for the branch.
After acceptance the branch may still amend its plan; each amendment is recorded as LEDGER_AMENDED with
before/after values, which is what the general branch's "changed since accepted" view lists.
"""

from __future__ import annotations

from ledger.services.workflow.acceptance import comment_add, ledger_accept, ledger_return, ledger_submit
from ledger.services.workflow.closing import (
    item_close,
    item_request_closure,
    item_send_back,
    item_start,
    items_close_bulk,
    progress_note_add,
)
from ledger.services.workflow.guards import DEADLINE_GRACE, SUPERVISION_SOURCES, StaleEdit
from ledger.services.workflow.plan import (
    PHASE_BY_DEADLINE,
    PHASE_KEEP,
    deadline_bounds,
    item_add,
    item_update,
    problem_add,
    problem_update,
    problem_withdraw,
)
from ledger.services.workflow.self_check import self_check_answer, self_check_progress

__all__ = [
    "DEADLINE_GRACE",
    "PHASE_BY_DEADLINE",
    "PHASE_KEEP",
    "SUPERVISION_SOURCES",
    "StaleEdit",
    "comment_add",
    "deadline_bounds",
    "item_add",
    "item_close",
    "item_request_closure",
    "item_send_back",
    "item_start",
    "item_update",
    "items_close_bulk",
    "ledger_accept",
    "ledger_return",
    "ledger_submit",
    "problem_add",
    "problem_update",
    "problem_withdraw",
    "progress_note_add",
    "self_check_answer",
    "self_check_progress",
]
