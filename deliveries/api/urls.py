"""Delivery log routes (every channel)."""

from django.urls import path

from deliveries.api import views

_LOG = "accounts/<str:account_id>/deliveries"

urlpatterns = [
    path(_LOG, views.DeliveryListView.as_view()),
    path(f"{_LOG}/<str:delivery_id>", views.DeliveryDetailView.as_view()),
    path(f"{_LOG}/<str:delivery_id>/retry", views.DeliveryRetryView.as_view()),
]
