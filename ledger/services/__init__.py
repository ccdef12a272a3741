"""Ledger writes, split by area: templates and campaigns (setup), the branch workflow (workflow)."""
