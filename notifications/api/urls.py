from django.urls import path

from notifications.api import actions, views

urlpatterns = [
    path(
        "notifications/customer_update/message",
        actions.SystemCustomerUpdateView.as_view(),
    ),
    path(
        "accounts/<str:account_id>/notifications/customer_update/message",
        actions.AccountCustomerUpdateView.as_view(),
    ),
    path(
        "accounts/<str:account_id>/notifications/customer_update/message/<str:broadcast_id>",
        actions.BroadcastView.as_view(),
    ),
    path(
        "accounts/<str:account_id>/notifications/<str:notification_id>/broadcast",
        actions.TemplateBroadcastView.as_view(),
    ),
    path(
        "accounts/<str:account_id>/notifications/<str:notification_id>/broadcast/"
        "<str:broadcast_id>",
        actions.TemplateBroadcastProgressView.as_view(),
    ),
    path("notifications", views.SystemNotificationsView.as_view()),
    path("notifications/<str:notification_id>", views.SystemNotificationView.as_view()),
    path(
        "notifications/<str:notification_id>/preview",
        actions.SystemPreviewView.as_view(),
    ),
    path("accounts/<str:account_id>/notifications", views.AccountNotificationsView.as_view()),
    path(
        "accounts/<str:account_id>/notifications/<str:notification_id>/preview",
        actions.AccountPreviewView.as_view(),
    ),
    path(
        "accounts/<str:account_id>/notifications/<str:notification_id>/send",
        actions.SendView.as_view(),
    ),
    path(
        "accounts/<str:account_id>/notifications/<str:notification_id>",
        views.AccountNotificationView.as_view(),
    ),
]
