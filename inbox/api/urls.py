"""Inbox routes; ``read_all`` comes before ``{message_id}`` so it is never taken for an id."""

from django.urls import path

from inbox.api import views

PREFIX = "accounts/<str:account_id>/users/<str:user_id>/inbox"

urlpatterns = [
    path(PREFIX, views.InboxListView.as_view()),
    path(f"{PREFIX}/read_all", views.InboxReadAllView.as_view()),
    path(f"{PREFIX}/<str:message_id>", views.InboxMessageView.as_view()),
]
