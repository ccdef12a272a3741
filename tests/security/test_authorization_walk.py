"""The authorization walk: every URL of the project × every role × own unit / sibling / ancestor / another tree.

Each URL name has a RULE: where its object lives (a branch's ledger, a general branch's report, a campaign, …)
and what right it needs there. The expected outcome comes from the hand-written tables below (who sees, fills,
supervises, manages which unit of the `tree` fixture), never from the code under test. Allowed means a status
below 400 that is not a redirect to the login page; refused means 403 or 404. Every request runs in a savepoint
that is rolled back, so one URL's POST never changes what the next one sees.

A URL added without a RULE fails `test_every_url_has_a_rule`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from branches.models import Role
from jobs.models import Job
from ledger.models import Campaign
from ledger.services.common import common_measure_create
from ledger.services.evidence import evidence_add
from notifications.models import Notification
from reports.models import ReportStatus, SituationReport
from tests.conftest import make_user
from tests.factories import filler_of, ledger_of, make_campaign, make_item, make_problem

USERS = ("secretary", "member", "gb_staff", "org", "inspector")
ALL_OF_ROOT = {"root", "gb1", "gb2", "b1", "b2", "b3"}

# What each account may do where: written by hand from DOMAIN.md, not derived from the selector.
SEES = {"secretary": {"b1"}, "member": {"b1"}, "gb_staff": {"gb1", "b1", "b2"}, "org": ALL_OF_ROOT,
        "inspector": ALL_OF_ROOT}
FILLS = {"secretary": {"b1"}, "member": {"b1"}, "gb_staff": {"gb1"}, "org": {"root"}, "inspector": set()}
SUPERVISES = {"secretary": set(), "member": set(), "gb_staff": {"b1", "b2"}, "org": ALL_OF_ROOT - {"root"},
              "inspector": set()}
MANAGES = {"secretary": set(), "member": set(), "gb_staff": set(), "org": ALL_OF_ROOT, "inspector": set()}
# A campaign issued by the committee is the business of everyone in its tree.
TAKES_PART = {user: {"root"} for user in USERS}
NEEDS = {
    "view": SEES,
    "fill": FILLS,
    "supervise": SUPERVISES,
    "manage": MANAGES,
    "fill_or_supervise": {user: FILLS[user] | SUPERVISES[user] for user in USERS},
    "take_part": TAKES_PART,
    "read_templates": {"org": {"builtin"}, "inspector": {"builtin"}} | {user: set() for user in USERS[:3]},
    "write_templates": {"org": {"builtin"}} | {user: set() for user in USERS if user != "org"},
    "own": {user: {user} for user in USERS},  # objects that belong to one account (jobs, notifications)
    # A supervision record is seen where its author unit is seen, and by the branches it visited (gb1 → b1).
    "view_supervision": {user: SEES[user] | ({"gb1"} if "b1" in SEES[user] else set()) for user in USERS},
    # Answering a common problem (专项整治): the own account of a unit with units below it (the viewer's unit is the
    # page's by default: a general branch's staff answer for gb1, the department for the committee).
    "answer_common": {"gb_staff": {"root"}, "org": {"root"}} | {user: set() for user in USERS
                                                               if user not in ("gb_staff", "org")},
}
# Pages without an object: who may open them at all.
ANYONE = set(USERS)
STAFF = {"gb_staff", "org"}
MANAGERS = {"org"}
FILLERS = {user for user in USERS if FILLS[user]}


@dataclass(frozen=True)
class Rule:
    sites: str = ""  # which kind of object the URL addresses ("" = none)
    need: str = "view"  # a key of NEEDS (for URLs with an object) …
    who: frozenset = frozenset(ANYONE)  # … or, without an object, who may open it
    extra: tuple = ()  # fixed URL arguments (e.g. the action slug)
    public: bool = False  # reachable without logging in
    post: str = ""  # a page that also takes POST: the right its POST needs (default: the same as GET)


def rule(sites: str = "", need: str = "view", who=ANYONE, extra: tuple = (), public: bool = False,
         post: str = "") -> Rule:
    return Rule(sites, need, frozenset(who), extra, public, post)


# Objects are built at these units (keys of World.units); the walk tries each site.
SITES = {
    "campaign": ("root", "other_root"),
    "template": ("builtin",),  # one template of the committee's
    "unit": ("root", "gb1", "b1", "b2", "gb2", "other_root", "other_branch"),
    "ledger": ("b1", "b2", "b3", "other_branch"),
    "problem": ("b1", "b2", "b3", "other_branch"),
    "item": ("b1", "b2", "b3", "other_branch"),
    "evidence": ("b1", "b2", "b3", "other_branch"),
    "manifestation": ("b1", "b2", "b3", "other_branch"),
    "category": ("b1", "b2", "b3", "other_branch"),  # a ledger's checklist category (self-check by category)
    "periodic": ("b1", "b2", "b3", "other_branch"),  # a ledger's periodic report for one period
    "rating_unit": ("b1", "b2", "b3", "other_branch"),
    "rating": ("b1", "b2", "b3", "other_branch"),
    "objection": ("b1", "b2", "b3", "other_branch"),
    "supervision": ("gb1", "gb2", "other_gb"),
    "common_measure": ("gb1", "gb2", "other_gb"),  # a general branch's answer to a common problem (专项整治)
    "delegation": ("gb1", "gb2", "other_gb"),
    "report_unit": ("gb1", "gb2", "other_gb"),
    "report": ("gb1", "gb2", "other_gb"),
    "stamp_unit": ("gb1", "gb2", "other_gb"),
    "stamp": ("gb1", "gb2", "other_gb"),
    "survey": ("root", "other_root"),  # a yearly survey (摸底排查) issued by the committee
    # A campaign whose ledgers are the committees' and general branches' own (the county plan's): the committee's
    # ledger hands its problem down (上级交办) to gb1 and gb2, whose copies are the gb1 site's problem.
    "committee_ledger": ("root", "gb1", "other_root"),
    "committee_problem": ("root", "gb1", "other_root"),
    "job": USERS,
    "notification": USERS,
}

RULES: dict[str, Rule] = {
    # accounts and language
    "home": rule(),
    "login": rule(public=True),
    "logout": rule(),
    "password_change": rule(),
    "password_change_done": rule(),
    "set_language": rule(public=True),
    "accounts:two_factor_setup": rule(),
    "accounts:two_factor_verify": rule(),
    # CAS single sign-on is off in the walk, as by default: its start is a 404 for everyone. Switched on it is
    # public (it only sends the browser to the CAS server): tests/security/test_cas.py.
    "accounts:cas_login": rule(who=()),
    # organization tree
    "branches:tree": rule(),
    "branches:unit_pick": rule(),  # lists only the viewer's own scope (tests/branches/test_pickers.py)
    "branches:unit_detail": rule("unit", "view"),
    "branches:unit_create": rule("unit", "manage"),  # a new unit under this one
    "branches:unit_edit": rule("unit", "manage"),
    "branches:account_create": rule("unit", "manage"),
    "branches:tree_import": rule(who=MANAGERS),
    "branches:tree_import_template": rule(who=MANAGERS),
    # templates and campaigns
    "ledger:template_list": rule(who=MANAGERS | {"inspector"}),
    "ledger:template_create": rule(who=MANAGERS),
    "ledger:template_detail": rule("template", "read_templates", post="write_templates"),
    "ledger:template_copy": rule("template", "write_templates"),
    "ledger:campaign_list": rule(),
    "ledger:campaign_create": rule(who=MANAGERS),
    "ledger:campaign_detail": rule("campaign", "take_part"),
    "ledger:campaign_publish": rule("campaign", "manage"),
    "ledger:campaign_edit": rule("campaign", "manage"),
    "ledger:campaign_close": rule("campaign", "manage"),
    "ledger:campaign_carry_over": rule("campaign", "manage"),
    "ledger:campaign_ledgers": rule("campaign", "take_part"),
    # a unit's own rectification plan: anyone sees the list (of the plans they may see); whoever fills a unit may
    # start one (tests/ledger/test_own_plans.py walks the plans themselves)
    "ledger:own_plan_list": rule(),
    "ledger:own_plan_create": rule(who=FILLERS),
    # the branch workflow
    "ledger:my_ledgers": rule(),
    "ledger:ledger_detail": rule("ledger", "view"),
    "ledger:ledger_changes": rule("ledger", "view"),
    "ledger:ledger_history": rule("ledger", "view"),
    "ledger:self_check": rule("ledger", "view"),
    "ledger:self_check_answer": rule("manifestation", "fill"),
    "ledger:self_check_category_answer": rule("category", "fill"),
    "ledger:problem_create": rule("ledger", "fill"),
    # first the committee's problem and its handed-down copy: the page walk screenshots the first one it may open
    "ledger:problem_detail/committee": rule("committee_problem", "view"),
    "ledger:problem_detail": rule("problem", "view"),
    "ledger:ledger_detail/committee": rule("committee_ledger", "view"),
    "ledger:hand_down": rule("committee_ledger", "manage"),
    "ledger:bulk_close": rule("ledger", "supervise"),
    "ledger:problem_edit": rule("problem", "fill"),
    "ledger:problem_withdraw": rule("problem", "fill"),
    "ledger:recurrence_confirm": rule("problem", "supervise"),
    "ledger:recurrence_dismiss": rule("problem", "supervise"),
    "ledger:item_create": rule("problem", "fill"),
    "ledger:item_detail": rule("item", "view"),
    "ledger:item_edit": rule("item", "fill"),
    "ledger:evidence_download": rule("evidence", "view"),
    "ledger:evidence_thumbnail": rule("evidence", "view"),
    # exports and imports
    "ledger:export_index": rule(),
    "ledger:campaign_export": rule("campaign", "take_part"),
    "ledger:export_start": rule("campaign", "view"),  # without a unit: the whole campaign
    # the ZIP of everything the viewer sees of the campaign, one workbook per unit: anyone taking part
    "ledger:export_zip_start": rule("campaign", "take_part"),
    "ledger:ledger_export": rule("ledger", "view"),
    # 三单一账: a ledger's lists, and a campaign's (without a unit: the whole campaign, like export_start)
    "ledger:ledger_lists_export": rule("ledger", "view"),
    "ledger:campaign_lists_start": rule("campaign", "view"),
    "ledger:problem_import": rule("ledger", "fill_or_supervise"),
    "ledger:problem_import_template": rule("ledger", "fill_or_supervise"),
    # periodic progress reports (定期报告)
    "ledger:report_cycle": rule("campaign", "take_part", post="manage"),
    "ledger:periodic_who_reported": rule("campaign", "take_part"),
    "ledger:periodic_report_list": rule("ledger", "view"),
    "ledger:periodic_report": rule("periodic", "view", post="fill"),
    "ledger:periodic_report_review": rule("periodic", "supervise"),
    # supervision, results, ratings, dashboards
    "reviews:index": rule(),
    "reviews:dashboard": rule("campaign", "take_part"),
    "reviews:item_list": rule("campaign", "take_part"),
    "reviews:problem_list": rule("campaign", "take_part"),
    "reviews:ledger_list": rule("campaign", "take_part"),
    "reviews:common_problems": rule("campaign", "take_part", post="answer_common"),
    "reviews:results": rule("campaign", "take_part"),
    "reviews:rating_list": rule("campaign", "take_part"),
    "reviews:policy_edit": rule("campaign", "manage"),
    "reviews:delegation_grant": rule("campaign", "manage"),
    "reviews:delegation_revoke": rule("delegation", "manage"),
    "reviews:rating_edit": rule("rating_unit", "manage"),
    "reviews:rating_detail": rule("rating", "view"),
    "reviews:rating_publish": rule("rating", "manage"),
    "reviews:rating_finalise": rule("rating", "manage"),
    "reviews:objection_create": rule("rating", "manage"),
    "reviews:objection_resolve": rule("objection", "manage"),
    "reviews:unit_record": rule("unit", "view"),
    "reviews:survey_list": rule(),
    "reviews:survey_create": rule(who=MANAGERS),
    "reviews:survey_detail": rule("survey", "view", post="manage"),
    "reviews:survey_finalize": rule("survey", "manage"),
    "reviews:survey_improvement": rule("survey", "manage"),
    "reviews:survey_tier_list": rule("survey", "view"),
    "reviews:survey_tier_export": rule("survey", "view"),
    "reviews:supervision_list": rule(),
    "reviews:supervision_create": rule(who=STAFF),
    "reviews:supervision_detail": rule("supervision", "view_supervision"),
    "reviews:finding_open_problem": rule("supervision", "fill_or_supervise"),
    "reviews:item_reopen": rule("supervision", "fill_or_supervise"),
    # background jobs and notifications
    "jobs:job_list": rule(),
    "jobs:job_detail": rule("job", "own"),
    "jobs:job_download": rule("job", "own"),
    "notifications:list": rule(),
    "notifications:read": rule("notification", "own"),
    "notifications:read_all": rule(),
    "notifications:preferences": rule(),
    "notifications:messenger": rule("unit", "manage"),  # a unit's group robot: the organization department
    # monitoring: open to MONITORING_ALLOWED_IPS (loopback, where the walk runs) or the bearer token, to anyone
    # logged in or not; from any other address a 404 (test_monitoring_is_hidden_from_other_addresses)
    "health": rule(public=True),
    "metrics": rule(public=True),
    # the 附件3 report
    "reports:index": rule(),
    "reports:verify": rule(public=True),
    "reports:report_edit": rule("report_unit", "view", post="fill"),
    "reports:campaign_overview": rule("campaign", "view"),
    "reports:campaign_zip": rule("campaign", "manage"),
    "reports:report_preview": rule("report", "view"),
    "reports:report_sign": rule("report", "fill"),
    "reports:report_retry": rule("report", "fill"),
    "reports:report_pdf": rule("report", "view"),
    "reports:stamps": rule("stamp_unit", "view", post="fill"),
    "reports:stamp_image": rule("stamp", "view"),
}
# Slug arguments: one rule per value.
LEDGER_ACTIONS = {"submit": "fill", "return": "supervise", "accept": "supervise", "comment": "fill_or_supervise"}
ITEM_ACTIONS = {"start": "fill", "progress": "fill", "evidence": "fill", "request-closure": "fill",
                "close": "supervise", "send-back": "supervise", "comment": "fill_or_supervise"}
for _slug, _need in LEDGER_ACTIONS.items():
    RULES[f"ledger:ledger_action/{_slug}"] = rule("ledger", _need, extra=(_slug,))
for _slug, _need in ITEM_ACTIONS.items():
    RULES[f"ledger:item_action/{_slug}"] = rule("item", _need, extra=(_slug,))
# A common measure: its unit's own account reports it done, the unit above closes it or sends it back.
COMMON_MEASURE_ACTIONS = {"request-closure": "fill", "close": "supervise", "send-back": "supervise"}
for _slug, _need in COMMON_MEASURE_ACTIONS.items():
    RULES[f"reviews:common_measure_action/{_slug}"] = rule("common_measure", _need, extra=(_slug,))
for _slug in ("problems", "tasks", "duties"):
    RULES[f"ledger:ledger_lists/{_slug}"] = rule("ledger", "view", extra=(_slug,))
    RULES[f"ledger:campaign_lists/{_slug}"] = rule("campaign", "view", extra=(_slug,))
# The URL parameter each slugged URL takes its slug in.
SLUGGED = {"ledger:ledger_action": "action", "ledger:item_action": "action", "ledger:ledger_lists": "kind",
           "ledger:campaign_lists": "kind", "reviews:common_measure_action": "action"}

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00"
       b"\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


def url_names() -> set[str]:
    """Every named URL of the project except Django's admin."""
    names = set()

    def walk(patterns, namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (
                    entry.namespace or namespace)
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_has_a_rule():
    covered = {name.split("/")[0] for name in RULES}
    missing = sorted(url_names() - covered)
    assert missing == [], f"add a RULE for these URLs: {missing}"
    stale = sorted(covered - url_names())
    assert stale == [], f"RULES for URLs that no longer exist: {stale}"


class World:
    """One object of every kind at every site of the `tree` fixture, and the accounts that walk them."""

    def __init__(self, tree, users):
        self.users = users
        self.units = {name: getattr(tree, name) for name in
                      ("root", "gb1", "gb2", "b1", "b2", "b3", "other_root", "other_gb", "other_branch")}
        org_other = make_user("org-other", tree.other_root, Role.ORG_DEPARTMENT)
        self.staff = {"gb1": users["gb_staff"], "gb2": make_user("gb2-staff", tree.gb2, Role.GENERAL_BRANCH_STAFF),
                      "other_gb": make_user("other-staff", tree.other_gb, Role.GENERAL_BRANCH_STAFF)}
        self.campaigns = {"root": make_campaign(tree.root, actor=users["org"]),
                          "other_root": make_campaign(tree.other_root, actor=org_other)}
        self.orgs = {"root": users["org"], "other_root": org_other}
        from ledger.services.periodic import report_cycle_set

        self.periods = {
            site: report_cycle_set(actor=self.orgs[site], campaign=campaign, frequency="quarterly",
                                   starts_on=datetime.date(2022, 1, 1), ends_on=datetime.date(2022, 12, 31)
                                   ).periods.order_by("due_on").first()
            for site, campaign in self.campaigns.items()
        }
        self.kwargs: dict[tuple[str, str], dict] = {}
        self._branch_objects()
        self._general_branch_objects()
        self._personal_objects()
        from ledger.services.templates import template_create

        draft = template_create(actor=users["org"], owner=tree.root, name="本校补充清单")
        self.kwargs[("template", "builtin")] = {"pk": draft.pk}  # a template the committee owns and may edit
        for name in SITES["unit"]:
            self.kwargs[("unit", name)] = {"pk": self.units[name].pk}
        for site, campaign in self.campaigns.items():
            self.kwargs[("campaign", site)] = {"pk": campaign.pk}
        self._surveys()
        self._committee_objects()

    def _committee_objects(self) -> None:
        """A campaign reaching the committees and general branches, and a problem handed down from the top."""
        from branches.models import OrgUnit
        from ledger.services.campaigns import campaign_publish
        from ledger.services.handing_down import problems_hand_down

        for site, below in (("root", ("gb1", "gb2")), ("other_root", ("other_gb",))):
            org, top = self.orgs[site], self.units[site]
            campaign = make_campaign(top, actor=org, name="巡视反馈问题整改", publish=False)
            units = [top, *(self.units[name] for name in below)]
            campaign_publish(actor=org, campaign=campaign, units=OrgUnit.objects.filter(pk__in=[u.pk for u in units]))
            ledger = ledger_of(campaign, top)
            problem = make_problem(ledger, description="理想信念教育流于形式")
            problems_hand_down(actor=org, ledger=ledger, problem_ids=[problem.pk],
                               unit_ids=[self.units[name].pk for name in below])
            self.kwargs[("committee_ledger", site)] = {"pk": ledger.pk}
            self.kwargs[("committee_problem", site)] = {"pk": problem.pk}
            if site == "root":
                copy = problem.handed_down_copies.get(ledger__unit=self.units["gb1"])
                self.kwargs[("committee_ledger", "gb1")] = {"pk": copy.ledger_id}
                self.kwargs[("committee_problem", "gb1")] = {"pk": copy.pk}

    def _surveys(self) -> None:
        from reviews import survey_services
        from reviews.models import Tier

        for site, branch in (("root", "b1"), ("other_root", "other_branch")):
            survey = survey_services.survey_create(actor=self.orgs[site], issuer=self.units[site], year=2023)
            survey_services.survey_classify(actor=self.orgs[site], survey=survey, unit=self.units[branch],
                                            tier=Tier.LAGGING, reason="组织生活不经常")
            self.kwargs[("survey", site)] = {"pk": survey.pk}

    def _campaign_of(self, unit_name: str) -> Campaign:
        return self.campaigns["other_root" if unit_name.startswith("other") else "root"]

    def _branch_objects(self) -> None:
        from reviews import services as reviews

        for name in SITES["ledger"]:
            unit, campaign = self.units[name], self._campaign_of(name)
            ledger = ledger_of(campaign, unit)
            problem = make_problem(ledger)
            item = make_item(problem)
            evidence = evidence_add(actor=filler_of(ledger), item=item,
                                    upload=SimpleUploadedFile("photo.png", PNG, content_type="image/png"))
            manifestation = campaign.template.categories.first().manifestations.first()
            org = self.orgs["other_root" if name.startswith("other") else "root"]
            rating = reviews.rating_decide(actor=org, campaign=campaign, unit=unit, stars=3, basis="一般")
            today = datetime.date.today()
            rating = reviews.rating_publish(actor=org, rating=rating, starts_on=today,
                                            ends_on=today + datetime.timedelta(days=5))
            objection = reviews.objection_record(actor=org, rating=rating, raised_by="党员", text="有异议")
            period = self.periods["other_root" if name.startswith("other") else "root"]
            from ledger.services.periodic import periodic_report_submit

            periodic_report_submit(actor=filler_of(ledger), ledger=ledger, period=period,
                                   work_done="本季度召开支委会两次，研究整改措施。")
            self.kwargs.update({
                ("periodic", name): {"pk": ledger.pk, "period_pk": period.pk},
                ("ledger", name): {"pk": ledger.pk}, ("problem", name): {"pk": problem.pk},
                ("item", name): {"pk": item.pk}, ("evidence", name): {"pk": evidence.pk},
                ("manifestation", name): {"pk": ledger.pk, "manifestation_pk": manifestation.pk},
                ("category", name): {"pk": ledger.pk, "category_pk": manifestation.category_id},
                ("rating_unit", name): {"pk": campaign.pk, "unit_pk": unit.pk},
                ("rating", name): {"pk": rating.pk}, ("objection", name): {"pk": objection.pk},
            })

    def _general_branch_objects(self) -> None:
        from reports import services as reports
        from reviews import services as reviews
        from reviews.models import SupervisionKind

        for name in SITES["report"]:
            unit, staff, campaign = self.units[name], self.staff[name], self._campaign_of(name)
            org = self.orgs["other_root" if name.startswith("other") else "root"]
            report = reports.report_save(actor=staff, campaign=campaign, unit=unit, version=0, work_done="开展情况",
                                         problems_found="存在问题", next_steps="整改措施")
            report.pdf.save(f"walk-{name}.pdf", ContentFile(b"%PDF-1.7 walk"), save=False)
            SituationReport.objects.filter(pk=report.pk).update(
                status=ReportStatus.SIGNED, signed_at=timezone.now(), verification_code=f"WALK{name}", pdf=report.pdf.name,
                pdf_sha256="0" * 64)
            stamp = reports.stamp_upload(actor=staff, unit=unit, kind="seal",
                                         upload=SimpleUploadedFile("seal.png", PNG, content_type="image/png"))
            branch = unit.children.first()
            record = reviews.supervision_create(actor=staff, author_unit=unit, kind=SupervisionKind.SITE_VISIT,
                                                date=datetime.date(2022, 10, 20), participants="组织员",
                                                visited_units=[branch], campaign=campaign)
            with override_settings(COMMON_PROBLEM_MIN_UNITS=1):  # the one branch's problem is common enough here
                category = campaign.template.categories.first()
                common = common_measure_create(actor=staff, campaign=campaign, unit=unit, category=category,
                                               manifestation=None, measure="专项整治", responsible_name="书记",
                                               deadline=datetime.date(2022, 12, 31))
            delegate = make_user(f"delegate-{name}", unit, Role.GENERAL_BRANCH_STAFF)
            delegation = reviews.delegation_grant(actor=org, unit=unit, user=delegate)
            self.kwargs.update({
                ("report_unit", name): {"campaign_pk": campaign.pk, "unit_pk": unit.pk},
                ("report", name): {"pk": report.pk}, ("stamp_unit", name): {"unit_pk": unit.pk},
                ("stamp", name): {"pk": stamp.pk}, ("supervision", name): {"pk": record.pk},
                ("delegation", name): {"pk": campaign.pk, "delegation_pk": delegation.pk},
                ("common_measure", name): {"pk": common.pk},
            })

    def _personal_objects(self) -> None:
        for name in USERS:
            owner = self.users[name]
            job = Job.objects.create(owner=owner, kind="ledger_export", title="导出", status="done", result_name="a.xlsx")
            job.result.save(f"walk-{name}.xlsx", ContentFile(b"xlsx"))
            note = Notification.objects.create(recipient=owner, kind=Notification._meta.get_field("kind").choices[0][0],
                                               title="提醒", link="/")
            self.kwargs[("job", name)] = {"pk": job.pk}
            self.kwargs[("notification", name)] = {"pk": note.pk}


def outcome(response) -> str:
    if response.status_code in (403, 404):
        return "refused"
    if response.status_code >= 400 and response.status_code not in (400, 405):
        return f"status {response.status_code}"
    if response.status_code in (301, 302) and "/accounts/login/" in response.get("Location", ""):
        return "login"
    return "allowed"


def attempt(client: Client, url: str, method: str) -> str | None:
    """GET or POST (an empty form) the URL, rolled back; None when the URL does not take that method."""
    with transaction.atomic():
        response = getattr(client, method)(url, {})
        transaction.set_rollback(True)
    return None if response.status_code == 405 else outcome(response)


def cases() -> list[tuple[str, str | None, Callable]]:
    """(rule name, site or None) for every rule."""
    found = []
    for name, one in RULES.items():
        for site in SITES[one.sites] if one.sites else (None,):
            found.append((name, site))
    return found


def expected(one: Rule, user: str, site: str | None, method: str = "get") -> str:
    if site is None:
        return "allowed" if user in one.who else "refused"
    need = one.post if method == "post" and one.post else one.need
    return "allowed" if site in NEEDS[need][user] else "refused"


def reverse_rule(name: str, one: Rule, world: World, site: str | None) -> str:
    url_name = name.split("/")[0]
    kwargs = dict(world.kwargs[(one.sites, site)]) if site else {}
    if url_name in SLUGGED:
        kwargs[SLUGGED[url_name]] = one.extra[0]
    try:
        return reverse(url_name, kwargs=kwargs)
    except NoReverseMatch:  # the same object under another parameter name (campaign_pk, …)
        return reverse(url_name, args=list(kwargs.values()))


@pytest.fixture
def world(tree, users, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path
    return World(tree, users)


SKIP_WHEN_LOGGED_IN = {"login", "logout"}  # logging in again / out would change the walking account itself


def test_the_walk(world):
    """Every rule × every account × every site: the outcome the tables above expect."""
    wrong = []
    for user in USERS:
        client = Client()
        client.force_login(world.users[user])
        for name, site in cases():
            if name in SKIP_WHEN_LOGGED_IN:
                continue
            one = RULES[name]
            url = reverse_rule(name, one, world, site)
            for method in ("get", "post"):
                got, want = attempt(client, url, method), expected(one, user, site, method)
                if got is not None and got != want:
                    wrong.append(f"{user:<9} {method.upper():<4} {name} @ {site}: {got}, expected {want}  ({url})")
    assert wrong == [], "\n".join(["", *wrong])


def test_anonymous_visitors_reach_only_public_pages(world):
    client = Client()
    wrong = []
    for name, site in cases():
        one = RULES[name]
        url = reverse_rule(name, one, world, site)
        for method in ("get", "post"):
            got = attempt(client, url, method)
            want = "allowed" if one.public else "login"
            if got is not None and got != want and not (want == "login" and got == "refused"):
                wrong.append(f"anonymous {method.upper()} {name} @ {site}: {got}, expected {want}")
    assert wrong == [], "\n".join(["", *wrong])


def test_monitoring_is_hidden_from_other_addresses(world):
    """From an address not in MONITORING_ALLOWED_IPS, logged in or not, the monitoring URLs do not exist."""
    for user in (None, *USERS):
        client = Client(REMOTE_ADDR="203.0.113.9")
        if user:
            client.force_login(world.users[user])
        for name in ("health", "metrics"):
            assert client.get(reverse(name)).status_code == 404, (user, name)
