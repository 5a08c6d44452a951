"""The product's URLs plus ``/bench/bare/<account_id>``: the same server stack (middleware,
DRF request/response cycle) doing exactly one query, as the ceiling for HTTP benchmarks."""

from django.urls import include, path
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Account
from config.urls import handler404, handler500  # noqa: F401  (Django reads them from here)


class BareView(APIView):
    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    renderer_classes = [JSONRenderer]

    def get(self, request, account_id: str) -> Response:
        return Response(Account.objects.filter(pk=account_id).values("id", "name").first())


urlpatterns = [
    path("bench/bare/<str:account_id>", BareView.as_view()),
    path("", include("config.urls")),
]
