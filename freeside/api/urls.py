from django.urls import path

from freeside.api import views

_BASE = "freeside/<str:account_id>"

urlpatterns = [
    path(f"{_BASE}/prepare", views.FreesidePrepareView.as_view()),
    path(f"{_BASE}/prepare/<str:template_id>", views.FreesidePrepareTemplateView.as_view()),
    path(f"{_BASE}/send", views.FreesideSendView.as_view()),
]
