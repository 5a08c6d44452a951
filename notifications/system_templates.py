"""The shipped catalogue of system templates (``notifications/catalogue/``).

Each template is a directory holding ``meta.json`` (metadata, its own macros, the shared
macro groups it uses, sample data) and ``body.html`` / ``body.txt`` (Mustache bodies).
``macro_groups.json`` holds the shared macro groups and their sample data.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction

from notifications.models import (
    HTML,
    PLAIN,
    NotificationTemplate,
    RemovedSystemTemplate,
    TemplateBody,
)

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
FALLBACK_MACROS_ID = "customer_update"  # Kazoo copies these macros to unknown ids
_BODY_FILES = {HTML: "body.html", PLAIN: "body.txt"}


@dataclass(frozen=True)
class ShippedTemplate:
    id: str
    document: dict
    macros: dict
    bodies: dict[str, str]
    sample: dict


def deep_merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@cache
def _groups() -> dict:
    return json.loads((CATALOGUE_DIR / "macro_groups.json").read_text())


def _read(directory: Path) -> ShippedTemplate:
    meta = json.loads((directory / "meta.json").read_text())
    groups = _groups()
    macros = dict(meta.get("macros", {}))
    sample: dict = {}
    for group in meta.get("macro_groups", []):
        for key, value in groups[group].items():
            macros.setdefault(key, value)  # the first definition wins, as in Kazoo
        sample = deep_merge(sample, groups["samples"].get(group, {}))
    document = {
        key: meta[key]
        for key in (
            "friendly_name",
            "category",
            "subject",
            "to",
            "cc",
            "bcc",
            "opt_out_allowed",
        )
        if key in meta
    }
    bodies = {
        content_type: (directory / name).read_text()
        for content_type, name in _BODY_FILES.items()
        if (directory / name).exists()
    }
    return ShippedTemplate(
        id=meta["id"],
        document=document,
        macros=macros,
        bodies=bodies,
        sample=deep_merge(sample, meta.get("sample", {})),
    )


@cache
def shipped_templates() -> dict[str, ShippedTemplate]:
    directories = sorted(p for p in CATALOGUE_DIR.iterdir() if (p / "meta.json").exists())
    return {t.id: t for t in map(_read, directories)}


def sample_data(template_id: str) -> dict:
    """Sample values for every macro of ``template_id`` (customer_update's for unknown ids)."""
    shipped = shipped_templates()
    template = shipped.get(template_id) or shipped[FALLBACK_MACROS_ID]
    return template.sample


def fallback_macros() -> dict:
    return shipped_templates()[FALLBACK_MACROS_ID].macros


def _system_document(shipped: ShippedTemplate) -> dict:
    return {"from": settings.DEFAULT_NOTIFICATION_FROM, **shipped.document}


def _install(shipped: ShippedTemplate, row: NotificationTemplate | None, using: str) -> None:
    if row is None:
        row = NotificationTemplate(template_id=shipped.id)
    row.document = _system_document(shipped)
    row.macros = shipped.macros
    row.customized = False
    row.save(using=using)
    TemplateBody.objects.using(using).filter(template=row).delete()
    TemplateBody.objects.using(using).bulk_create(
        TemplateBody(template=row, content_type=ct, source=src, length=len(src.encode()))
        for ct, src in shipped.bodies.items()
    )


def sync_system_templates(using: str = "default") -> int:
    """Install shipped templates that are missing or untouched; never overwrite API edits.

    Returns the number of templates (re)installed.
    """
    removed = set(RemovedSystemTemplate.objects.using(using).values_list("template_id", flat=True))
    existing = {
        row.template_id: row
        for row in NotificationTemplate.objects.using(using).filter(account__isnull=True)
    }
    count = 0
    with transaction.atomic(using=using):
        for shipped in shipped_templates().values():
            row = existing.get(shipped.id)
            if shipped.id in removed or (row is not None and row.customized):
                continue
            if row is not None and _is_current(row, shipped, using):
                continue
            _install(shipped, row, using)
            count += 1
    return count


def _is_current(row: NotificationTemplate, shipped: ShippedTemplate, using: str) -> bool:
    bodies = dict(
        TemplateBody.objects.using(using).filter(template=row).values_list("content_type", "source")
    )
    return (
        row.document == _system_document(shipped)
        and row.macros == shipped.macros
        and bodies == shipped.bodies
    )


def restore_system_templates(ids: list[str] | None = None) -> list[str]:
    """Reinstall shipped templates (all, or ``ids``), discarding API edits and deletions."""
    shipped = shipped_templates()
    unknown = sorted(set(ids or []) - set(shipped))
    if unknown:
        raise KeyError(", ".join(unknown))
    chosen = ids or sorted(shipped)
    with transaction.atomic():
        RemovedSystemTemplate.objects.filter(template_id__in=chosen).delete()
        rows = NotificationTemplate.objects.filter(account__isnull=True, template_id__in=chosen)
        existing = {row.template_id: row for row in rows}
        for template_id in chosen:
            _install(shipped[template_id], existing.get(template_id), "default")
    return chosen
