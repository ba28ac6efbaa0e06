from django.urls import path

from baomi.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("export.csv", views.export_csv, name="export"),
    path("status/", views.chain_status, name="status"),
]
