"""Real-browser journeys: Debian's Chromium driven by Playwright against a live server of the app.

Every page a journey visits is checked the same way (`Visit.check`): no horizontal scroll at the
viewport's width, no request leaving 127.0.0.1, no console error, no serious or critical accessibility violation
(axe-core, installed from package-lock.json by `make install`); and a screenshot is saved under
test-artifacts/screenshots/ (ignored by git) so a person can look. Whatever a test checks, it fails at the end
if any page it opened logged a console error, broke the Content-Security-Policy or threw (`no_console_errors`).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.directory import directory_settings, slapd_directory  # noqa: F401  (a real OpenLDAP server)

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Violations at these impacts fail a journey; minor and moderate ones are left to judgement.
FAILING_IMPACTS = ("serious", "critical")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to set up data
# are still plain synchronous calls, so Django's async guard is switched off for these tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not shutil.which(CHROMIUM):
                item.add_marker(pytest.mark.skip(reason="Chromium is not installed (make install installs it)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"],
    }


class Visit:
    """Watches one Playwright page: requests that leave the machine and console errors."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.external: list[str] = []
        self.console_errors: list[str] = []
        self.expected_errors: tuple[str, ...] = ()
        self.accessibility_violations: list[str] = []
        page.on("request", self._on_request)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _on_request(self, request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:")):
            return
        if host not in ("127.0.0.1", "localhost"):
            self.external.append(request.url)

    def expect_console_errors(self, *fragments: str) -> None:
        """Errors the test provokes on purpose (a failed save it answers with a 500) are not the page's fault."""
        self.expected_errors += fragments

    def _on_console(self, message) -> None:
        if message.type == "error" and not any(fragment in message.text for fragment in self.expected_errors):
            self.console_errors.append(message.text)

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def check(self, name: str) -> None:
        """Assert what every page must satisfy and save its screenshot."""
        page = self.page
        page.wait_for_load_state("networkidle")
        page.evaluate(REMEMBER_STYLED)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px at {page.viewport_size['width']}px"
        assert self.external == [], f"{name}: requests left the machine: {self.external}"
        assert self.console_errors == [], f"{name}: console errors: {self.console_errors}"
        self.check_accessibility(name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        safe_name = re.sub(r"[^\w-]+", "_", name)
        page.screenshot(path=str(SCREENSHOTS / f"{safe_name}.png"), full_page=True)
        page.evaluate(FORGET_ADDED_STYLES)

    def check_accessibility(self, name: str) -> None:
        """Run axe-core on the page as it is now; serious and critical violations fail the test when it ends
        (`no_console_errors`), all of them listed at once."""
        # page.evaluate runs through DevTools, outside the page's Content-Security-Policy, so the app keeps
        # serving no script of the test's and its CSP stays as strict as in production.
        results = self.page.evaluate(_axe_source() + "\n;axe.run(document, {resultTypes: ['violations']})")
        for violation in results["violations"]:
            if violation["impact"] in FAILING_IMPACTS:
                targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
                self.accessibility_violations.append(
                    f"{name}: {violation['impact']} {violation['id']} ({violation['help']}) at {targets}")

    def login(self, username: str, password: str = "demo-pass-2022") -> None:
        self.go("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def logout(self) -> None:
        self.page.click("form[action$='/accounts/logout/'] button")
        self.page.wait_for_load_state("networkidle")


# Chromium reports a Content-Security-Policy refusal only to DevTools, not to the page's console: every page
# reports it to console.error itself, so a blocked inline style or script fails the test like any other error.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
                " in " + event.sourceFile + ":" + event.lineNumber + " " + (event.sample || ""));
});
"""

@functools.cache
def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make install` runs npm ci to install axe-core")
    return AXE.read_text(encoding="utf-8")


# The check leaves an empty style="" behind on elements that had none (axe-core measures through element.style,
# the screenshot hides the caret); the next htmx swap copies that attribute (htmx's attributesToSettle), which
# the CSP refuses as an inline style. The page is put back as it was, so a check in the middle of a journey does
# not change what follows.
REMEMBER_STYLED = "window.__styledBeforeCheck = new Set(document.querySelectorAll('[style]'))"
FORGET_ADDED_STYLES = """
for (const element of document.querySelectorAll("[style]")) {
  if (!window.__styledBeforeCheck.has(element) && element.getAttribute("style") === "") {
    element.removeAttribute("style");
  }
}
"""


# Every Visit opened by the running test; `no_console_errors` checks them all when the test ends.
_opened_visits: list[Visit] = []


@pytest.fixture(autouse=True)
def no_console_errors():
    """No page of any browser test may log a console error, a CSP violation or an uncaught exception, whether
    or not the test checked that page itself; no page it checked may have a serious accessibility violation."""
    _opened_visits.clear()
    yield
    errors = [error for visit in _opened_visits for error in visit.console_errors]
    violations = [violation for visit in _opened_visits for violation in visit.accessibility_violations]
    _opened_visits.clear()
    assert errors == [], f"console errors: {errors}"
    assert violations == [], "accessibility violations:\n" + "\n".join(violations)


@pytest.fixture
def visit_as(browser, live_server):
    """`visit_as(viewport)` opens a fresh browser context at that size and returns its Visit."""
    contexts = []

    def open_visit(viewport: dict = PHONE) -> Visit:
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        visit = Visit(context.new_page(), live_server.url)
        _opened_visits.append(visit)
        return visit

    yield open_visit
    for context in contexts:
        context.close()
