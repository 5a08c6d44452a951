from django.urls import path

from freeside.api import views

_BASE = "freeside/<str:account_id>"

urlpatterns = [
    path(f"{_BASE}/prepare", views.PrepareView.as_view()),
    path(f"{_BASE}/prepare/<str:template_id>", views.PrepareTemplateView.as_view()),
    path(f"{_BASE}/send", views.SendView.as_view()),
]
