from django.urls import path

from branches import views

app_name = "branches"
urlpatterns = [
    path("", views.tree, name="tree"),
]
