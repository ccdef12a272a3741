from django.urls import path

from branches import views, views_imports

app_name = "branches"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/pick/", views.unit_pick, name="unit_pick"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/accounts/new/", views.account_create, name="account_create"),
    path("import/", views_imports.tree_import, name="tree_import"),
    path("import/template.xlsx", views_imports.tree_import_template, name="tree_import_template"),
]
