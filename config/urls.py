from django.contrib import admin
from django.urls import include, path

from config.openapi import SCHEMA_URL_NAME, docs_view, schema_view

urlpatterns = [
    path("admin/", admin.site.urls),
    # Importing config.openapi also registers its drf-spectacular extensions.
    path("v2/openapi.json", schema_view, name=SCHEMA_URL_NAME),
    path("v2/docs", docs_view, name="openapi-docs"),
    path("v2/", include("accounts.api.urls")),
    path("v2/", include("smtplog.api.urls")),  # before notifications: "smtplog" is no id
    path("v2/", include("notifications.api.urls")),
    path("v2/", include("gateways.api.urls")),
    path("v2/", include("deliveries.api.urls")),
    path("v2/", include("preferences.api.urls")),
    path("v2/", include("inbound.api.urls")),
    path("v2/", include("inbox.api.urls")),
    path("v2/", include("freeside.api.urls")),
]

handler404 = "config.errors.handler404"
handler500 = "config.errors.handler500"
