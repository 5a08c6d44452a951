from django.urls import path

from inbound.api import views

urlpatterns = [
    path("accounts/<str:account_id>/inbound_messages", views.InboundMessagesView.as_view()),
    path(
        "accounts/<str:account_id>/inbound_messages/<str:message_id>",
        views.InboundMessageView.as_view(),
    ),
]
