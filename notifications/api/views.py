"""Kazoo's notifications endpoints, on the system path and on account paths.

Each endpoint is one class holding the behaviour, bound twice: to ``/v2/notifications``
(``account`` None, superduper writes) and to ``/v2/accounts/{A}/notifications``.
"""

from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account
from accounts.permissions import AccountScopedView, SystemView
from config.errors import (
    KazooError,
    ValidationFailed,
    bad_identifier,
    field_error,
    forbidden,
    required_error,
)
from config.ids import to_gregorian
from config.parsers import TEMPLATE_UPLOAD_PARSERS, RawTemplate
from config.requests import payload, request_value
from config.validation import validate
from notifications import broadcasts, editing, services
from notifications.api.renderers import (
    DeferredNotAcceptableNegotiation,
    HTMLBodyRenderer,
    PlainBodyRenderer,
    TemplateBodyRenderer,
)
from notifications.api.serializers import (
    CUSTOMER_UPDATE_SCHEMA,
    NOTIFICATION_SCHEMA,
    PREVIEW_SCHEMA,
    RESERVED_IDS,
    SEND_SCHEMA,
    broadcast_data,
    list_entry,
    resolved_data,
    storable,
    stored_data,
)
from notifications.models import BODY_TYPES, NotificationTemplate
from notifications.system_templates import fallback_macros
from smtplog.models import Broadcast

_EXTENSIONS = {"text/html": "html", "text/plain": "txt"}


def _not_acceptable() -> KazooError:
    return KazooError(406, "Not Acceptable", {"message": "the template has no body of that type"})


def _unknown_action(action: str) -> ValidationFailed:
    return field_error(str(action), "forbidden", "Unknown mutation action", cause=action)


def _top_level_action(action: str) -> ValidationFailed:
    return field_error(
        str(action),
        "forbidden",
        "Can not perform mutation action on top-level notification templates",
    )


def _body_content_type(request: Request) -> str | None:
    media = request.content_type.split(";", 1)[0].strip().lower()
    return media if media in BODY_TYPES else None


def _visible(row: NotificationTemplate, superduper: bool) -> bool:
    category = row.document.get("category")
    return category != "skel" and (superduper or category != "system")


class NotificationsCollection:
    """``/notifications``: list, create (PUT), bulk actions."""

    def scope(self) -> Account | None:
        raise NotImplementedError

    def get(self, request: Request, **kwargs) -> Response:
        account = self.scope()
        superduper = self.principal.is_superduper
        systems = NotificationTemplate.objects.filter(account__isnull=True).order_by("template_id")
        entries = {
            row.template_id: list_entry(row, row.macros)
            for row in systems
            if _visible(row, superduper)
        }
        if account is not None:
            system_macros = {row.template_id: row for row in systems}
            for row in NotificationTemplate.objects.filter(account=account):
                if not _visible(row, superduper):
                    continue
                system = system_macros.get(row.template_id)
                entry = list_entry(row, system.macros if system else fallback_macros())
                if system is not None:
                    if "friendly_name" in system.document:
                        entry["friendly_name"] = system.document["friendly_name"]
                    entry["account_overridden"] = True
                else:
                    entry["account_defined"] = True
                entries[row.template_id] = entry
        response = Response([entries[key] for key in sorted(entries)])
        response.envelope = {"page_size": len(entries)}
        return response

    def put(self, request: Request, **kwargs) -> Response:
        account = self.scope()
        action = request_value(request, "action")
        if action is not None:
            if account is None:
                raise _top_level_action(action)
            if action != "force_system":
                raise _unknown_action(action)
            return Response(editing.force_system(account), status=201)
        data = payload(request)
        validate(NOTIFICATION_SCHEMA, data)
        if "id" not in data:
            raise required_error("id")
        if data["id"] in RESERVED_IDS:
            raise field_error("id", "forbidden", "This id is reserved", value=data["id"])
        row = editing.create(account, data["id"], storable(data))
        system = editing.system_template(row.template_id)
        macros = system.macros if system is not None and system.macros else fallback_macros()
        if account is None and not row.macros:
            row.macros = macros
            row.save(update_fields=["macros"])
        return Response(stored_data(row, macros), status=201)

    def delete(self, request: Request, **kwargs) -> Response:
        account = self.scope()
        action = request_value(request, "action")
        if action is None:
            raise required_error("action")
        if account is None:
            raise _top_level_action(action)
        if action != "remove_customizations":
            raise _unknown_action(action)
        return Response(editing.remove_customizations(account))


