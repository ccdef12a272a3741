"""A province's worth of data for the benchmark: tree, accounts, one campaign, ledgers, problems, items, events.

The generator bypasses the per-row services (they would take hours at 300,000 units) but writes exactly what
they would: materialized paths and depths, `unit_path` copied onto every ledger row, problem and item
numbers, every check constraint satisfied, and an event for each step a row went through. Ids are assigned
here so rows can be linked without reading them back; PostgreSQL gets them by COPY.

Shape (at 300,000 units): province → 16 cities → 160 counties → 2,880 committees (towns, schools, firms)
→ 23,040 general branches → ~274,000 branches; smaller runs shrink the upper levels in proportion. The first
county is an urban district about six times the others, so "a county's export" has tens of thousands of rows.
The first unit of every level forms the *featured* chain the benchmark logs in along (`scale_branch`,
`scale_gb`, `scale_county`, `scale_city`, `scale_province`), and the featured branch's ledger is a heavy one.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from branches.models import OrgUnit, Role, RoleAssignment, UnitKind
from branches.services import audit
from config.bulk import BulkWriter
from ledger.models import (
    Campaign,
    CampaignStatus,
    ChecklistTemplate,
    EventAction,
    ItemStatus,
    Ledger,
    LedgerEvent,
    LedgerFigures,
    LedgerStatus,
    Manifestation,
    PhaseStage,
    Problem,
    ProblemNature,
    ProblemSource,
    ProblemStatus,
    ProgressNote,
    RectificationItem,
    SelfCheckAnswer,
    TemplateCategory,
)
from ledger.services.campaigns import PhaseSpec, campaign_create
from ledger.services.tally_marks import tally_marks_bump_all
from reviews.figures import figures_recount_campaign

ROOT_CODE = "SCALE-ROOT"
CODE_PREFIX = "SCALE-"
USERNAME_PREFIX = "scale_"
PASSWORD = "scale-pass-2022"
TEMPLATE_CODE = "weifang-2022"
FALLBACK_TEMPLATE_CODE = "scale-sample"
CAMPAIGN_DOC_NUMBER = "省委组织部〔{year}〕9号"

# Units per level at full size: province, cities, counties, committees, general branches; the rest are branches.
FULL_SIZE_UNITS = 300_000
LEVEL_WEIGHTS = (1, 16, 160, 2_880, 23_040)
ITEMS_PER_PROBLEM = 1.8
FEATURED_PROBLEMS = 67  # × 3 measures: the branch of 200 measures whose ledger page issue 15 sets a target for
FEATURED_ITEMS_PER_PROBLEM = 3
LEDGERS_PER_CHUNK = 5_000

# Featured accounts (the first unit of each level) and how many others are sampled per level.
FEATURED_ACCOUNTS = (
    # username, level, role
    ("scale_province", 0, Role.ORG_DEPARTMENT),
    ("scale_inspector", 0, Role.INSPECTOR),
    ("scale_city", 1, Role.ORG_DEPARTMENT),
    ("scale_county", 2, Role.ORG_DEPARTMENT),
    ("scale_committee", 3, Role.ORG_DEPARTMENT),
    ("scale_gb", 4, Role.GENERAL_BRANCH_STAFF),
    ("scale_branch", 5, Role.BRANCH_SECRETARY),
    ("scale_member", 5, Role.BRANCH_MEMBER),
)
SAMPLED_ACCOUNTS = (
    # level, role, how many units of that level get one
    (1, Role.ORG_DEPARTMENT, 100),
    (2, Role.ORG_DEPARTMENT, 400),
    (3, Role.ORG_DEPARTMENT, 300),
    (4, Role.GENERAL_BRANCH_STAFF, 800),
    (5, Role.BRANCH_SECRETARY, 2_000),
    (5, Role.BRANCH_MEMBER, 200),
)

LEDGER_STATUS_WEIGHTS = {
    LedgerStatus.DRAFT: 15, LedgerStatus.SUBMITTED: 20, LedgerStatus.RETURNED: 10, LedgerStatus.ACCEPTED: 55,
}
ITEM_STATUS_WEIGHTS = {  # by the ledger's status: a branch fixes while it checks (边查边改)
    LedgerStatus.DRAFT: {ItemStatus.PLANNED: 75, ItemStatus.IN_PROGRESS: 25},
    LedgerStatus.SUBMITTED: {ItemStatus.PLANNED: 30, ItemStatus.IN_PROGRESS: 55, ItemStatus.CLOSURE_REQUESTED: 15},
    LedgerStatus.RETURNED: {ItemStatus.PLANNED: 30, ItemStatus.IN_PROGRESS: 55, ItemStatus.CLOSURE_REQUESTED: 15},
    LedgerStatus.ACCEPTED: {
        ItemStatus.PLANNED: 8, ItemStatus.IN_PROGRESS: 32, ItemStatus.CLOSURE_REQUESTED: 15, ItemStatus.CLOSED: 45,
    },
}
ONGOING_SHARE = 0.1

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力斌宇浩凯鹏飞鑫波宁亮林琳晨雪梅"
PLACE = "东西南北中安平和兴华长新德泰临清青阳宁昌海河山川林泉源丰乐福寿康永定远明光文武城湖江"
TOWN_KINDS = ("镇党委", "街道党工委")  # named by their kind; a school's or a hospital's 党委 is a plain 党委
COMMITTEE_KINDS = ("镇党委", "街道党工委", "中学党委", "人民医院党委", "有限公司党委", "职业学院党委")
MEASURES = (
    "制定整改方案，明确责任分工，逐项推进落实。",
    "召开专题支委会研究部署，形成问题清单和整改台账。",
    "严格落实“三会一课”制度，按规定频次召开会议并做好记录。",
    "开展支部书记和支委专题培训，提升履职能力。",
    "完善党建工作档案，按年度分类归档、规范保管。",
    "按季度公示党费收缴情况，建立党费收缴工作台账。",
    "围绕中心工作设计主题党日活动，解决“两张皮”问题。",
    "落实谈心谈话制度，支委与党员每年至少谈心一次。",
    "及时规范上传“灯塔—党建在线”系统活动记录。",
    "报请上级党组织批准，按程序完成换届选举。",
)
EXTENDED_PROBLEMS = (
    "支部学习计划针对性不强，学习内容与业务工作结合不紧密。",
    "部分党员参加组织生活积极性不高，请假较多。",
    "支部特色品牌提炼不够，示范带动作用不明显。",
    "青年党员教育培养措施不具体，发挥作用渠道不多。",
)
PROGRESS_TEXTS = ("已召开专题会议研究部署。", "已完成阶段性整改，正在巩固提升。", "相关制度已修订并印发。")
RETURN_COMMENT = "请补充整改措施的完成时限和责任人后重新提交。"


@dataclass
class Plan:
    """The numbers asked for and what was made, with the time each step took."""

    units: int
    items: int
    seed: int = 2022
    featured_problems: int = FEATURED_PROBLEMS  # the featured branch's ledger: this many problems, 3 items each
    today: datetime.date = field(default_factory=timezone.localdate)
    made: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def level_counts(units: int) -> list[int]:
    """How many units each level gets: the full-size shape scaled, never fewer units than parents above."""
    scale = units / FULL_SIZE_UNITS
    counts = [1]
    for weight in LEVEL_WEIGHTS[1:]:
        counts.append(max(counts[-1], round(weight * scale)))
    branches = units - sum(counts)
    if branches < counts[-1]:
        raise ValueError(f"--units {units} is too small for a six-level tree; ask for at least {sum(counts) + counts[-1]}")
    return [*counts, branches]


def spread(children: int, weights: list[float], rng: random.Random) -> list[int]:
    """Children per parent: at least one each, the rest in proportion to the weights."""
    counts = [1] * len(weights)
    cumulative = list(itertools.accumulate(weights))
    for index in rng.choices(range(len(weights)), cum_weights=cumulative, k=children - len(weights)):
        counts[index] += 1
    return counts


def scale_data_exists() -> bool:
    return OrgUnit.objects.filter(code=ROOT_CODE).exists()


class _Clock:
    """Times in the campaign's year, never after now."""

    def __init__(self, today: datetime.date, rng: random.Random) -> None:
        tz = timezone.get_current_timezone()
        self.now = timezone.now()
        self.start = datetime.datetime.combine(today - datetime.timedelta(days=300), datetime.time(9), tzinfo=tz)
        self.rng = rng

    def after(self, moment: datetime.datetime, low_days: float, high_days: float) -> datetime.datetime:
        later = moment + datetime.timedelta(days=self.rng.uniform(low_days, high_days))
        return min(later, self.now)


