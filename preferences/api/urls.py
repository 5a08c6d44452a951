from django.urls import path

from preferences.api import views

_ACCOUNT = "accounts/<str:account_id>"

urlpatterns = [
    path(f"{_ACCOUNT}/suppressions", views.SuppressionsView.as_view()),
    path(f"{_ACCOUNT}/suppressions/<str:suppression_id>", views.SuppressionView.as_view()),
    path(
        f"{_ACCOUNT}/users/<str:user_id>/subscriptions",
        views.SubscriptionsView.as_view(),
    ),
]
