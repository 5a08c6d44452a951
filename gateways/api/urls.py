from django.urls import path

from gateways.api import views

_SYSTEM = "gateways"
_ACCOUNT = "accounts/<str:account_id>/gateways"
_ONE = "/<str:gateway_id>"

urlpatterns = [
    path("gateway_kinds", views.GatewayKindsView.as_view()),
    path("webhooks/<str:gateway_id>/<str:hook_token>", views.InboundWebhookView.as_view()),
    # System gateways (account NULL)
    path(_SYSTEM, views.SystemGatewaysView.as_view()),
    path(f"{_SYSTEM}/check_connection", views.SystemUnsavedCheckView.as_view()),
    path(_SYSTEM + _ONE, views.SystemGatewayView.as_view()),
    path(f"{_SYSTEM}{_ONE}/check_connection", views.SystemGatewayCheckView.as_view()),
    path(f"{_SYSTEM}{_ONE}/rotate_webhook", views.SystemGatewayRotateView.as_view()),
    path(f"{_SYSTEM}{_ONE}/events", views.SystemGatewayEventsView.as_view()),
    path(f"{_SYSTEM}{_ONE}/test", views.SystemGatewayTestView.as_view()),
    # An account's gateways (and the ones it inherits)
    path(_ACCOUNT, views.AccountGatewaysView.as_view()),
    path(f"{_ACCOUNT}/check_connection", views.AccountUnsavedCheckView.as_view()),
    path(_ACCOUNT + _ONE, views.AccountGatewayView.as_view()),
    path(f"{_ACCOUNT}{_ONE}/check_connection", views.AccountGatewayCheckView.as_view()),
    path(f"{_ACCOUNT}{_ONE}/rotate_webhook", views.AccountGatewayRotateView.as_view()),
    path(f"{_ACCOUNT}{_ONE}/events", views.AccountGatewayEventsView.as_view()),
    path(f"{_ACCOUNT}{_ONE}/test", views.AccountGatewayTestView.as_view()),
]
