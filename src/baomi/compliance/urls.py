from django.urls import path

from baomi.compliance import views

app_name = "compliance"

urlpatterns = [
    path("", views.index, name="index"),
    path("report.csv", views.export, name="export"),
]
