from django.urls import path

from baomi.inspections import manage, views

app_name = "inspections"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/report.<str:fmt>", views.report, name="report"),
    path("findings/<int:pk>/evidence", views.evidence, name="evidence"),
    path("annual/<int:year>.docx", views.annual, name="annual"),
    path("rectifications/<int:pk>/", views.rect, name="rect"),
    path("sites/<int:pk>/", views.site, name="site"),
    path("manage/<str:action>/", manage.office_action, name="office_action"),
    path("templates/<int:pk>/", manage.template, name="template"),
]
