from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("v2/", include("accounts.api.urls")),
    path("v2/", include("smtplog.api.urls")),  # before notifications: "smtplog" is no id
    path("v2/", include("notifications.api.urls")),
]

handler404 = "config.errors.handler404"
handler500 = "config.errors.handler500"
