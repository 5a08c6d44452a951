"""The shipped catalogue, how migrate loads it, and the management commands around it."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications import rendering
from notifications.models import NotificationTemplate
from notifications.system_templates import shipped_templates, sync_system_templates

pytestmark = pytest.mark.django_db

# id → number of macros, from the Kazoo reference §4.
MACRO_COUNTS = {
    "account_zone_change": 13, "bill_reminder": 36, "cnam_request": 22, "customer_update": 17,
    "denied_emergency_bridge": 17, "deregister": 28, "emergency_bridge": 30,
    "fax_inbound_error_to_email": 51, "fax_inbound_to_email": 48, "first_occurrence": 18,
    "low_balance": 14, "missed_call": 31, "new_account": 16, "new_user": 18,
    "port_request": 43, "port_comment": 48, "service_added": 39, "system_alert": 18,
    "topup": 42, "transaction": 45, "voicemail_full": 22, "voicemail_to_email": 37,
    "webhook_disabled": 17, "fax_outbound_smtp_error_to_email": 0,
}  # fmt: skip


def test_migrate_installs_all_38_system_templates_with_both_bodies():
    rows = NotificationTemplate.objects.filter(account__isnull=True).prefetch_related("bodies")
    assert rows.count() == 38
    assert not rows.filter(template_id="skel").exists()
    for row in rows:
        assert {b.content_type for b in row.bodies.all()} == {"text/html", "text/plain"}, row


@pytest.mark.parametrize(("template_id", "count"), sorted(MACRO_COUNTS.items()))
def test_macro_catalogues_match_kazoo(template_id, count):
    assert len(shipped_templates()[template_id].macros) == count


@pytest.mark.parametrize("template_id", sorted(shipped_templates()))
def test_every_shipped_template_renders_its_sample_data(template_id):
    shipped = shipped_templates()[template_id]
    html = rendering.render_html(shipped.bodies["text/html"], shipped.sample)
    text = rendering.render_text(shipped.bodies["text/plain"], shipped.sample)
    subject = rendering.render_subject(shipped.document["subject"], shipped.sample)
    assert "{{" not in html + text + subject
    assert len(text.split()) > 15 and subject


def test_migrate_never_overwrites_a_template_edited_through_the_api(world):
    body = {"data": {"from": "ops@example.com", "subject": "Edited", "to": {"type": "admins"}}}
    world.api("master_admin").post("/v2/notifications/low_balance", body)
    world.api("master_admin").delete("/v2/notifications/deregister")
    sync_system_templates()
    edited = NotificationTemplate.objects.get(account__isnull=True, template_id="low_balance")
    assert edited.document["subject"] == "Edited"
    assert not NotificationTemplate.objects.filter(template_id="deregister").exists()


def test_restore_system_templates_brings_back_the_shipped_version(world):
    body = {"data": {"from": "ops@example.com", "subject": "Edited", "to": {"type": "admins"}}}
    world.api("master_admin").post("/v2/notifications/low_balance", body)
    world.api("master_admin").delete("/v2/notifications/deregister")
    call_command("restore_system_templates", "low_balance", "deregister", stdout=StringIO())
    restored = NotificationTemplate.objects.get(account__isnull=True, template_id="low_balance")
    assert restored.document["subject"] == "Account '{{account.name}}' is running out of credit"
    assert NotificationTemplate.objects.filter(template_id="deregister").exists()
    sync_system_templates()
    assert NotificationTemplate.objects.filter(template_id="deregister").count() == 1


def test_restore_unknown_id_fails_clearly():
    with pytest.raises(CommandError, match="no_such"):
        call_command("restore_system_templates", "no_such", stdout=StringIO())


def test_create_master_account_prints_ids_and_a_working_key(anon):
    out = StringIO()
    call_command(
        "create_master_account",
        name="Root",
        realm="root.example",
        username="admin",
        password="pw",
        stdout=out,
    )
    created = json.loads(out.getvalue())
    assert set(created) == {"account_id", "user_id", "api_key"}
    login = anon.put("/v2/api_auth", {"data": {"api_key": created["api_key"]}})
    assert login.status_code == 201
    assert login.json()["data"]["is_master_account"] is True


def test_create_master_account_refuses_a_second_master():
    args = {"name": "Root", "realm": "root.example", "username": "a", "password": "p"}
    call_command("create_master_account", **args, stdout=StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_master_account", **{**args, "name": "Other"}, stdout=StringIO())