class ScaleGenerator:
    def __init__(self, plan: Plan, *, log: Callable[[str], None] = lambda message: None) -> None:
        if plan.items < 1:
            raise ValueError("--items must be at least 1")
        self.plan = plan
        self.log = log
        self.rng = random.Random(plan.seed)
        self.writer = BulkWriter()
        self.clock = _Clock(plan.today, self.rng)
        self.counts = level_counts(plan.units)

    # -- the whole run ---------------------------------------------------------------------------------------
    def run(self) -> Plan:
        with transaction.atomic():
            self._step("tree", self._make_tree)
            self._step("accounts", self._make_accounts)
            self._step("campaign", self._make_campaign)
            self._step("ledgers", self._make_ledgers)
            tally_marks_bump_all(campaign=self.campaign)  # written in bulk, past event_record: recount it all
            models = [OrgUnit, Ledger, Problem, RectificationItem, LedgerEvent, ProgressNote, SelfCheckAnswer]
            self.writer.reset_sequences(models)
        self._step("analyze", lambda: self.writer.analyze(models))
        # the stored per-ledger figures, counted by the rules (the rows above were written past event_record)
        self._step("figures", lambda: figures_recount_campaign(self.campaign))
        self._step("analyze figures", lambda: self.writer.analyze([LedgerFigures]))
        self.plan.made = dict(self.writer.written)
        return self.plan

    def _step(self, name: str, action: Callable[[], None]) -> None:
        started = time.perf_counter()
        action()
        self.plan.timings[name] = round(time.perf_counter() - started, 2)
        self.log(f"{name}: {self.plan.timings[name]:.1f} s")

    # -- the organization tree -------------------------------------------------------------------------------
    def _make_tree(self) -> None:
        rng = self.rng
        first_id = self.writer.next_id(OrgUnit)
        # level_ids[l] = first id of level l; parent_index[l][i] = index of unit i's parent in level l-1
        self.level_first_id: list[int] = []
        self.parent_index: list[list[int]] = [[]]
        self.paths: list[list[str]] = []
        next_id = first_id
        for level, count in enumerate(self.counts):
            self.level_first_id.append(next_id)
            next_id += count
            if level == 0:
                continue
            weights = self._parent_weights(level)
            per_parent = spread(count, weights, rng)
            self.parent_index.append([p for p, n in enumerate(per_parent) for _ in range(n)])
        now = timezone.now()
        self.writer.write(OrgUnit, UNIT_FIELDS, self._unit_rows(now))

    def _parent_weights(self, level: int) -> list[float]:
        parents = self.counts[level - 1]
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(parents)]
        if level == 3:  # committees per county: the first county is a big urban district
            weights[0] = 6.0
        return weights

    def unit_id(self, level: int, index: int) -> int:
        return self.level_first_id[level] + index

    def _unit_rows(self, now: datetime.datetime) -> Iterator[tuple]:
        rng = self.rng
        today = self.plan.today
        for level, count in enumerate(self.counts):
            paths: list[str] = []
            parents = self.paths[level - 1] if level else None
            ordinal_in_parent: dict[int, int] = {}
            for index in range(count):
                unit_id = self.unit_id(level, index)
                parent = self.parent_index[level][index] if level else None
                path = f"{parents[parent] if parents else ''}{unit_id}/"
                paths.append(path)
                ordinal = ordinal_in_parent[parent] = ordinal_in_parent.get(parent, 0) + 1
                kind, kind_name, name = self._unit_name(level, ordinal)
                full = rng.randint(3, 45) if level == 5 else rng.randint(30, 300)
                committee = 0 if full < 7 else (3 if full < 20 else 5)
                elected = today - datetime.timedelta(days=rng.randint(30, 1_300))  # some terms have run out
                yield (
                    unit_id, kind, kind_name, self.unit_id(level - 1, parent) if level else None,
                    ROOT_CODE if level == 0 else f"{CODE_PREFIX}{unit_id}", name, path, level,
                    self._person(), full, rng.randint(0, 3), committee, elected, 3, True, now, now,
                )
            self.paths.append(paths)

    def _unit_name(self, level: int, ordinal: int) -> tuple[str, str, str]:
        """kind, the tree's name for the kind (省委, 县委, 镇党委 …; empty for the plain kinds), name."""
        place = self._place()
        if level == 0:
            return UnitKind.COMMITTEE, "省委", "示范省委"
        if level == 1:
            return UnitKind.COMMITTEE, "市委", f"{place}市委"
        if level == 2:
            kind_name = f"{'区' if ordinal % 3 == 1 else '县'}委"
            return UnitKind.COMMITTEE, kind_name, f"{place}{kind_name}"
        if level == 3:
            suffix = self.rng.choice(COMMITTEE_KINDS)
            return UnitKind.COMMITTEE, suffix if suffix in TOWN_KINDS else "", f"{place}{suffix}"
        if level == 4:
            return UnitKind.GENERAL_BRANCH, "", f"第{ordinal}党总支"
        return UnitKind.BRANCH, "", f"第{ordinal}党支部"

    def _place(self) -> str:
        return self.rng.choice(PLACE) + self.rng.choice(PLACE)

    def _person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.randint(1, 2)))

    # -- accounts --------------------------------------------------------------------------------------------
    def _make_accounts(self) -> None:
        User = get_user_model()
        password = make_password(PASSWORD)
        wanted: list[tuple[str, int, int, str]] = [  # username, level, index, role
            (username, level, 0, role) for username, level, role in FEATURED_ACCOUNTS
        ]
        for level, role, how_many in SAMPLED_ACCOUNTS:
            population = range(1, self.counts[level])
            for index in sorted(self.rng.sample(population, min(how_many, len(population)))):
                wanted.append((f"{USERNAME_PREFIX}{role}_{self.unit_id(level, index)}", level, index, role))
        now = timezone.now()
        users = User.objects.bulk_create(
            [User(username=username, password=password, first_name=self._person(), is_active=True, date_joined=now)
             for username, *_ in wanted],
            batch_size=1_000,
        )
        if users and users[0].pk is None:  # databases that do not return keys
            by_name = dict(User.objects.filter(username__startswith=USERNAME_PREFIX).values_list("username", "pk"))
            for user in users:
                user.pk = by_name[user.username]
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user_id=user.pk, unit_id=self.unit_id(level, index), role=role, created_at=now)
             for user, (_, level, index, role) in zip(users, wanted, strict=True)],
            batch_size=1_000,
        )
        self.users = {user.username: user for user in users}
        self.user_names = {user.pk: user.first_name for user in users}
        # Who acts for a branch (its secretary) and who reviews for a general branch (its staff).
        self.branch_secretary: dict[int, int] = {}
        self.gb_staff: dict[int, int] = {}
        for user, (_, _level, index, role) in zip(users, wanted, strict=True):
            if role == Role.BRANCH_SECRETARY:
                self.branch_secretary[index] = user.pk
            elif role == Role.GENERAL_BRANCH_STAFF:
                self.gb_staff[index] = user.pk
        self.province_user = self.users["scale_province"]

    # -- template and campaign -------------------------------------------------------------------------------
    def _make_campaign(self) -> None:
        template = self._template()
        categories = list(TemplateCategory.objects.filter(template=template).order_by("order"))
        manifestations: dict[int, list[tuple[int, str]]] = {c.pk: [] for c in categories}
        for pk, category_id, text in Manifestation.objects.filter(category__template=template).order_by(
            "category__order", "order"
        ).values_list("pk", "category_id", "text"):
            manifestations[category_id].append((pk, text))
        self.categories = [(c.pk, manifestations[c.pk]) for c in categories]
        self.manifestations = [(c.pk, pk, text) for c in categories for pk, text in manifestations[c.pk]]
        root = OrgUnit.objects.get(code=ROOT_CODE)
        start = self.clock.start.date()
        today = self.plan.today
        phases = [
            PhaseSpec("对账查摆", PhaseStage.SELF_CHECK, ends_on=start + datetime.timedelta(days=40)),
            PhaseSpec("立项整改", PhaseStage.RECTIFICATION, ends_on=start + datetime.timedelta(days=70)),
            PhaseSpec("督查落实", PhaseStage.SUPERVISION, starts_on=start, ends_on=today + datetime.timedelta(days=60)),
            PhaseSpec("结果运用", PhaseStage.RESULTS, ends_on=today + datetime.timedelta(days=60)),
        ]
        campaign = campaign_create(
            actor=self.province_user, issuer=root, name=f"{today.year}年全省党支部对账整改专项行动", year=today.year,
            template=template, phases=phases, doc_number=CAMPAIGN_DOC_NUMBER.format(year=today.year),
            report_deadline=start + datetime.timedelta(days=50), results_deadline=today + datetime.timedelta(days=60),
        )
        # Published by the generator itself (ledgers are copied in below), as campaign_publish would leave it.
        Campaign.objects.filter(pk=campaign.pk).update(
            status=CampaignStatus.PUBLISHED, published_at=self.clock.start, published_by=self.province_user
        )
        audit(actor=self.province_user, obj=campaign, action="publish", data={"ledgers": self.counts[5]})
        self.campaign = campaign

    def _template(self) -> ChecklistTemplate:
        template = ChecklistTemplate.objects.filter(code=TEMPLATE_CODE).first()
        if template is not None and template.categories.exists():
            return template
        template, created = ChecklistTemplate.objects.get_or_create(
            code=FALLBACK_TEMPLATE_CODE, defaults={"name": "党支部问题台账（性能测试样例）", "is_builtin": False}
        )
        if created:
            for order, (title, texts) in enumerate(SAMPLE_CATEGORIES, start=1):
                category = TemplateCategory.objects.create(template=template, order=order, title=title)
                Manifestation.objects.bulk_create(
                    Manifestation(category=category, order=m, text=text) for m, text in enumerate(texts, start=1)
                )
        return template

    # -- ledgers, problems, items, notes, events --------------------------------------------------------------
    def _make_ledgers(self) -> None:
        branches = self.counts[5]
        problems = max(1, min(self.plan.items, round(self.plan.items / ITEMS_PER_PROBLEM)))
        featured = min(self.plan.featured_problems, problems)
        problems_per_ledger = [0] * branches
        problems_per_ledger[0] = featured
        for index in self.rng.choices(range(branches), k=problems - featured):
            problems_per_ledger[index] += 1
        items_per_problem = [1] * problems
        spare = self.plan.items - problems
        for index in range(featured):  # the featured ledger's problems come first and get three items each
            extra = min(FEATURED_ITEMS_PER_PROBLEM - 1, spare)
            items_per_problem[index] += extra
            spare -= extra
        for index in self.rng.choices(range(problems), k=spare):
            items_per_problem[index] += 1
        self.problems_per_ledger = problems_per_ledger
        self.items_per_problem = items_per_problem
        self.ledger_first_id = self.writer.next_id(Ledger)
        self.problem_id = self.writer.next_id(Problem)
        self.item_id = self.writer.next_id(RectificationItem)
        self.problem_index = 0
        statuses = list(LEDGER_STATUS_WEIGHTS)
        cumulative = list(itertools.accumulate(LEDGER_STATUS_WEIGHTS.values()))
        self.item_choices = {
            status: (list(weights), list(itertools.accumulate(weights.values())))
            for status, weights in ITEM_STATUS_WEIGHTS.items()
        }
        for first in range(0, branches, LEDGERS_PER_CHUNK):
            chunk = range(first, min(branches, first + LEDGERS_PER_CHUNK))
            ledger_statuses = [
                LedgerStatus.ACCEPTED if index == 0 else statuses[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]
                for index in chunk
            ]
            self._write_chunk(chunk, ledger_statuses)
            self.log(f"  ledgers {chunk.stop:,}/{branches:,}")

    def _write_chunk(self, chunk: range, ledger_statuses: list[str]) -> None:
        rows = _ChunkRows()
        for index, status in zip(chunk, ledger_statuses, strict=True):
            self._ledger_rows(rows, index, status)
        self.writer.write(Ledger, LEDGER_FIELDS, rows.ledgers)
        self.writer.write(Problem, PROBLEM_FIELDS, rows.problems)
        self.writer.write(RectificationItem, ITEM_FIELDS, rows.items)
        self.writer.write(ProgressNote, NOTE_FIELDS, rows.notes)
        self.writer.write(LedgerEvent, EVENT_FIELDS, rows.events)
        self.writer.write(SelfCheckAnswer, ANSWER_FIELDS, rows.answers)

    def _ledger_rows(self, rows: _ChunkRows, index: int, status: str) -> None:
        clock = self.clock
        ledger_id = self.ledger_first_id + index
        unit_id = self.unit_id(5, index)
        path = self.paths[5][index]
        secretary = self.branch_secretary.get(index)
        gb_index = self.parent_index[5][index]
        reviewer = self.gb_staff.get(gb_index, self.province_user.pk)
        created = clock.start
        submitted = accepted = None
        events = rows.events
        events.append((ledger_id, None, None, self.province_user.pk, created, EventAction.LEDGER_CREATED, "",
                       LedgerStatus.DRAFT, "", {}))
        if status != LedgerStatus.DRAFT:
            submitted = clock.after(created, 25, 80)
            events.append((ledger_id, None, None, secretary, submitted, EventAction.LEDGER_SUBMITTED,
                           LedgerStatus.DRAFT, LedgerStatus.SUBMITTED, "", {}))
            if status == LedgerStatus.RETURNED:
                events.append((ledger_id, None, None, reviewer, clock.after(submitted, 1, 10),
                               EventAction.LEDGER_RETURNED, LedgerStatus.SUBMITTED, LedgerStatus.RETURNED,
                               RETURN_COMMENT, {}))
            elif status == LedgerStatus.ACCEPTED:
                accepted = clock.after(submitted, 1, 15)
                events.append((ledger_id, None, None, reviewer, accepted, EventAction.LEDGER_ACCEPTED,
                               LedgerStatus.SUBMITTED, LedgerStatus.ACCEPTED, "", {}))
        version = 1 + (status != LedgerStatus.DRAFT) + (status in (LedgerStatus.RETURNED, LedgerStatus.ACCEPTED))
        rows.ledgers.append((ledger_id, self.campaign.pk, unit_id, path, status, version, submitted, accepted,
                             created, accepted or submitted or created))
        found: dict[int, int] = {}  # manifestation → the problem the self-check recorded for it
        self.problem_texts: dict[int, str] = {}
        plan = self._problem_plan(self.problems_per_ledger[index])
        for number, planned in enumerate(plan, start=1):
            self._problem_rows(rows, ledger_id, path, status, number, secretary, reviewer, planned, found)
        self._answer_rows(rows, ledger_id, path, status, found, secretary)

    def _problem_plan(self, count: int) -> list[tuple[int, tuple[int, str] | None]]:
        """(category, manifestation or None) for each of a ledger's problems: the self-check finds each listed
        manifestation at most once (one answer, one problem); the rest are extended self-check (延伸自查)."""
        rng = self.rng
        self_checked = sum(1 for _ in range(count) if rng.random() < 0.85)
        found = rng.sample(self.manifestations, min(self_checked, len(self.manifestations)))
        plan: list[tuple[int, tuple[int, str] | None]] = [(category_id, (pk, text)) for category_id, pk, text in found]
        while len(plan) < count:
            plan.append((rng.choice(self.categories)[0], None))
        rng.shuffle(plan)
        return plan

    def _answer_rows(self, rows, ledger_id, path, status, found: dict[int, int], secretary) -> None:
        """The self-check answers (对照检查): all of them once the ledger was submitted, some while it is a draft."""
        rng, clock = self.rng, self.clock
        share = 1.0 if status != LedgerStatus.DRAFT else rng.random()
        for manifestation_id, _text in ((pk, text) for _c, pk, text in self.manifestations):
            problem_id = found.get(manifestation_id)
            if problem_id is None and rng.random() >= share:
                continue
            at = clock.after(clock.start, 1, 40)
            description = self.problem_texts.get(problem_id, "") if problem_id else ""
            rows.answers.append((ledger_id, manifestation_id, path, problem_id is not None, description, problem_id,
                                 1, secretary, at))
            rows.events.append((ledger_id, problem_id, None, secretary, at, EventAction.SELF_CHECK_ANSWERED, "", "",
                                "", {"manifestation": manifestation_id,
                                     "after": {"found": problem_id is not None, "description": description}}))

    def _problem_rows(self, rows, ledger_id, path, ledger_status, number, secretary, reviewer,
                      planned: tuple[int, tuple[int, str] | None], found: dict[int, int]) -> None:
        rng, clock = self.rng, self.clock
        problem_id = self.problem_id
        self.problem_id += 1
        category_id, manifestation = planned
        if manifestation is not None:
            manifestation_id, text = manifestation
            source = ProblemSource.SELF_CHECK
            description = f"对照检查发现：{text[:120]}"
            found[manifestation_id] = problem_id
            self.problem_texts[problem_id] = description
        else:
            manifestation_id, source = None, ProblemSource.EXTENDED
            description = rng.choice(EXTENDED_PROBLEMS)
        created = clock.after(clock.start, 1, 60)
        nature = ProblemNature.COMMON if rng.random() < 0.2 else ProblemNature.INDIVIDUAL
        rows.problems.append((problem_id, ledger_id, path, category_id, manifestation_id, number, description,
                              source, nature, ProblemStatus.ACTIVE, 1, secretary, created, created))
        rows.events.append((ledger_id, problem_id, None, secretary, created, EventAction.PROBLEM_ADDED, "", ProblemStatus.ACTIVE,
                            "", {}))
        statuses, cumulative = self.item_choices[ledger_status]
        for item_number in range(1, self.items_per_problem[self.problem_index] + 1):
            status = statuses[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
            self._item_rows(rows, ledger_id, problem_id, path, item_number, status, created, secretary, reviewer)
        self.problem_index += 1

    def _item_rows(self, rows, ledger_id, problem_id, path, number, status, problem_created, secretary,
                   reviewer) -> None:
        rng, clock = self.rng, self.clock
        item_id = self.item_id
        self.item_id += 1
        ongoing = rng.random() < ONGOING_SHARE
        if ongoing and status == ItemStatus.CLOSED:  # 立行立改、长期坚持 items stay open
            status = ItemStatus.IN_PROGRESS
        # Deadlines over a rolling year: most have passed, a quarter are still ahead.
        deadline = None if ongoing else self.plan.today + datetime.timedelta(days=rng.randint(-270, 95))
        created = clock.after(problem_created, 0, 5)
        responsible_user = secretary if secretary and rng.random() < 0.5 else None
        name = self.user_names[responsible_user] if responsible_user else self._person()
        leader = self._person() if rng.random() < 0.4 else ""
        events = rows.events
        events.append((ledger_id, problem_id, item_id, secretary, created, EventAction.ITEM_ADDED, "",
                       ItemStatus.PLANNED, "", {}))
        moment = created
        closed_at = closed_by = None
        if status != ItemStatus.PLANNED:
            moment = clock.after(moment, 1, 20)
            events.append((ledger_id, problem_id, item_id, secretary, moment, EventAction.ITEM_STARTED,
                           ItemStatus.PLANNED, ItemStatus.IN_PROGRESS, "", {}))
        if status in (ItemStatus.CLOSURE_REQUESTED, ItemStatus.CLOSED):
            moment = clock.after(moment, 5, 60)
            events.append((ledger_id, problem_id, item_id, secretary, moment, EventAction.CLOSURE_REQUESTED,
                           ItemStatus.IN_PROGRESS, ItemStatus.CLOSURE_REQUESTED, "", {}))
            if secretary:
                rows.notes.append((item_id, rng.choice(PROGRESS_TEXTS), secretary, moment))
        if status == ItemStatus.CLOSED:
            moment = closed_at = clock.after(moment, 1, 10)
            closed_by = reviewer
            events.append((ledger_id, problem_id, item_id, reviewer, moment, EventAction.ITEM_CLOSED,
                           ItemStatus.CLOSURE_REQUESTED, ItemStatus.CLOSED, "", {}))
        version = 1 + sum(1 for s in (ItemStatus.IN_PROGRESS, ItemStatus.CLOSURE_REQUESTED, ItemStatus.CLOSED)
                          if _ITEM_ORDER[status] >= _ITEM_ORDER[s])
        rows.items.append((item_id, problem_id, ledger_id, path, number, rng.choice(MEASURES), ongoing, deadline,
                           responsible_user, name, leader, "", status, closed_at, closed_by, version, secretary,
                           created, moment))


_ITEM_ORDER = {ItemStatus.PLANNED: 0, ItemStatus.IN_PROGRESS: 1, ItemStatus.CLOSURE_REQUESTED: 2, ItemStatus.CLOSED: 3}


@dataclass
class _ChunkRows:
    ledgers: list[tuple] = field(default_factory=list)
    problems: list[tuple] = field(default_factory=list)
    items: list[tuple] = field(default_factory=list)
    notes: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    answers: list[tuple] = field(default_factory=list)


UNIT_FIELDS = (
    "id", "kind", "kind_name", "parent_id", "code", "name", "path", "depth", "secretary_name", "full_members",
    "probationary_members", "committee_members", "committee_elected_on", "committee_term_years", "is_active",
    "created_at", "updated_at",
)
LEDGER_FIELDS = (
    "id", "campaign_id", "unit_id", "unit_path", "status", "version", "submitted_at", "accepted_at", "created_at",
    "updated_at",
)
PROBLEM_FIELDS = (
    "id", "ledger_id", "unit_path", "category_id", "manifestation_id", "number", "description", "source", "nature",
    "status", "version", "created_by_id", "created_at", "updated_at",
)
ITEM_FIELDS = (
    "id", "problem_id", "ledger_id", "unit_path", "number", "measure", "is_ongoing", "deadline",
    "responsible_user_id", "responsible_name", "responsible_leader", "responsible_unit", "status", "closed_at",
    "closed_by_id", "version", "created_by_id", "created_at", "updated_at",
)
NOTE_FIELDS = ("item_id", "text", "author_id", "created_at")
ANSWER_FIELDS = (
    "ledger_id", "manifestation_id", "unit_path", "found", "description", "problem_id", "version", "answered_by_id",
    "answered_at",
)
EVENT_FIELDS = (
    "ledger_id", "problem_id", "item_id", "actor_id", "at", "action", "from_status", "to_status", "comment", "changes",
)

# Used only when the built-in Weifang template is not installed: its six categories, shortened.
SAMPLE_CATEGORIES = (
    ("党支部设置和调整不规范", ("党支部超期未换届或未经批准提前换届", "支部书记空缺且长期未补选", "换届选举程序不规范")),
    ("组织生活制度执行不严格", ("召开党员大会、支委会会议、讲党课频次达不到规定要求", "主题党日活动无明确主题，内容形式单一")),
    ("党员教育管理监督不到位", ("发展党员程序不规范", "谈心谈话内容浅表化、形式化", "党费收缴不规范")),
    ("支部作用发挥不充分", ("缺少党支部总体发展规划和年度工作计划", "支部党建工作与中心业务存在“两张皮”问题")),
    ("支持保障落实不到位", ("年内未专题研究支部建设工作",)),
    ("工作资料留存不完备", ("党建工作档案分类不准确、留存不完整", "党内活动记录不规范")),
)


def purge_scale_data() -> dict[str, int]:
    """Delete everything the generator made (and whatever other apps attached to it), children first."""
    root = OrgUnit.objects.filter(code=ROOT_CODE).first()
    deleted: dict[str, int] = {}
    with transaction.atomic():
        if root is not None:
            campaigns = Campaign.objects.filter(issuer__path__startswith=root.path)
            _purge(Campaign, campaigns, deleted)
            _purge(OrgUnit, OrgUnit.objects.filter(Q(path__startswith=root.path)), deleted)
        _purge(get_user_model(), get_user_model().objects.filter(username__startswith=USERNAME_PREFIX), deleted)
    return deleted


def _purge(model, queryset, deleted: dict[str, int], depth: int = 0) -> None:
    """Delete `queryset` after every row that points at it (foreign keys are checked at commit)."""
    if depth > 8:
        raise RuntimeError("relations nest too deep to purge")
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
            continue
        related = relation.related_model
        if related is model:  # a self reference: the subtree is deleted as a whole
            continue
        if relation.on_delete.__name__ == "SET_NULL":
            related._base_manager.filter(**{f"{relation.field.name}__in": queryset}).update(
                **{relation.field.name: None}
            )
            continue
        _purge(related, related._base_manager.filter(**{f"{relation.field.name}__in": queryset}), deleted, depth + 1)
    count = queryset._raw_delete(queryset.db)
    if count:
        deleted[model._meta.label] = deleted.get(model._meta.label, 0) + count
