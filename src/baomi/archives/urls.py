from django.urls import path

from baomi.archives import views

app_name = "archives"
urlpatterns = [
    path("", views.index, name="index"),
    path("entries/new/", views.entry_create, name="entry_create"),
    path("entries/<int:entry_id>/", views.entry_detail, name="entry"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/<slug:action>/", views.request_action, name="request_action"),
    path("custodians/", views.custodian_designate, name="custodian_designate"),
    path("loans/new/", views.loan_request, name="loan_request"),
    path("loans/<int:loan_id>/return/", views.loan_return, name="loan_return"),
]
