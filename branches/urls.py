from django.urls import path

from branches import views, views_imports

app_name = "branches"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("import/", views_imports.tree_import, name="tree_import"),
    path("import/template.xlsx", views_imports.tree_import_template, name="tree_import_template"),
]
