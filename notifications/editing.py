"""Creating, replacing and deleting templates and their bodies (the write side of the API).

Every function takes an account (None = the system defaults) and validated input; the views
only translate HTTP to these calls.
"""

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import Account
from config.errors import KazooError, bad_identifier, field_error
from notifications import rendering, sanitizing, sms
from notifications.models import (
    HTML,
    SMS,
    NotificationTemplate,
    RemovedSystemTemplate,
    TemplateBody,
)
from notifications.resolution import Resolved, own_override, resolve


def conflict() -> KazooError:
    return KazooError(409, "datastore_conflict", {"message": "conflicting documents"})


def missing(template_id: str) -> KazooError:
    return bad_identifier(f"notification.{template_id}")


def system_template(template_id: str) -> NotificationTemplate | None:
    return NotificationTemplate.objects.filter(
        account__isnull=True, template_id=template_id
    ).first()


def create(account: Account | None, template_id: str, document: dict) -> NotificationTemplate:
    """PUT: a new override in ``account`` (or a new system template when account is None)."""
    check_subject(document)
    if account is not None and system_template(template_id) is None:
        raise missing(template_id)  # the seed: PUT of an id without a system default fails
    row = NotificationTemplate(account=account, template_id=template_id, document=document)
    row.customized = account is None
    try:
        with transaction.atomic():
            row.save()
            if account is None:
                RemovedSystemTemplate.objects.filter(template_id=template_id).delete()
    except IntegrityError:
        raise conflict() from None
    return row


def replace(account: Account | None, template_id: str, document: dict) -> NotificationTemplate:
    """POST JSON: replace the public fields; creates the override in ``account`` if needed."""
    check_subject(document)
    if resolve(account, template_id) is None:
        raise missing(template_id)
    row = own_override(account, template_id) if account else system_template(template_id)
    if row is None:
        row = NotificationTemplate(account=account, template_id=template_id)
    row.document = document
    row.customized = row.customized or account is None
    row.save()
    return row


def clean_body(content_type: str, source: str, field: str | None = None) -> str:
    """Reject oversized bodies (413), unsupported tags and invalid Mustache (400 naming
    the tag or with the parser's message); sanitize html bodies.

    The size is checked before anything parses the body, so no upload can keep a worker
    sanitizing for long.  The sanitized result is validated again: removing markup (a
    comment holding a section tag, say) could unbalance a template that was valid as sent.
    """
    field = field or content_type
    _check_size(field, source)
    if content_type == SMS:
        sms.check_source_length(source, field)
    check_template(field, source)
    if content_type != HTML:
        return source
    seconds = settings.TEMPLATE_SANITIZE_SECONDS
    try:
        cleaned = sanitizing.sanitize_html(source, seconds=seconds)
    except sanitizing.SanitizingTooSlow:
        message = f"Sanitizing this body took longer than {seconds:g} s: simplify or split it"
        raise KazooError(
            413, "validation error", {field: {"too_complex": {"message": message}}}
        ) from None
    check_template(field, cleaned)
    return cleaned


def check_template(field: str, source: str) -> None:
    """400 unless ``source`` uses only the supported Mustache forms and compiles."""
    try:
        rendering.validate(source)
    except rendering.UnsupportedTag as exc:
        raise field_error(field, "invalid_template", str(exc), cause=exc.tag) from None
    except rendering.TemplateSyntaxError as exc:
        raise field_error(field, "invalid_template", f"Failed to compile template: {exc}") from None


def check_subject(document: dict, field: str = "subject") -> None:
    """Subjects are templates too: the same grammar as the bodies."""
    if isinstance(document.get("subject"), str):
        check_template(field, document["subject"])


def _check_size(field: str, source: str) -> None:
    limit = settings.TEMPLATE_MAX_BYTES
    if len(source) > limit or len(source.encode()) > limit:
        raise KazooError(
            413,
            "validation error",
            {
                field: {
                    "maxLength": {
                        "message": f"A template body may hold at most {limit} bytes",
                        "target": limit,
                    }
                }
            },
        )


def upload_body(account: Account | None, template_id: str, content_type: str, source: str) -> None:
    """POST text/html|text/plain|text/x-sms: store that body in ``account``'s own template.

    An account without its own override gets one holding the *effective* metadata, so an
    upload never changes who the mail is from or to (Kazoo put it in the reseller: §6.11).
    """
    source = clean_body(content_type, source)
    resolved = resolve(account, template_id)
    if resolved is None:
        raise missing(template_id)
    with transaction.atomic():
        if account is None:
            template_pk = resolved.row.pk
            NotificationTemplate.objects.filter(pk=template_pk).update(customized=True)
        else:
            row, _ = NotificationTemplate.objects.get_or_create(
                account=account,
                template_id=template_id,
                defaults={"document": dict(resolved.row.document)},
            )
            template_pk = row.pk
        TemplateBody.objects.update_or_create(
            template_id=template_pk,
            content_type=content_type,
            defaults={"source": source, "length": len(source.encode())},
        )


def delete(account: Account | None, template_id: str) -> NotificationTemplate:
    """DELETE: remove ``account``'s own override (or the system template) and its bodies."""
    row = own_override(account, template_id) if account else system_template(template_id)
    if row is None:
        raise missing(template_id)
    with transaction.atomic():
        row.delete()
        if account is None:
            RemovedSystemTemplate.objects.get_or_create(template_id=template_id)
    return row


def delete_body(account: Account | None, template_id: str, content_type: str) -> None:
    row = own_override(account, template_id) if account else system_template(template_id)
    deleted = 0
    if row is not None:
        deleted, _ = TemplateBody.objects.filter(template=row, content_type=content_type).delete()
        if account is None:
            NotificationTemplate.objects.filter(pk=row.pk).update(customized=True)
    if not deleted:
        raise KazooError(
            404, "bad_identifier", {"cause": content_type, "message": "bad identifier"}
        )


def force_system(account: Account) -> dict:
    """Replace every override of ``account`` with a copy of the system template."""
    systems = list(
        NotificationTemplate.objects.filter(account__isnull=True).prefetch_related("bodies")
    )
    if not systems:
        return {"message": "no system template found"}
    with transaction.atomic():
        NotificationTemplate.objects.filter(account=account).delete()
        for system in systems:
            copy = NotificationTemplate.objects.create(
                account=account, template_id=system.template_id, document=dict(system.document)
            )
            TemplateBody.objects.bulk_create(
                TemplateBody(
                    template=copy, content_type=b.content_type, source=b.source, length=b.length
                )
                for b in system.bodies.all()
            )
    return {system.template_id: "replaced" for system in systems}


def remove_customizations(account: Account) -> dict:
    ids = list(
        NotificationTemplate.objects.filter(account=account).values_list("template_id", flat=True)
    )
    if not ids:
        return {"message": "no template customization(s) found"}
    NotificationTemplate.objects.filter(account=account).delete()
    return {template_id: "deleted" for template_id in sorted(ids)}


def resolved_or_404(
    account: Account | None, template_id: str, *, superduper: bool = True, **kwargs
) -> Resolved:
    """The effective template, or 404.  ``system``-category templates (internal alerts)
    exist only for superduper callers: anyone else gets the 404 of an unknown id, so
    their existence is not disclosed either (SPEC §3)."""
    resolved = resolve(account, template_id, **kwargs)
    if resolved is None or not (superduper or is_public(resolved.row)):
        raise missing(template_id)
    return resolved


def is_public(row: NotificationTemplate) -> bool:
    return row.document.get("category") != "system"
