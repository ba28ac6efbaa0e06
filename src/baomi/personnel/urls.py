from django.urls import path

from baomi.personnel import views

app_name = "personnel"

urlpatterns = [
    path("", views.index, name="index"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("people/<int:person_id>/vetting", views.vetting, name="vetting"),
    path("people/<int:person_id>/commitments", views.commitment_prepare, name="commitment_prepare"),
    path("people/<int:person_id>/departure", views.departure_open, name="departure_open"),
    path("posts/", views.posts, name="posts"),
    path("assign", views.assign, name="assign"),
    path("commitments/<int:commitment_id>/", views.commitment, name="commitment"),
    path("commitments/<int:commitment_id>/pdf", views.commitment_pdf, name="commitment_pdf"),
    path("commitments/<int:commitment_id>/scan", views.commitment_scan, name="commitment_scan"),
    path("commitments/<int:commitment_id>/upload", views.commitment_upload, name="commitment_upload"),
    path("departures/<int:departure_id>/", views.departure, name="departure"),
    path("separations/<int:period_id>/reports", views.employment_report, name="employment_report"),
    path("report/", views.annual_report, name="report"),
]
