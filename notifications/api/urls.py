from django.urls import path

from notifications.api import views

urlpatterns = [
    path(
        "notifications/customer_update/message",
        views.SystemCustomerUpdateView.as_view(),
    ),
    path(
        "accounts/<str:account_id>/notifications/customer_update/message",
        views.AccountCustomerUpdateView.as_view(),
    ),
    path(
        "accounts/<str:account_id>/notifications/customer_update/message/<str:broadcast_id>",
        views.BroadcastView.as_view(),
    ),
    path("notifications", views.SystemNotificationsView.as_view()),
    path("notifications/<str:notification_id>", views.SystemNotificationView.as_view()),
    path(
        "notifications/<str:notification_id>/preview",
        views.SystemPreviewView.as_view(),
    ),
    path("accounts/<str:account_id>/notifications", views.AccountNotificationsView.as_view()),
    path(
        "accounts/<str:account_id>/notifications/<str:notification_id>/preview",
        views.AccountPreviewView.as_view(),
    ),
    path(
        "accounts/<str:account_id>/notifications/<str:notification_id>/send",
        views.SendView.as_view(),
    ),
    path(
        "accounts/<str:account_id>/notifications/<str:notification_id>",
        views.AccountNotificationView.as_view(),
    ),
]
