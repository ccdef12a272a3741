"""Demo campaigns of the four other seeds, each run as its document describes, dated around the day of seeding.

- 示范省委's 党支部建设规范提升行动 (template `province-standardization`, the plan's five 推进措施 as phases), for
  every branch of the province → city → county → township → branch tree (`branches.demo.seed_province_tree`);
- 示范县委's 基层党建问题整改专项行动 (`county-inspection-2020`: 集中整改 / 持续推进 / 融入经常), for the county and
  its township committees; the county's own ledger holds the six problems of the inspection with its measures
  ①②③… taken from the plan's text;
- 示范学院党委's 党建“灯下黑”问题排查整治 (`college-dengxiahei`, its three phases), for the college's branches;
- 城关镇机关党支部's own 述职点评问题整改 plan (`branch-report-review-2022`, for the branch itself), started by its
  secretary, with the three problems the report review found, their measures, 责任领导 and 整改时限.

Each has ledgers in several states (a half-answered self-check, submitted, returned, accepted with measures
closed, waiting for closure and overdue), written through the workflow services and re-dated over the campaign's
weeks (`backdate_ledger`), like `ledger.workflow_demo` does for the university's current campaign.

Idempotent, also across days: a campaign is found by its issuer and name; once it exists its dates are read
from it (`SchemeCalendar.of`), never from the clock; a ledger that already has answers is left as it is.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from branches.models import OrgUnit
from ledger.builtin_templates import load_builtin_templates
from ledger.models import ChecklistTemplate, Manifestation, TemplateCategory
from ledger.schemes_demo.branch_plan import seed_branch_plan
from ledger.schemes_demo.college import seed_college
from ledger.schemes_demo.county import seed_county
from ledger.schemes_demo.province import seed_province


def seed_schemes(root: OrgUnit, today: datetime.date | None = None) -> None:
    """The four schemes' campaigns and ledgers (a `seed_demo` step; `root`, the university, is not used: the
    schemes run in their own trees, `branches.demo.seed_scheme_trees`)."""
    load_builtin_templates(ChecklistTemplate, TemplateCategory, Manifestation)
    today = today or timezone.localdate()
    seed_province(today)
    seed_county(today)
    seed_college(today)
    seed_branch_plan(today)
