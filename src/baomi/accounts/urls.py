from django.contrib.auth import views as auth_views
from django.urls import path

from baomi.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("profile/", views.profile, name="profile"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("units/", views.units, name="units"),
    path("units/<int:unit_id>/toggle/", views.unit_toggle, name="unit_toggle"),
    path("people/", views.people, name="people"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("people/<int:person_id>/<slug:action>/", views.person_action, name="person_action"),
]
