from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    path("campaigns/<int:pk>/dashboard/", views.dashboard, name="dashboard"),
]
