"""The delivery log as its own admin view: every channel's rows of the one outbox table.

``Delivery`` is a proxy of :class:`smtplog.models.SmtpLog` (no table of its own), so the
admin can show all channels beside the email-only SMTP log admin.
"""

from smtplog.models import SmtpLog


class Delivery(SmtpLog):
    class Meta:
        proxy = True
        verbose_name = "delivery"
        verbose_name_plural = "deliveries"
        ordering = ["-created", "-id"]