class NotificationDocument:
    """``/notifications/{id}``: read (JSON or a raw body), replace, upload, delete."""

    parser_classes = TEMPLATE_UPLOAD_PARSERS
    renderer_classes = [
        *AccountScopedView.renderer_classes,
        HTMLBodyRenderer,
        PlainBodyRenderer,
    ]
    content_negotiation_class = DeferredNotAcceptableNegotiation

    def scope(self) -> Account | None:
        raise NotImplementedError

    def get(self, request: Request, notification_id: str, **kwargs) -> Response:
        raw = isinstance(request.accepted_renderer, TemplateBodyRenderer)
        resolved = editing.resolved_or_404(self.scope(), notification_id, with_source=raw)
        if getattr(request, "unsatisfied_accept", False):
            raise _not_acceptable()
        if not raw:
            return Response(resolved_data(resolved))
        body = resolved.bodies.get(request.accepted_media_type.split(";")[0])
        if body is None:
            raise _not_acceptable()
        response = Response(body.source, content_type=f"{body.content_type}; charset=utf-8")
        extension = _EXTENSIONS[body.content_type]
        response["Content-Disposition"] = f'attachment; filename="{notification_id}.{extension}"'
        return response

    def post(self, request: Request, notification_id: str, **kwargs) -> Response:
        account = self.scope()
        if isinstance(request.data, RawTemplate):
            upload = request.data
            editing.upload_body(account, notification_id, upload.content_type, upload.source)
            return Response(resolved_data(editing.resolved_or_404(account, notification_id)))
        data = payload(request)
        validate(NOTIFICATION_SCHEMA, data)
        row = editing.replace(account, notification_id, storable(data))
        return Response(stored_data(row, editing.resolved_or_404(account, notification_id).macros))

    def delete(self, request: Request, notification_id: str, **kwargs) -> Response:
        account = self.scope()
        content_type = _body_content_type(request)
        if content_type is not None:
            editing.delete_body(account, notification_id, content_type)
            return Response({})
        row = editing.delete(account, notification_id)
        return Response({**row.document, "id": row.template_id, "_read_only": {"deleted": True}})


class SystemNotificationsView(NotificationsCollection, SystemView):
    def scope(self) -> None:
        return None


class AccountNotificationsView(NotificationsCollection, AccountScopedView):
    def scope(self) -> Account:
        return self.account


class SystemNotificationView(NotificationDocument, SystemView):
    def scope(self) -> None:
        return None


class AccountNotificationView(NotificationDocument, AccountScopedView):
    def scope(self) -> Account:
        return self.account


def _preview_wants_delivery(request: Request, data: dict) -> bool:
    flag = request.query_params.get("send", data.get("send", True))
    return str(flag).lower() not in ("false", "0", "no")


class NotificationPreview:
    """``POST /notifications/{id}/preview``: render with sample data; mail it unless send=false."""

    def scope_for_preview(self) -> Account:
        raise NotImplementedError

    def post(self, request: Request, notification_id: str, **kwargs) -> Response:
        data = payload(request)
        deliver = _preview_wants_delivery(request, data)
        if deliver:
            validate(PREVIEW_SCHEMA, data)
        else:
            validate({**PREVIEW_SCHEMA, "required": []}, data)
        rendered = services.preview(
            self.scope_for_preview(), notification_id, data, deliver=deliver
        )
        if deliver:
            return Response("Notification processing")
        return Response({"subject": rendered.subject, **rendered.bodies})


class SystemPreviewView(NotificationPreview, SystemView):
    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if not self.principal.is_superduper:
            raise forbidden()

    def scope_for_preview(self) -> Account:
        return self.principal.account


class AccountPreviewView(NotificationPreview, AccountScopedView):
    def scope_for_preview(self) -> Account:
        return self.account


class SendView(AccountScopedView):
    """``POST /v2/accounts/{A}/notifications/{id}/send`` (extension): queue one delivery."""

    def post(self, request: Request, account_id: str, notification_id: str) -> Response:
        data = payload(request)
        validate(SEND_SCHEMA, data)
        outcome = services.send(
            self.account,
            notification_id,
            macros=data.get("macros"),
            addresses={name: data[name] for name in ("to", "cc", "bcc") if name in data},
            reply_to=data.get("reply_to"),
            idempotency_key=data.get("idempotency_key"),
        )
        status = 200 if outcome.status == "disabled" else 202
        return Response(outcome.as_data(), status=status)


class CustomerUpdateMessage:
    """``POST .../notifications/customer_update/message``: broadcast to customer accounts."""

    def sender(self) -> Account:
        raise NotImplementedError

    def post(self, request: Request, **kwargs) -> Response:
        data = payload(request)
        validate(CUSTOMER_UPDATE_SCHEMA, data)
        return Response(broadcast_data(broadcasts.start(self.sender(), data)))


class AccountCustomerUpdateView(CustomerUpdateMessage, AccountScopedView):
    def sender(self) -> Account:
        return self.account


class SystemCustomerUpdateView(CustomerUpdateMessage, SystemView):
    """The system path: superduper only, the sender is the caller's (master) account."""

    def sender(self) -> Account:
        return self.principal.account


class BroadcastView(AccountScopedView):
    """``GET .../customer_update/message/{id}`` (extension): a broadcast and its progress."""

    def get(self, request: Request, account_id: str, broadcast_id: str) -> Response:
        broadcast = Broadcast.objects.filter(account=self.account, pk=broadcast_id).first()
        if broadcast is None:
            raise bad_identifier(broadcast_id)
        return Response(
            {
                **broadcast_data(broadcast),
                "created": to_gregorian(broadcast.created),
                "fanout_complete": broadcast.finished is not None,
                "status": broadcasts.status_counts(broadcast),
            }
        )
