"""The built-in checklists: loaded by the data migration, the Weifang 附件1 word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from ledger.builtin_templates import BUILTIN_TEMPLATES, load_builtin_templates
from ledger.models import ChecklistTemplate, Manifestation, TemplateCategory
from tests.factories import ensure_builtin_templates

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


@pytest.fixture(autouse=True)
def builtins(db):
    # Loaded by migration 0002; reloaded here (idempotently) in case a live-server test flushed the database.
    ensure_builtin_templates()


def _squash(text: str) -> str:
    """Whitespace and line breaks only: the extraction's spacing is not the wording."""
    return re.sub(r"\s+", "", text)


def test_weifang_template_has_six_categories_and_25_manifestations(db):
    template = ChecklistTemplate.objects.get(code="weifang-2022")
    counts = [c.manifestations.count() for c in template.categories.order_by("order")]
    assert counts == [5, 6, 4, 5, 2, 3]
    assert Manifestation.objects.filter(category__template=template).count() == 25
    assert template.is_builtin
    first = template.categories.get(order=1)
    assert first.title == "党支部设置和调整不规范"
    assert first.manifestations.get(order=1).text == "党支部超期未换届或未经批准提前换届"


def test_every_seed_scheme_is_a_builtin_template(db):
    expected = {"weifang-2022": 6, "college-dengxiahei": 4, "county-inspection-2020": 6,
                "branch-report-review-2022": 3, "province-standardization": 6}
    got = {code: TemplateCategory.objects.filter(template__code=code).count() for code in expected}
    assert got == expected
    targets = list(TemplateCategory.objects.filter(template__code="college-dengxiahei").values_list("target", flat=True))
    assert targets == ["制度体系完善", "工作运行规范", "教育实效明显", "责任传导到位"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside the project")
def test_weifang_manifestations_are_verbatim_from_the_seed(db):
    seed = _squash((SEEDS / "weifang-2022-ledger-notice.txt").read_text(encoding="utf-8"))
    texts = Manifestation.objects.filter(category__template__code="weifang-2022").values_list("text", flat=True)
    missing = [text for text in texts if _squash(text) not in seed]
    assert missing == []
    titles = TemplateCategory.objects.filter(template__code="weifang-2022").values_list("title", flat=True)
    assert [t for t in titles if _squash(t) not in seed] == []


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside the project")
def test_other_schemes_quote_their_seeds(db):
    files = {"college-dengxiahei": "college-dengxiahei-plan.txt",
             "county-inspection-2020": "county-inspection-rectification-plan.txt",
             "branch-report-review-2022": "branch-report-review-rectification-plan.txt",
             "province-standardization": "province-branch-standardization-plan.txt"}
    for code, name in files.items():
        seed = _squash((SEEDS / name).read_text(encoding="utf-8"))
        for category in TemplateCategory.objects.filter(template__code=code):
            assert _squash(category.title) in seed, category.title
            for line in category.requirements.splitlines():
                assert _squash(line) in seed, line[:40]


def test_the_data_migration_loads_them_into_an_empty_database(db):
    import importlib

    from django.apps import apps

    ChecklistTemplate.objects.filter(is_builtin=True).delete()
    importlib.import_module("ledger.migrations.0002_builtin_templates").load(apps, None)
    assert Manifestation.objects.filter(category__template__code="weifang-2022").count() == 25
    assert ChecklistTemplate.objects.filter(is_builtin=True).count() == 5


def test_loading_again_creates_nothing(db):
    before = Manifestation.objects.count()
    assert load_builtin_templates(ChecklistTemplate, TemplateCategory, Manifestation) == 0
    assert Manifestation.objects.count() == before
    assert ChecklistTemplate.objects.filter(is_builtin=True).count() == len(BUILTIN_TEMPLATES)
