from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import LoginView, LogoutView, PasswordChangeView
from config import monitoring
from ledger.views.home import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("branches.urls")),
    path("ledger/", include("ledger.urls")),
    path("reviews/", include("reviews.urls")),
    path("jobs/", include("jobs.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    # For the operators' monitoring only (config/monitoring.py): anyone else gets a 404.
    path("health/", monitoring.health, name="health"),
    path("metrics", monitoring.metrics, name="metrics"),
]
