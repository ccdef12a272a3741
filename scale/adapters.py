"""Glue between the benchmark and the pieces it measures that other parts of the product provide.

Each function returns callables for the benchmark or raises `NotAvailable` while the piece has not landed.
"""

from __future__ import annotations

from collections.abc import Callable

from scale.bench import NotAvailable


def annex2_export() -> Callable:
    """(ctx, unit) -> workbook bytes: the 附件2 export of every ledger of the campaign under `unit`, as the
    county's organization department would download it (its scope, the background job's code path)."""
    try:
        from ledger.exports import ExportSelection, build_workbook_bytes
        from ledger.selectors.exports import export_ledgers
    except ImportError as error:
        raise NotAvailable("附件2 export not on main yet") from error
    from branches.selectors import scope_for

    def export(ctx, unit) -> bytes:
        ledgers = export_ledgers(scope=scope_for(ctx.users["county"]), campaign=ctx.campaign, unit=unit)
        return build_workbook_bytes(ExportSelection(campaign=ctx.campaign, unit=unit, ledgers=ledgers))

    return export


def annex3_report() -> tuple[Callable, Callable]:
    """((ctx, general_branch) -> report HTML, html -> PDF bytes) for the 附件3 report."""
    raise NotAvailable("附件3 report not on main yet")


def reminder_sweep() -> tuple[Callable, Callable]:
    """((today) -> None: one daily sweep, () -> int: reminders sent so far)."""
    raise NotAvailable("reminder sweep not on main yet")
