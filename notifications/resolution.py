"""Which template an account actually uses (SPEC §4.2).

For account A and id X: A's override, else the nearest ancestor's override up to and
including A's reseller, else the system default. Each body type resolves on its own, so
an override holding only ``text/plain`` still inherits ``text/html`` from above.

Everything is fetched in a fixed number of queries whatever the depth of the tree.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from accounts.models import Account
from accounts.tenancy import reseller_chain
from notifications.models import BODY_TYPES, EMAIL_BODY_TYPES, NotificationTemplate
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


_COLUMNS = ("pk", "account_id", "document", "macros", "bodies__content_type", "bodies__length")


def resolve(
    account: Account | None, template_id: str, *, with_source: bool = False
) -> Resolved | None:
    """The effective template for ``account`` (None: the system path), or None if none.

    One query: every template of that id along the chain, joined to its bodies.
    """
    chain = reseller_chain(account) if account is not None else []
    owners = Q(account__isnull=True)
    if chain:
        owners |= Q(account_id__in=[a.id for a in chain])
    columns = (*_COLUMNS, "bodies__source") if with_source else _COLUMNS
    joined = NotificationTemplate.objects.filter(owners, template_id=template_id).values_list(
        *columns
    )
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
