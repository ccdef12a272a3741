from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("verify/", views.verify, name="verify"),
    path("campaigns/<int:campaign_pk>/units/<int:unit_pk>/", views.report_edit, name="report_edit"),
    path("campaigns/<int:campaign_pk>/", views.campaign_overview, name="campaign_overview"),
    path("campaigns/<int:campaign_pk>/signed.zip", views.campaign_zip, name="campaign_zip"),
    path("<int:pk>/preview.pdf", views.report_preview, name="report_preview"),
    path("<int:pk>/sign/", views.report_sign, name="report_sign"),
    path("<int:pk>/retry/", views.report_retry, name="report_retry"),
    path("<int:pk>/signed.pdf", views.report_pdf, name="report_pdf"),
    path("units/<int:unit_pk>/stamps/", views.stamps, name="stamps"),
    path("stamps/<int:pk>/", views.stamp_image, name="stamp_image"),
]
