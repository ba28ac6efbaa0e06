from django.urls import path

from baomi.stocktake import views

app_name = "stocktake"
urlpatterns = [
    path("", views.stocktake_list, name="list"),
    path("start/", views.stocktake_start, name="start"),
    path("<int:stocktake_id>/", views.stocktake_detail, name="detail"),
    path("<int:stocktake_id>/scan/", views.stocktake_scan, name="scan"),
    path("<int:stocktake_id>/close/", views.stocktake_close, name="close"),
    path("<int:stocktake_id>/report.<str:fmt>", views.stocktake_export, name="export"),
]
