"""The built-in checklists: loaded by the data migration, the Weifang 附件1 word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from ledger.builtin_templates import BUILTIN_TEMPLATES, load_builtin_templates
from ledger.models import ChecklistTemplate, Manifestation, TemplateCategory
from ledger.punctuation import full_width_punctuation
from tests.factories import ensure_builtin_templates

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


@pytest.fixture(autouse=True)
def builtins(db):
    # Loaded by migration 0002; reloaded here (idempotently) in case a live-server test flushed the database.
    ensure_builtin_templates()


def _squash(text: str) -> str:
    """Whitespace, line breaks and the width of punctuation in Chinese sentences: the extraction's spacing and
    half-width marks are not the wording (the built-in texts show ，：；)."""
    return re.sub(r"\s+", "", full_width_punctuation(text))


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


def _builtin_texts():
    for template in ChecklistTemplate.objects.filter(is_builtin=True):
        yield from (template.name, template.source, template.description)
    for category in TemplateCategory.objects.filter(template__is_builtin=True):
        yield from (category.title, category.target, category.requirements)
    yield from Manifestation.objects.filter(category__template__is_builtin=True).values_list("text", flat=True)


def test_builtin_texts_use_chinese_punctuation(db):
    assert [text for text in _builtin_texts() if full_width_punctuation(text) != text] == []
    texts = set(Manifestation.objects.filter(category__template__code="weifang-2022").values_list("text", flat=True))
    assert "因工作调整导致支部书记空缺，且长期未补选" in texts
    assert any(text.startswith("支部委员设置及分工不合理，如：党支部正式党员不足 7 人设立支部委员会") for text in texts)


def test_the_checklist_page_shows_chinese_punctuation(client, users):
    client.force_login(users["org"])
    template = ChecklistTemplate.objects.get(code="weifang-2022")
    page = client.get(f"/ledger/templates/{template.pk}/").content.decode()
    assert "主题党日活动无明确主题，内容形式单一" in page and "无明确主题, " not in page


@pytest.mark.parametrize(("before", "after"), [
    ("因工作调整导致支部书记空缺, 且长期未补选", "因工作调整导致支部书记空缺，且长期未补选"),
    ("换届选举程序不规范, 如: 党支部未经审批", "换届选举程序不规范，如：党支部未经审批"),
    ("(1) 超期未换届; (2) 书记空缺", "(1) 超期未换届；(2) 书记空缺"),
    ("(二)立项整改(10月底前)。", "（二）立项整改（10月底前）。"),
    ("正式党员不足 7 人，比例 1.5 倍，10:30 开会，2019—2023 年", "正式党员不足 7 人，比例 1.5 倍，10:30 开会，2019—2023 年"),
    ("ISO 9001, version 2: ok (a)", "ISO 9001, version 2: ok (a)"),
])
def test_full_width_punctuation_changes_only_chinese_sentences(before, after):
    assert full_width_punctuation(before) == after
    assert full_width_punctuation(after) == after


def test_the_migration_corrects_databases_loaded_before_but_never_a_users_copy(db, tree, users):
    import importlib

    from django.apps import apps

    from ledger.services.templates import template_copy

    builtin = Manifestation.objects.get(category__template__code="weifang-2022", text__startswith="因工作调整")
    Manifestation.objects.filter(pk=builtin.pk).update(text="因工作调整导致支部书记空缺, 且长期未补选")
    copy = template_copy(actor=users["org"], template=builtin.category.template, owner=tree.root)
    own = Manifestation.objects.get(category__template=copy, order=builtin.order, category__order=builtin.category.order)
    assert own.text == "因工作调整导致支部书记空缺, 且长期未补选"

    importlib.import_module("ledger.migrations.0006_builtin_texts_full_width_punctuation").normalise(apps, None)

    assert Manifestation.objects.get(pk=builtin.pk).text == "因工作调整导致支部书记空缺，且长期未补选"
    assert Manifestation.objects.get(pk=own.pk).text == "因工作调整导致支部书记空缺, 且长期未补选"
