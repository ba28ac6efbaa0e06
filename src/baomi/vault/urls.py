from django.urls import path

from baomi.vault import views

app_name = "vault"
urlpatterns = [
    path("carriers/<int:carrier_id>/upload/", views.upload, name="upload"),
    path("files/<int:content_id>/download/", views.download, name="download"),
]
