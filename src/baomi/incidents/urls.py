from django.urls import path

from baomi.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("report/", views.report, name="report"),
    path("statistics/", views.statistics, name="statistics"),
    path("commendations/", views.commend, name="commend"),
    path("<int:incident_id>/", views.detail, name="detail"),
    path("<int:incident_id>/<slug:action>/", views.action, name="action"),
]
