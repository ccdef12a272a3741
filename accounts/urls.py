from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("2fa/", views.two_factor_setup, name="two_factor_setup"),
    path("2fa/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("cas/login/", views.cas_login, name="cas_login"),
]
