"""SMTP log routes; included before the notifications urls so "smtplog" is never taken for an id."""

from django.urls import path

from smtplog.api import views

urlpatterns = [
    path(
        "accounts/<str:account_id>/notifications/smtplog",
        views.SmtpLogListView.as_view(),
    ),
    path(
        "accounts/<str:account_id>/notifications/smtplog/<str:log_id>",
        views.SmtpLogDetailView.as_view(),
    ),
    path("notifications/smtplog", views.NoAccountSmtpLogView.as_view()),
    path("notifications/smtplog/<path:rest>", views.NoAccountSmtpLogView.as_view()),
]
