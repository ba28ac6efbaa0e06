from django.urls import path

from baomi.meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.index, name="index"),
    path("plan/", views.plan, name="plan"),
    path("venues/", views.venues, name="venues"),
    path("<int:meeting_id>/", views.detail, name="detail"),
    path("<int:meeting_id>/<slug:action>/", views.action, name="action"),
]
