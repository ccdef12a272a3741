from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    # dashboards and the scoped lists behind every figure
    path("", views.index, name="index"),
    path("campaigns/<int:pk>/dashboard/", views.dashboard, name="dashboard"),
    path("campaigns/<int:pk>/items/", views.item_list, name="item_list"),
    path("campaigns/<int:pk>/problems/", views.problem_list, name="problem_list"),
    path("campaigns/<int:pk>/ledgers/", views.ledger_list, name="ledger_list"),
    # results (结果运用) and star ratings (评星定级)
    path("campaigns/<int:pk>/results/", views.results, name="results"),
    path("campaigns/<int:pk>/ratings/", views.rating_list, name="rating_list"),
    path("campaigns/<int:pk>/policy/", views.policy_edit, name="policy_edit"),
    path("campaigns/<int:pk>/delegations/", views.delegation_grant, name="delegation_grant"),
    path("campaigns/<int:pk>/delegations/<int:delegation_pk>/revoke/", views.delegation_revoke,
         name="delegation_revoke"),
    path("campaigns/<int:pk>/units/<int:unit_pk>/rating/", views.rating_edit, name="rating_edit"),
    path("ratings/<int:pk>/", views.rating_detail, name="rating_detail"),
    path("ratings/<int:pk>/publish/", views.rating_publish, name="rating_publish"),
    path("ratings/<int:pk>/objections/", views.objection_create, name="objection_create"),
    path("ratings/<int:pk>/finalise/", views.rating_finalise, name="rating_finalise"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    # the unit's record (档案) and the yearly survey with its three tier lists (摸底排查, 三类台账)
    path("units/<int:pk>/record/", views.record, name="unit_record"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/finalize/", views.survey_finalize, name="survey_finalize"),
    path("surveys/<int:pk>/improvement/", views.survey_improvement, name="survey_improvement"),
    path("surveys/<int:pk>/tiers/", views.survey_tier_list, name="survey_tier_list"),
    path("surveys/<int:pk>/tiers/export/", views.survey_tier_export, name="survey_tier_export"),
    # supervision (督查)
    path("supervision/", views.supervision_list, name="supervision_list"),
    path("supervision/new/", views.supervision_create, name="supervision_create"),
    path("supervision/<int:pk>/", views.supervision_detail, name="supervision_detail"),
    path("supervision/<int:pk>/findings/", views.finding_open_problem, name="finding_open_problem"),
    path("supervision/<int:pk>/reopen/", views.item_reopen, name="item_reopen"),
]
