from django.urls import path

from baomi.approvals import views

app_name = "approvals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:request_id>/", views.detail, name="detail"),
    path("<int:request_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:request_id>/sign/", views.sign_begin, name="sign_begin"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:delegation_id>/revoke/", views.delegation_revoke, name="delegation_revoke"),
    path("external/", views.provisions, name="provisions"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
]
