"""Ledger URLs. Setup (templates, campaigns) and the branch workflow live in separate view modules."""

from django.urls import path

from ledger.views import setup, workflow

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
    # the branch workflow
    path("campaigns/<int:pk>/ledgers/", workflow.campaign_ledgers, name="campaign_ledgers"),
    path("ledgers/<int:pk>/", workflow.ledger_detail, name="ledger_detail"),
    path("items/<int:pk>/", workflow.item_detail, name="item_detail"),
    path("evidence/<int:pk>/", workflow.evidence_download, name="evidence_download"),
]
