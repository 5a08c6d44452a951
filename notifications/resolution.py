"""Which template an account actually uses (SPEC §4.2).

For account A and id X: A's override, else the nearest ancestor's override up to and
including A's reseller, else the system default. Each body type resolves on its own, so
an override holding only ``text/plain`` still inherits ``text/html`` from above.

Everything is fetched in a fixed number of queries whatever the depth of the tree.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from accounts.models import Account
from accounts.tenancy import reseller_chain
from notifications.models import BODY_TYPES, NotificationTemplate, TemplateBody
from notifications.system_templates import fallback_macros


@dataclass
class Resolved:
    """The effective template of ``template_id`` for an account (or the system)."""

    template_id: str
    row: NotificationTemplate  # where the metadata comes from
    system: NotificationTemplate | None
    bodies: dict[str, TemplateBody] = field(default_factory=dict)  # content type → body row

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
        for content_type in BODY_TYPES:
            body = self.bodies.get(content_type)
            if body is not None and body.template.account_id:
                return body.template.account_id
        return None


def _bodies_prefetch(with_source: bool) -> Prefetch:
    queryset = TemplateBody.objects.all()
    if not with_source:
        queryset = queryset.defer("source")
    return Prefetch("bodies", queryset=queryset)


def resolve(
    account: Account | None, template_id: str, *, with_source: bool = False
) -> Resolved | None:
    """The effective template for ``account`` (None: the system path), or None if none."""
    chain = reseller_chain(account) if account is not None else []
    owners = Q(account__isnull=True)
    if chain:
        owners |= Q(account_id__in=[a.id for a in chain])
    rows = list(
        NotificationTemplate.objects.filter(owners, template_id=template_id).prefetch_related(
            _bodies_prefetch(with_source)
        )
    )
    rank = {a.id: index for index, a in enumerate(chain)}
    rows.sort(key=lambda row: rank.get(row.account_id, len(chain)))
    if not rows:
        return None
    system = next((row for row in rows if row.is_system), None)
    resolved = Resolved(template_id=template_id, row=rows[0], system=system)
    for content_type in BODY_TYPES:
        for row in rows:
            body = next((b for b in row.bodies.all() if b.content_type == content_type), None)
            if body is not None:
                body.template = row
                resolved.bodies[content_type] = body
                break
    return resolved


def own_override(account: Account, template_id: str) -> NotificationTemplate | None:
    return NotificationTemplate.objects.filter(account=account, template_id=template_id).first()
