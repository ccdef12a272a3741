"""The layering contract (.importlinter, README "Layers") holds, and it would catch an app importing upwards."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".importlinter"
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LINT], cwd=project, capture_output=True, text=True, timeout=120)


def root_packages() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser["importlinter"]["root_packages"].split()


def test_the_apps_import_only_downwards():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def python_only(directory: str, names: list[str]) -> list[str]:
    """copytree's ignore: keep packages and .py files, leave templates, static files and caches behind."""
    return [name for name in names
            if name == "__pycache__" or (not name.endswith(".py") and not (Path(directory) / name).is_dir())]


@pytest.fixture
def copy_of_the_project(tmp_path: Path) -> Path:
    for package in root_packages():
        shutil.copytree(ROOT / package, tmp_path / package, ignore=python_only)
    shutil.copy(CONFIG, tmp_path / ".importlinter")
    return tmp_path


# The two cycles the contract was written against (issue 17): ledger pages read tallies from reviews, and
# ledger events called notifications directly.
@pytest.mark.parametrize(
    ("module", "upward_import", "reported"),
    [
        ("ledger/selectors/setup.py", "from reviews.selectors.dashboards import dashboard", "ledger is not allowed to import reviews"),
        ("ledger/services/events.py", "from notifications.services import event_notify",
         "ledger is not allowed to import notifications"),
        ("branches/services.py", "from ledger.models import Ledger", "branches is not allowed to import ledger"),
        ("reviews/selectors/results.py", "from reports.models import SituationReport",
         "reviews is not allowed to import reports"),
    ],
)
def test_an_upward_import_breaks_the_contract(copy_of_the_project, module, upward_import, reported):
    path = copy_of_the_project / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{upward_import}  # noqa\n", encoding="utf-8")

    result = lint_imports(copy_of_the_project)

    assert result.returncode == 1
    assert reported in result.stdout
