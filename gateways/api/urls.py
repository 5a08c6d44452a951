from django.urls import path

from gateways.api import views

_G = "<str:gateway_id>"
_SYSTEM = "gateways"
_ACCOUNT = "accounts/<str:account_id>/gateways"

urlpatterns = [
    path("gateway_kinds", views.GatewayKindsView.as_view()),
    path("webhooks/<str:gateway_id>/<str:hook_token>", views.InboundWebhookView.as_view()),
]
for prefix, scope in (("", _SYSTEM), ("Account", _ACCOUNT)):
    kind = "System" if not prefix else "Account"
    urlpatterns += [
        path(scope, getattr(views, f"{kind}GatewaysView").as_view()),
        path(f"{scope}/check_connection", getattr(views, f"{kind}UnsavedCheckView").as_view()),
        path(f"{scope}/{_G}", getattr(views, f"{kind}GatewayView").as_view()),
        path(f"{scope}/{_G}/check_connection", getattr(views, f"{kind}GatewayCheckView").as_view()),
        path(f"{scope}/{_G}/rotate_webhook", getattr(views, f"{kind}GatewayRotateView").as_view()),
        path(f"{scope}/{_G}/events", getattr(views, f"{kind}GatewayEventsView").as_view()),
    ]
