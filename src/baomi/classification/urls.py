from django.urls import path

from baomi.classification import views

app_name = "classification"
urlpatterns = [
    path("", views.decisions, name="decisions"),
    path("new/", views.decision_new, name="new"),
    path("derive/", views.derive, name="derive"),
    path("<int:decision_id>/", views.decision, name="decision"),
    path("<int:decision_id>/<slug:action>/", views.decision_action, name="decision_action"),
    path("notices/", views.notices, name="notices"),
    path("review/", views.review, name="review"),
    path("reports/", views.reports, name="reports"),
    path("reports/state-secrets.<slug:fmt>", views.report_download, name="report_download"),
    path("authorities/", views.authorities, name="authorities"),
    path("authorities/<int:authority_id>/revoke/", views.authority_revoke, name="authority_revoke"),
    path("guide/", views.guide, name="guide"),
    path("guide/version/", views.guide_new_version, name="guide_new_version"),
    path("guide/entries/<int:entry_id>/", views.guide_entry, name="guide_entry"),
    path("guide/import/", views.guide_import, name="guide_import"),
    path("guide/export.xlsx", views.guide_export, name="guide_export"),
    path("references/", views.references, name="references"),
]
