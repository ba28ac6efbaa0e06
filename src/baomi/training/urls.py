from django.urls import path

from baomi.training import views

app_name = "training"
urlpatterns = [
    path("", views.index, name="index"),
    path("behind/", views.behind, name="behind"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("requirements/", views.requirements, name="requirements"),
    path("courses/", views.courses, name="courses"),
    path("courses/<int:course_id>/", views.course, name="course"),
    path("sessions/<int:session_id>/", views.session, name="session"),
    path("questions/", views.questions, name="questions"),
    path("questions/new/", views.question_edit, name="question_new"),
    path("questions/<int:question_id>/", views.question_edit, name="question"),
    path("questions/<int:question_id>/toggle/", views.question_toggle, name="question_toggle"),
    path("exams/", views.exams, name="exams"),
    path("exams/<int:exam_id>/", views.exam, name="exam"),
    path("exams/<int:exam_id>/start/", views.exam_start, name="exam_start"),
    path("attempts/<int:attempt_id>/", views.attempt, name="attempt"),
    path("attempts/<int:attempt_id>/save/", views.attempt_save, name="attempt_save"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempts/<int:attempt_id>/certificate.pdf", views.certificate, name="certificate"),
    path("verify/", views.verify, name="verify"),
]
