"""What the ledger tells the layers above it, without importing them (README "Layers").

`ledger_event_recorded` is sent by `ledger.services.events.event_record` with `event=` the new LedgerEvent,
inside the transaction that makes the change: a receiver that must wait for the commit (notifications) uses
`transaction.on_commit` itself. Receivers connect in their app's `ready()`; with none connected (the app is
not installed) nothing happens.

`ledger_figures_stale` is sent with `campaign=` (and `ledger_ids=`, None: all its ledgers) by the writers that
change ledgers past `event_record` (publishing inserts ledgers, a campaign's results deadline moves the day of
the in-place rule), inside their transaction: the reviews app counts the stored figures again (`reviews.figures`).
"""

from __future__ import annotations

from django.dispatch import Signal

ledger_event_recorded = Signal()
ledger_figures_stale = Signal()
