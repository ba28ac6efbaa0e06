from django.urls import path

from baomi.carriers import views

app_name = "carriers"
urlpatterns = [
    path("", views.carrier_list, name="list"),
    path("count/", views.carrier_count, name="count"),
    path("register/", views.carrier_register, name="register"),
    path("registers/<slug:slug>.<str:fmt>", views.register_download, name="register_download"),
    path("scan/", views.label_lookup, name="scan"),
    path("registers/<slug:slug>/", views.register_page, name="register_page"),
    path("printing/", views.printing, name="printing"),
    path("printing/<int:job_id>/", views.print_job_detail, name="print_job"),
    path("printing/waste/destroy/", views.waste_destroy, name="waste_destroy"),
    path("cleanup/", views.cleanup, name="cleanup"),
    path("import/", views.ledger_import, name="ledger_import"),
    path("import/template.xlsx", views.ledger_template, name="ledger_template"),
    path("<int:carrier_id>/labels.pdf", views.carrier_labels, name="labels"),
    path("<int:carrier_id>/", views.carrier_detail, name="detail"),
    path("<int:carrier_id>/need-to-know/<slug:action>/", views.carrier_need_to_know, name="need_to_know"),
    path("copies/<int:copy_id>/", views.copy_detail, name="copy"),
    path("copies/<int:copy_id>/<slug:action>/", views.copy_action, name="copy_action"),
    path("destructions/", views.destruction_list, name="destructions"),
    path("destructions/<int:list_id>/", views.destruction_detail, name="destruction"),
    path("destructions/<int:list_id>/<slug:action>/", views.destruction_action, name="destruction_action"),
]
