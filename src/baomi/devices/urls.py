from django.urls import path

from baomi.devices import views

app_name = "devices"
urlpatterns = [
    path("", views.device_list, name="list"),
    path("register/", views.device_register, name="register"),
    path("reviews/", views.reviews, name="reviews"),
    path("anomalies/", views.anomalies, name="anomalies"),
    path("<int:device_id>/", views.device_detail, name="detail"),
    path("<int:device_id>/<str:action>/", views.device_action, name="action"),
]
