from django.urls import path

from baomi.securitykeys import views

app_name = "securitykeys"
urlpatterns = [
    path("setup/", views.setup, name="setup"),
    path("register/begin/", views.register_begin, name="register_begin"),
    path("register/finish/", views.register_finish, name="register_finish"),
    path("authenticate/begin/", views.authenticate_begin, name="authenticate_begin"),
    path("authenticate/finish/", views.authenticate_finish, name="authenticate_finish"),
    path("<int:key_id>/remove/", views.remove, name="remove"),
]
