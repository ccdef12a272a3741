"""The bench covers every URL of the project: a rule per URL name, and every row it builds opens as its rule says.

A URL added without a bench rule fails `test_every_url_has_a_bench_rule` (as the authorization walk does for
its own rules) and stops `manage.py bench`.
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from scale import bench_rules
from scale.bench import Clients, Context
from scale.bench_rules import LEVELS, RULES, missing_rules, rows, stale_rules
from scale.generator import Plan, ScaleGenerator


def test_every_url_has_a_bench_rule():
    assert missing_rules() == [], "add a bench rule (scale/bench_rules.py) for these URLs"
    assert stale_rules() == [], "bench rules for URLs that no longer exist"


def test_a_skipped_url_says_why_and_a_page_names_its_levels():
    for name, rule in RULES.items():
        if rule.url is None:
            assert rule.skip.strip(), f"{name}: a skip needs its reason"
        else:
            assert rule.levels and set(rule.levels) <= set(LEVELS), f"{name}: levels {rule.levels}"


def test_the_bench_refuses_to_run_while_a_url_has_no_rule(monkeypatch):
    rules = dict(RULES)
    del rules["reviews:item_list"]
    monkeypatch.setattr(bench_rules, "RULES", rules)
    with pytest.raises(CommandError, match="reviews:item_list"):
        call_command("bench", "--repeat", "1")


@pytest.mark.django_db
def test_every_row_answers_as_its_rule_expects():
    """Each row, as its level's featured account on a small generated province: the status its rule names
    (200 unless told), so a rule cannot rot into timing an error page."""
    ScaleGenerator(Plan(units=300, items=1_000, seed=1, featured_problems=4)).run()
    ctx = Context.load()
    clients = Clients(ctx)
    wrong = []
    found = rows(ctx)
    for row in found:
        status = clients[row.level].get(row.url).status_code
        if status != row.status:
            wrong.append(f"{row.label} as {row.level}: HTTP {status}, expected {row.status} ({row.url})")
    assert wrong == [], "\n".join(["", *wrong])
    assert {row.name for row in found} == {name for name, rule in RULES.items() if rule.url is not None}
    assert len(found) > 500  # every level, every sort, filter and search of every page


@pytest.mark.django_db(transaction=True)
def test_the_zip_and_recount_tasks_measure_what_they_name(settings):
    """The bench's background tasks on a small province: the ZIP hears of every workbook it writes, and the
    recount writes nothing when nothing changed and recounts the changed county's block after a change."""
    from scale.bench import measure_recount, measure_zip

    ScaleGenerator(Plan(units=300, items=1_000, seed=1)).run()
    settings.EXPORT_ZIP_UNIT_ROWS = 200  # a province of 1,000 rows split as a real one is
    ctx = Context.load()
    archive = measure_zip(ctx).figures
    assert archive["rows"] == 1_000 and archive["workbooks"] > 1
    assert archive["progress_reports"] == archive["workbooks"] and archive["largest_workbook_kb"] > 0
    recount = measure_recount(ctx)
    assert recount.figures["unchanged_rows"] == 0
    assert 0 < recount.figures["one_county_rows"]
    assert recount.meets_target is True


def test_the_table_goes_between_the_readme_markers_and_nowhere_else(tmp_path):
    from scale.management.commands.bench import END, START, readme_put

    readme = tmp_path / "README.md"
    readme.write_text(f"# 整改台账\n\n{START}\nold table\n{END}\n\n## Documentation\n", encoding="utf-8")
    readme_put(readme, "| page | account |\n| home | branch |")
    assert readme.read_text(encoding="utf-8") == (
        f"# 整改台账\n\n{START}\n| page | account |\n| home | branch |\n{END}\n\n## Documentation\n")
    readme.write_text("# no section\n", encoding="utf-8")
    with pytest.raises(CommandError, match="bench:start"):
        readme_put(readme, "table")
    assert readme.read_text(encoding="utf-8") == "# no section\n"
