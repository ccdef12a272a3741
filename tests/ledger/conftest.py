"""Fixtures of the ledger tests (the workflow's are defined in workflow_support)."""

from tests.ledger.workflow_support import other_users, world  # noqa: F401
