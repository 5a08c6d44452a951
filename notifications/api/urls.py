from django.urls import path

from notifications.api import views

urlpatterns = [
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
