"""Every page general-branch staff may open fits a phone and a desk (tests/browser/page_walk.py; one file per role, so
the four walks run on both workers)."""

from __future__ import annotations

from tests.browser.page_walk import assert_every_page_fits, world  # noqa: F401  (the walk's objects)


def test_every_page_fits_a_phone_and_a_desk(world, browser, live_server):  # noqa: F811
    assert_every_page_fits(world, browser, live_server, "gb_staff")
