"""Kazoo's notifications endpoints, on the system path and on account paths.

Each endpoint is one class holding the behaviour, bound twice: to ``/v2/notifications``
(``account`` None, superduper writes) and to ``/v2/accounts/{A}/notifications``.
"""

from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account
from accounts.permissions import AccountScopedView, SystemView
from config.envelope import EnvelopeJSONRenderer
from config.errors import (
    KazooError,
    ValidationFailed,
    field_error,
    required_error,
)
from config.openapi import EMPTY_OBJECT, any_of, array_of, kazoo_operation, query
from config.pagination import page_size
from config.parsers import RawTemplate
from config.requests import payload, request_value
from config.validation import validate
from notifications import editing
from notifications.api.parsers import NOTIFICATION_UPLOAD_PARSERS
from notifications.api.renderers import (
    DeferredNotAcceptableNegotiation,
    HTMLBodyRenderer,
    PlainBodyRenderer,
    SmsBodyRenderer,
    TemplateBodyRenderer,
)
from notifications.api.serializers import (
    BULK_RESPONSE,
    DELETED_NOTIFICATION_RESPONSE,
    FORCE_SYSTEM_SCHEMA,
    NOTIFICATION_CREATE_SCHEMA,
    NOTIFICATION_RESPONSE,
    NOTIFICATION_SCHEMA,
    NOTIFICATION_SUMMARY_RESPONSE,
    REMOVE_CUSTOMIZATIONS_SCHEMA,
    RESERVED_IDS,
    list_entry,
    resolved_data,
    storable,
    stored_data,
)
from notifications.channels import clean_template_fields
from notifications.models import BODY_TYPES, NotificationTemplate
from notifications.system_templates import fallback_macros

_EXTENSIONS = {"text/html": "html", "text/plain": "txt", "text/x-sms": "sms"}


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


# Kazoo's req_value: ``action`` and ``accept`` may come in the query string too.
_ACTION = query("action", str, "bulk action; also accepted as data.action")
_ACCEPT = query(
    "accept",
    str,
    "text/html, text/plain or text/x-sms: the raw body instead of JSON (overrides Accept)",
    enum=["application/json", "text/html", "text/plain", "text/x-sms"],
)


def _visible(row: NotificationTemplate, superduper: bool) -> bool:
    category = row.document.get("category")
    return category != "skel" and (superduper or category != "system")


class NotificationsCollection:
    """``/notifications``: list, create (PUT), bulk actions."""

    def scope(self) -> Account | None:
        raise NotImplementedError

    @kazoo_operation(
        "List notifications",
        description=(
            "The system templates (`system` category for superduper only), and on an "
            "account path its own overrides and custom notifications, flagged."
        ),
        response=array_of(NOTIFICATION_SUMMARY_RESPONSE),
    )
    def get(self, request: Request, **kwargs) -> Response:
        page_size(request, default=0)  # not paged (a merge, as in Kazoo) but validated alike
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

    @kazoo_operation(
        "Create a notification, or force the system templates",
        description=(
            "Creates a template (`id` required; on an account path only ids that have a "
            "system default). With `action: force_system` (account paths) replaces every "
            "override of the account with a copy of the system template instead."
        ),
        request=any_of(NOTIFICATION_CREATE_SCHEMA, FORCE_SYSTEM_SCHEMA),
        response=any_of(NOTIFICATION_RESPONSE, BULK_RESPONSE),
        status=201,
        parameters=[_ACTION],
        errors=[409],
    )
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
        document = clean_template_fields(account, storable(data))
        row = editing.create(account, data["id"], document)
        system = editing.system_template(row.template_id)
        macros = system.macros if system is not None and system.macros else fallback_macros()
        if account is None and not row.macros:
            row.macros = macros
            row.save(update_fields=["macros"])
        return Response(stored_data(row, macros), status=201)

    @kazoo_operation(
        "Remove an account's customizations",
        description="Needs `action: remove_customizations` (account paths only).",
        request=REMOVE_CUSTOMIZATIONS_SCHEMA,
        response=BULK_RESPONSE,
        parameters=[_ACTION],
    )
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

    parser_classes = NOTIFICATION_UPLOAD_PARSERS
    renderer_classes = [
        *AccountScopedView.renderer_classes,
        HTMLBodyRenderer,
        PlainBodyRenderer,
        SmsBodyRenderer,
    ]
    content_negotiation_class = DeferredNotAcceptableNegotiation

    def scope(self) -> Account | None:
        raise NotImplementedError

    def finalize_response(self, request: Request, response, *args, **kwargs):
        if isinstance(getattr(request, "accepted_renderer", None), TemplateBodyRenderer) and (
            not isinstance(response.data, str)
        ):
            # A raw body was negotiated (Accept, ?accept=, ?format=) but this answer is an
            # envelope (any POST or DELETE): the raw renderer would send it as an empty body.
            request.accepted_renderer = EnvelopeJSONRenderer()
            request.accepted_media_type = EnvelopeJSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @kazoo_operation(
        "Read a notification, or one of its bodies",
        description=(
            "The effective template (account, then ancestors up to the reseller, then the "
            "system). `Accept: text/html|text/plain|text/x-sms` (or `?accept=`) answers "
            "that raw body instead; 406 if the template has none of that type."
        ),
        response=NOTIFICATION_RESPONSE,
        raw_response=True,
        parameters=[_ACCEPT],
    )
    def get(self, request: Request, notification_id: str, **kwargs) -> Response:
        raw = isinstance(request.accepted_renderer, TemplateBodyRenderer)
        resolved = editing.resolved_or_404(
            self.scope(),
            notification_id,
            with_source=raw,
            superduper=self.principal.is_superduper,
        )
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

    @kazoo_operation(
        "Replace a notification, or upload a body",
        description=(
            "JSON replaces the public fields (creating the account's override if needed). "
            "A `text/html`, `text/plain` or `text/x-sms` body is stored as that template body "
            "instead (html is sanitized; invalid Mustache is a 400; an SMS source has at "
            "most `SMS_MAX_LENGTH` characters)."
        ),
        request=NOTIFICATION_SCHEMA,
        response=NOTIFICATION_RESPONSE,
        raw_request=True,
    )
    def post(self, request: Request, notification_id: str, **kwargs) -> Response:
        account = self.scope()
        if isinstance(request.data, RawTemplate):
            upload = request.data
            editing.upload_body(account, notification_id, upload.content_type, upload.source)
            return Response(resolved_data(editing.resolved_or_404(account, notification_id)))
        data = payload(request)
        validate(NOTIFICATION_SCHEMA, data)
        document = clean_template_fields(account, storable(data))
        editing.replace(account, notification_id, document)
        # Answer like GET-one (``templates``, ``account_overridden``), as uploads do.
        return Response(resolved_data(editing.resolved_or_404(account, notification_id)))

    @kazoo_operation(
        "Delete a notification, or one of its bodies",
        description=(
            "Deletes the account's own override (or the system template). With "
            "`Content-Type: text/html|text/plain|text/x-sms` deletes only that body "
            "(`data` is `{}`)."
        ),
        response=any_of(DELETED_NOTIFICATION_RESPONSE, EMPTY_OBJECT),
        raw_request=True,
    )
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
