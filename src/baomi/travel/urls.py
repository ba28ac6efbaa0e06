from django.urls import path

from baomi.travel import views

app_name = "travel"
urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("trips/<int:trip_id>/", views.trip_detail, name="trip"),
    path("trips/<int:trip_id>/<slug:action>/", views.trip_action, name="trip_action"),
    path("documents/", views.documents, name="documents"),
    path("documents/<int:document_id>/<slug:action>/", views.document_action, name="document_action"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:report_id>/", views.report_detail, name="report"),
    path("reports/<int:report_id>/<slug:action>/", views.report_action, name="report_action"),
    path("people/<int:person_id>/", views.person, name="person"),
]
