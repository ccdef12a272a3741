"""Scoped ledger reads, split by area."""
