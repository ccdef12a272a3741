"""Every page a branch secretary may open fits a phone and a desk (tests/browser/page_walk.py; one file per role, so
the four walks run on both workers)."""

from __future__ import annotations

from tests.browser.page_walk import ROLES, SIZES, assert_every_page_fits, html_pages, world  # noqa: F401


def test_every_page_fits_a_phone_and_a_desk(world, browser, live_server):  # noqa: F811
    assert_every_page_fits(world, browser, live_server, "secretary")


def test_the_four_walks_load_over_a_hundred_pages(world):  # noqa: F811
    """The four roles' walks together (one file each) load over a hundred pages: the walk still finds the app."""
    assert sum(len(html_pages(world, role)) for role in ROLES) * len(SIZES) > 100
