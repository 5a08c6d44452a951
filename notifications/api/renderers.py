"""Renderers for raw template bodies, chosen by ``Accept`` or ``?accept=``."""

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

from config.envelope import EnvelopeJSONRenderer


class TemplateBodyRenderer(BaseRenderer):
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data.encode(self.charset) if isinstance(data, str) else b""


class HTMLBodyRenderer(TemplateBodyRenderer):
    media_type = "text/html"
    format = "html"


class PlainBodyRenderer(TemplateBodyRenderer):
    media_type = "text/plain"
    format = "txt"


class DeferredNotAcceptableNegotiation(DefaultContentNegotiation):
    """``?accept=`` overrides ``Accept``; a miss falls back to JSON and is remembered, so an
    unknown id still answers 404.

    Whether a template body exists is only known once the template is resolved; the view
    raises 406 then (``request.unsatisfied_accept``).
    """

    def get_accept_list(self, request):
        override = request.query_params.get("accept")  # for clients that cannot set headers
        if override:
            return [override.strip()]
        return super().get_accept_list(request)

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            request.unsatisfied_accept = True
            return EnvelopeJSONRenderer(), EnvelopeJSONRenderer.media_type


class SmsBodyRenderer(TemplateBodyRenderer):
    media_type = "text/x-sms"
    format = "sms"
