"""Which template an account actually uses (SPEC §4.2).

For account A and id X: A's override, else the nearest ancestor's override up to and
including A's reseller, else the system default. Each body type resolves on its own, so
an override holding only ``text/plain`` still inherits ``text/html`` from above.

Everything is fetched in a fixed number of queries whatever the depth of the tree.
"""

import functools
import json
from dataclasses import dataclass, field

from django.db import connection

from accounts.models import Account
from accounts.tenancy import reseller_chain
from config.rawrows import converter_for, quoted
from notifications.models import BODY_TYPES, EMAIL_BODY_TYPES, NotificationTemplate, TemplateBody
from notifications.system_templates import fallback_macros


@dataclass(frozen=True)
class TemplateRow:
    """The part of a stored template that resolution needs."""

    pk: int
    account_id: str | None
    document: dict
    macros: dict

    @property
    def is_system(self) -> bool:
        return self.account_id is None


@dataclass(frozen=True)
class BodyRow:
    content_type: str
    length: int
    account_id: str | None  # the account whose template holds this body (None: system)
    source: str | None = None


@dataclass
class Resolved:
    """The effective template of ``template_id`` for an account (or the system)."""

    template_id: str
    row: TemplateRow  # where the metadata comes from
    system: TemplateRow | None
    bodies: dict[str, BodyRow] = field(default_factory=dict)  # content type → body

    @property
    def from_account(self) -> bool:
        return not self.row.is_system

    @property
    def flags(self) -> dict:
        if not self.from_account:
            return {}
        if self.system is not None:
            return {"account_overridden": True}
        return {"account_defined": True}

    @property
    def macros(self) -> dict:
        return self.system.macros if self.system is not None else fallback_macros()

    @property
    def lengths(self) -> dict:
        return {ct: {"length": body.length} for ct, body in sorted(self.bodies.items())}

    @property
    def template_account_id(self) -> str | None:
        """The account whose html/plain bodies are used; None when they are the system's."""
        for content_type in EMAIL_BODY_TYPES:
            body = self.bodies.get(content_type)
            if body is not None and body.account_id:
                return body.account_id
        return None


_TEMPLATE_FIELDS = [
    NotificationTemplate._meta.get_field(name) for name in ("id", "account", "document", "macros")
]
_BODY_FIELDS = [TemplateBody._meta.get_field(name) for name in ("content_type", "length")]
_SOURCE = TemplateBody._meta.get_field("source")


@functools.cache
def _candidates_sql(vendor: str, owners: int, with_source: bool) -> str:
    """Every template of one id owned by the system or one of ``owners`` accounts, with bodies.

    Hand-written: the editors' read path runs it on every GET, and compiling the equivalent
    queryset cost more than running it.
    """
    q = connection.ops.quote_name
    bodies = [*_BODY_FIELDS, _SOURCE] if with_source else _BODY_FIELDS
    owned = f" OR t.{q('account_id')} IN ({', '.join(['%s'] * owners)})" if owners else ""
    return (
        f"SELECT {quoted('t', _TEMPLATE_FIELDS)}, {quoted('b', bodies)} "
        f"FROM {q(NotificationTemplate._meta.db_table)} t "
        f"LEFT OUTER JOIN {q(TemplateBody._meta.db_table)} b ON b.{q('template_id')} = t.{q('id')} "
        f"WHERE t.{q('template_id')} = %s AND (t.{q('account_id')} IS NULL{owned})"
    )


@functools.lru_cache(maxsize=512)
def _macros_from_text(text: str) -> dict:
    """The macro catalogue, decoded once per distinct stored text.

    Keyed by the stored JSON itself, so an edit is a new key and is seen at once; the
    decoded catalogue is shared and never mutated (like ``fallback_macros()``).
    """
    return json.loads(text)


def _decode_macros(value: object, convert) -> dict:
    if isinstance(value, str):
        return _macros_from_text(value)
    return convert(value) if convert else value


def _candidates(template_id: str, owner_ids: list[str], with_source: bool) -> list[tuple]:
    document, macros = (converter_for(f, "t") for f in _TEMPLATE_FIELDS[2:])
    sql = _candidates_sql(connection.vendor, len(owner_ids), with_source)
    with connection.cursor() as cursor:
        cursor.execute(sql, [template_id, *owner_ids])
        rows = cursor.fetchall()
    return [
        (pk, owner, document(doc) if document else doc, _decode_macros(mac, macros), *rest)
        for pk, owner, doc, mac, *rest in rows
    ]


def resolve(
    account: Account | None, template_id: str, *, with_source: bool = False
) -> Resolved | None:
    """The effective template for ``account`` (None: the system path), or None if none.

    One query: every template of that id along the chain, joined to its bodies.
    """
    chain = reseller_chain(account) if account is not None else []
    joined = _candidates(template_id, [a.id for a in chain], with_source)
    rank = {a.id: index for index, a in enumerate(chain)}
    rows: dict[int, TemplateRow] = {}
    bodies: dict[int, dict[str, BodyRow]] = {}
    for pk, owner, document, macros, content_type, length, *source in joined:
        rows.setdefault(pk, TemplateRow(pk, owner, document, macros))
        if content_type is not None:
            body = BodyRow(content_type, length, owner, source[0] if source else None)
            bodies.setdefault(pk, {})[content_type] = body
    if not rows:
        return None
    ordered = sorted(rows.values(), key=lambda row: rank.get(row.account_id, len(chain)))
    system = next((row for row in ordered if row.is_system), None)
    resolved = Resolved(template_id=template_id, row=ordered[0], system=system)
    for content_type in BODY_TYPES:
        for row in ordered:
            body = bodies.get(row.pk, {}).get(content_type)
            if body is not None:
                resolved.bodies[content_type] = body
                break
    return resolved


def own_override(account: Account, template_id: str) -> NotificationTemplate | None:
    return NotificationTemplate.objects.filter(account=account, template_id=template_id).first()
