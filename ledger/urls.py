"""Ledger URLs. Setup (templates, campaigns) and the branch workflow live in separate view modules."""

from django.urls import path

from ledger.views import exports, handing_down, imports, lists, own_plans, periodic, setup, workflow

app_name = "ledger"
urlpatterns = [
    # checklist templates and campaigns (the organization department)
    path("templates/", setup.template_list, name="template_list"),
    path("templates/new/", setup.template_create, name="template_create"),
    path("templates/<int:pk>/", setup.template_detail, name="template_detail"),
    path("templates/<int:pk>/copy/", setup.template_copy, name="template_copy"),
    path("campaigns/", setup.campaign_list, name="campaign_list"),
    path("campaigns/new/", setup.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", setup.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/publish/", setup.campaign_publish, name="campaign_publish"),
    path("campaigns/<int:pk>/edit/", setup.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/close/", setup.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/carry-over/", setup.campaign_carry_over, name="campaign_carry_over"),
    # a unit's own rectification plan (本单位整改方案)
    path("own-plans/", own_plans.own_plan_list, name="own_plan_list"),
    path("own-plans/new/", own_plans.own_plan_create, name="own_plan_create"),
    # the branch workflow
    path("campaigns/<int:pk>/ledgers/", workflow.campaign_ledgers, name="campaign_ledgers"),
    path("ledgers/<int:pk>/", workflow.ledger_detail, name="ledger_detail"),
    path("items/<int:pk>/", workflow.item_detail, name="item_detail"),
    path("evidence/<int:pk>/", workflow.evidence_download, name="evidence_download"),
    # 附件2 exports and problem-list imports
    path("exports/", exports.export_index, name="export_index"),
    path("campaigns/<int:pk>/export/", exports.campaign_export, name="campaign_export"),
    path("campaigns/<int:pk>/export/start/", exports.export_start, name="export_start"),
    path("campaigns/<int:pk>/export/zip/", exports.export_zip_start, name="export_zip_start"),
    path("ledgers/<int:pk>/export.xlsx", exports.ledger_export, name="ledger_export"),
    # 三单一账: the problem, task and responsibility lists of a ledger or of a unit's subtree
    path("ledgers/<int:pk>/lists/<slug:kind>/", lists.ledger_list_page, name="ledger_lists"),
    path("ledgers/<int:pk>/lists.xlsx", lists.ledger_lists_export, name="ledger_lists_export"),
    path("campaigns/<int:pk>/lists/<slug:kind>/", lists.campaign_list_page, name="campaign_lists"),
    path("campaigns/<int:pk>/lists-export/", lists.campaign_lists_start, name="campaign_lists_start"),
    path("ledgers/<int:pk>/import/", imports.problem_import, name="problem_import"),
    path("ledgers/<int:pk>/import/template.xlsx", imports.problem_import_template, name="problem_import_template"),
    path("ledgers/", workflow.my_ledgers, name="my_ledgers"),
    path("evidence/<int:pk>/thumbnail/", workflow.evidence_thumbnail, name="evidence_thumbnail"),
    path("ledgers/<int:pk>/self-check/", workflow.self_check, name="self_check"),
    path("ledgers/<int:pk>/self-check/<int:manifestation_pk>/", workflow.self_check_answer, name="self_check_answer"),
    path("ledgers/<int:pk>/self-check/categories/<int:category_pk>/", workflow.self_check_category_answer,
         name="self_check_category_answer"),
    path("ledgers/<int:pk>/problems/new/", workflow.problem_create, name="problem_create"),
    path("ledgers/<int:pk>/bulk-close/", workflow.bulk_close, name="bulk_close"),
    path("ledgers/<int:pk>/changes/", workflow.ledger_changes, name="ledger_changes"),
    path("ledgers/<int:pk>/history/", workflow.ledger_history, name="ledger_history"),
    # periodic progress reports (定期报告)
    path("campaigns/<int:pk>/report-cycle/", periodic.report_cycle, name="report_cycle"),
    path("campaigns/<int:pk>/periodic-reports/", periodic.who_reported, name="periodic_who_reported"),
    path("ledgers/<int:pk>/periodic-reports/", periodic.periodic_report_list, name="periodic_report_list"),
    path("ledgers/<int:pk>/periodic-reports/<int:period_pk>/", periodic.periodic_report, name="periodic_report"),
    path("ledgers/<int:pk>/periodic-reports/<int:period_pk>/review/", periodic.periodic_report_review,
         name="periodic_report_review"),
    # handing a committee's problems down to the units below (上级交办)
    path("ledgers/<int:pk>/hand-down/", handing_down.hand_down, name="hand_down"),
    path("problems/<int:pk>/", handing_down.problem_detail, name="problem_detail"),
    path("ledgers/<int:pk>/<slug:action>/", workflow.ledger_action, name="ledger_action"),
    path("problems/<int:pk>/edit/", workflow.problem_edit, name="problem_edit"),
    path("problems/<int:pk>/withdraw/", workflow.problem_withdraw, name="problem_withdraw"),
    path("problems/<int:pk>/recurrence/confirm/", workflow.recurrence_confirm, name="recurrence_confirm"),
    path("problems/<int:pk>/recurrence/dismiss/", workflow.recurrence_dismiss, name="recurrence_dismiss"),
    path("problems/<int:pk>/items/new/", workflow.item_create, name="item_create"),
    path("items/<int:pk>/edit/", workflow.item_edit, name="item_edit"),
    path("items/<int:pk>/<slug:action>/", workflow.item_action, name="item_action"),
]
