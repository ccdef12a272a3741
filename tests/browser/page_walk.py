"""Every page fits a phone and a desk (the walk; the tests are test_every_page_fits_<role>.py, one file per role so
pytest-xdist runs them on both workers): each HTML page (GET) an account of each role may open, found from the URL
configuration with the authorization walk's objects (tests/security/test_authorization_walk.py), is loaded at
390×844 and 1280×800. Nothing may be wider than the viewport or stick out past its right edge, and axe-core finds no
serious or critical violation; a full-page screenshot of each page that fails is kept under
test-artifacts/screenshots/<size>/<role>-<url-name>.png for a person to look at (the checks read the DOM, not the
picture: taking one of every page cost more than the checks themselves).

What counts as "sticking out": any visible element whose right edge passes the viewport's, except inside an element
that scrolls sideways (computed overflow-x auto or scroll, e.g. `.table-responsive`): its own box must fit, its
contents may scroll within it. But only a wide matrix of numbers (a dashboard, a breakdown: class `table-scrolls`)
may be wider than its box: every other table turns into cards on a phone (`table-cards`, static/css/app.css),
because a list squeezed into a scrolling strip hides its right half from a secretary reading it on a phone.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ledger.builtin_templates import load_builtin_templates
from ledger.models import ChecklistTemplate, Ledger, Manifestation, RectificationItem, TemplateCategory
from ledger.services.workflow import comment_add
from tests.browser.conftest import REPORT_CSP_VIOLATIONS, SCREENSHOTS, Visit, _opened_visits
from tests.security.test_authorization_walk import RULES, World, cases, expected, reverse_rule

SIZES = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1280, "height": 800}}
ROLES = ("secretary", "gb_staff", "org", "inspector")
# Pages that change who is walking, or answer only to a POST (the walk's action URLs redirect a GET), and the
# operators' monitoring (not a page of the app: the library's status page, for machines and the loopback).
# The CAS sign-in's start is no page: it sends the browser to the CAS server (off in the walk anyway). The unit
# picker's matches are a fragment its form asks for (tests/browser/test_unit_picker.py opens it in its form).
NOT_WALKED = {"login", "logout", "set_language", "notifications:read", "notifications:read_all", "health", "metrics",
              "accounts:cas_login", "branches:unit_pick"}

# The visible elements whose right edge passes the viewport, unless an ancestor scrolls sideways on purpose.
STICKING_OUT = """
() => {
  const width = window.innerWidth;
  const scrollsSideways = (element) => {
    for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
      const overflow = getComputedStyle(node).overflowX;
      if (overflow === "auto" || overflow === "scroll") return true;
    }
    return false;
  };
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= width + 0.5) continue;
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || style.position === "fixed") continue;
    if (scrollsSideways(element)) continue;
    const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") +
      (element.className && typeof element.className === "string" ? "." + element.className.trim().split(/\\s+/).join(".") : "");
    found.push(name + " right=" + Math.round(box.right));
  }
  for (const table of document.body.querySelectorAll("table:not(.table-scrolls)")) {
    const room = table.parentElement.clientWidth;
    if (table.getBoundingClientRect().width > room + 1) {
      found.push("table." + table.className.trim().split(/\\s+/).join(".") + " wider than its box (" + room + "px)");
    }
  }
  return found.slice(0, 5);
}
"""


def html_pages(world: World, user: str) -> list[tuple[str, str]]:
    """(screenshot name, url) of every page the account may GET that answers with HTML, one per rule (the first
    site the account may open): a URL with a second rule for another kind of object (`…/committee`: a committee's
    ledger and problem, whose pages show more) is walked for each."""
    client = Client()
    client.force_login(world.users[user])
    pages, seen = [], set()
    for name, site in cases():
        url_name = name.split("/")[0]
        if url_name in NOT_WALKED or name in seen or expected(RULES[name], user, site) != "allowed":
            continue
        url = reverse_rule(name, RULES[name], world, site)
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            seen.add(name)
            pages.append((re.sub(r"[^\w-]+", "_", name.replace(":", "-")), url))
    return pages


@pytest.fixture
def world(transactional_db, tree, users, settings, tmp_path):
    load_builtin_templates(ChecklistTemplate, TemplateCategory, Manifestation)  # a flush may have removed them
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    settings.COMMON_PROBLEM_MIN_UNITS = 1  # the common-problem pages show their problems and answers, not an empty page
    world = World(tree, users)
    # A ledger's history as it reads after a term of work: long notes from the general branch.
    ledger = Ledger.objects.get(pk=world.kwargs[("ledger", "b1")]["pk"])
    for n in range(3):
        comment_add(actor=users["gb_staff"], ledger=ledger, text=f"第{n + 1}次意见：" + "组织生活会记录不完整，" * 6)
    # Work by phase (按阶段) on the ledger page and the dashboard: b1's measures in one of the campaign's phases.
    RectificationItem.objects.filter(ledger=ledger).update(phase=ledger.campaign.phases.order_by("order").last())
    return world


def open_logged_in(browser, live_server, user, viewport: dict) -> Visit:
    """One context per account and size, logged in once through the real form."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    visit = Visit(context.new_page(), live_server.url)
    _opened_visits.append(visit)
    visit.login(user.username, "pw-123456")
    return visit


def assert_every_page_fits(world: World, browser, live_server, role: str) -> None:
    """Every page `role` may open, at each size: nothing wider than the viewport, nothing past its right edge, axe
    passes (at teardown, `no_console_errors`). A page with a problem is photographed (the whole page) under
    test-artifacts/screenshots/<size>/<role>-<url-name>.png for a person to look at; the checks read the DOM."""
    problems = []
    pages = html_pages(world, role)
    assert len(pages) > 10, f"{role}: only {pages}"  # the walk found the role's pages, not just the home page
    for size, viewport in SIZES.items():
        visit = open_logged_in(browser, live_server, world.users[role], viewport)
        for name, url in pages:
            visit.page.goto(live_server.url + url, wait_until="load")  # no page here polls: "load" is enough
            where = f"{size} {role} {name} ({url})"
            found = []
            overflow = visit.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                found.append(f"{where}: the page scrolls sideways by {overflow}px")
            sticking_out = visit.page.evaluate(STICKING_OUT)
            if sticking_out:
                found.append(f"{where}: past the right edge: {sticking_out}")
            violations = len(visit.accessibility_violations)
            visit.check_accessibility(where)  # axe-core: serious or critical violations fail at teardown
            if found or len(visit.accessibility_violations) > violations:
                folder = SCREENSHOTS / size
                folder.mkdir(parents=True, exist_ok=True)
                visit.page.screenshot(path=str(folder / f"{role}-{name}.png"), full_page=True)
            problems += found
        visit.page.context.close()
    assert problems == [], "\n".join(["", *problems])
