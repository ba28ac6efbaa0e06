from django.urls import path

from baomi.review import views

app_name = "review"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:check_id>/", views.detail, name="detail"),
    path("<int:check_id>/publication", views.publication, name="publication"),
    path("rules.bundle", views.rules_bundle, name="rules_bundle"),
    path("rules-key.pub", views.rules_public_key, name="rules_public_key"),
]
