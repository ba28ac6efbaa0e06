from django.urls import path

from baomi.sso import views

app_name = "sso"
urlpatterns = [
    path("oidc/login/", views.StartView.as_view(), name="oidc_login"),
    path("oidc/callback/", views.callback, name="oidc_callback"),
]
