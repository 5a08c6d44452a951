"""The delivery log API (SPEC-channels §8): every channel's rows, filters, detail, retry,
and the tenancy rule. Rows are made as the send path makes them (``new_channel_row`` +
``queue_rows``) or through the gateway test route; delivery runs for real through the
``fake`` vendor, or the ``webhook`` vendor against the local fake provider."""

from datetime import timedelta

import pytest
from django.utils.timezone import now

from config.ids import to_gregorian
from gateways.fakeprovider import FakeProvider
from smtplog.models import Failure, SmtpLog, Status
from tests.deliveries_helpers import deliveries_path, email_row, sms_row
from tests.gateways_helpers import FAKE_SMS, create, gateways_path, webhook_gateway

pytestmark = pytest.mark.django_db

PHONE = "+14155552671"
ENTRY_KEYS = {
    "id", "channel", "gateway_id", "template_id", "to", "status", "held", "priority",
    "attempts", "provider_message_id", "error", "failure", "created", "created_at",
    "sent_at", "delivered_at",
}  # fmt: skip


@pytest.fixture
def fake(world) -> dict:
    return create(world.api("R_admin"), world.id("R"), {**FAKE_SMS, "from": "+14155550100"})


@pytest.fixture
def provider():
    with FakeProvider() as fake_provider:
        yield fake_provider


def listed(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [entry["id"] for entry in response.json()["data"]]


def list_ids(world, principal="R_admin", account="R", query="") -> list[str]:
    return listed(world.api(principal).get(deliveries_path(world.id(account)) + query))


def error_of(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["data"]


def queue_test_delivery(world, gateway_id, text, account="R", principal="R_admin"):
    """Queue one delivery through the test route and let it run; its id."""
    path = f"{gateways_path(world.id(account))}/{gateway_id}/test"
    response = world.api(principal).post(path, {"data": {"to": PHONE, "text": text}})
    assert response.status_code == 202, response.content
    return response.json()["data"]["delivery_id"]


def sent_through(world, gateway_id, text, capture, account="R"):
    with capture(execute=True):
        return queue_test_delivery(world, gateway_id, text, account)


# --- the list ------------------------------------------------------------------------------


def test_list_shows_every_channel_newest_first(world, fake):
    r = world.accounts["R"]
    mail = email_row(r, created=now() - timedelta(minutes=3))
    sms = sms_row(r, fake["id"], created=now() - timedelta(minutes=2))
    custom = sms_row(r, channel="jabber", to="bob@jabber.example", created=now() - timedelta(1))
    assert list_ids(world) == [sms.id, mail.id, custom.id]


def test_list_entry_has_the_documented_fields(world, fake):
    row = sms_row(world.accounts["R"], fake["id"], priority=7)
    [entry] = world.api("R_admin").get(deliveries_path(world.id("R"))).json()["data"]
    assert set(entry) == ENTRY_KEYS
    assert entry["id"] == row.id and entry["channel"] == "sms"
    assert entry["gateway_id"] == fake["id"] and entry["to"] == "+15550002222"
    assert (entry["status"], entry["held"], entry["priority"]) == ("queued", False, 7)
    assert entry["created"] == to_gregorian(row.created)
    assert entry["sent_at"] is None and entry["provider_message_id"] is None


def test_list_entry_of_an_email_row_shows_the_first_to_address(world):
    email_row(world.accounts["R"], to="alice@example.com", cc=["carol@example.com"])
    [entry] = world.api("R_admin").get(deliveries_path(world.id("R"))).json()["data"]
    assert entry["channel"] == "email" and entry["to"] == "alice@example.com"


def test_list_entry_of_a_sent_row_has_provider_id_and_sent_at(
    world, fake, django_capture_on_commit_callbacks
):
    sent_through(world, fake["id"], "hello", django_capture_on_commit_callbacks)
    [entry] = world.api("R_admin").get(deliveries_path(world.id("R"))).json()["data"]
    # The fake vendor's delivered receipt follows at once in inline mode.
    assert entry["status"] == "delivered" and entry["attempts"] == 1
    assert entry["provider_message_id"].startswith("fake-") and entry["sent_at"]
    assert entry["delivered_at"]


def test_filter_channel(world, fake):
    sms = sms_row(world.accounts["R"], fake["id"])
    email_row(world.accounts["R"])
    assert list_ids(world, query="?channel=sms") == [sms.id]


def test_filter_status(world, fake):
    r = world.accounts["R"]
    failed = sms_row(r, fake["id"])
    SmtpLog.objects.filter(pk=failed.pk).update(status=Status.FAILED)
    sms_row(r, fake["id"])
    assert list_ids(world, query="?status=failed") == [failed.id]


def test_filter_status_accepts_delivered(world, fake):
    row = sms_row(world.accounts["R"], fake["id"])
    SmtpLog.objects.filter(pk=row.pk).update(status=Status.DELIVERED)
    assert list_ids(world, query="?status=delivered") == [row.id]


def test_filter_gateway_id(world, fake):
    r = world.accounts["R"]
    other = create(world.api("R_admin"), world.id("R"), {**FAKE_SMS, "name": "Other"})
    mine = sms_row(r, fake["id"])
    sms_row(r, other["id"])
    email_row(r)
    assert list_ids(world, query=f"?gateway_id={fake['id']}") == [mine.id]


def test_filter_template_id(world, fake):
    r = world.accounts["R"]
    wanted = sms_row(r, fake["id"], template_id="low_balance")
    sms_row(r, fake["id"])
    assert list_ids(world, query="?template_id=low_balance") == [wanted.id]


def test_filter_to_matches_an_sms_address(world, fake):
    r = world.accounts["R"]
    wanted = sms_row(r, fake["id"], to="+14155552671")
    sms_row(r, fake["id"], to="+14155552672")
    assert list_ids(world, query="?to=%2B14155552671") == [wanted.id]


def test_filter_to_matches_any_email_recipient(world):
    r = world.accounts["R"]
    wanted = email_row(r, to="alice@example.com", cc=["carol@example.com"])
    email_row(r, to="bob@example.com")
    assert list_ids(world, query="?to=carol@example.com") == [wanted.id]


def test_filter_provider_message_id(world, fake):
    r = world.accounts["R"]
    wanted = sms_row(r, fake["id"])
    SmtpLog.objects.filter(pk=wanted.pk).update(provider_message_id="fake-abc")
    sms_row(r, fake["id"])
    assert list_ids(world, query="?provider_message_id=fake-abc") == [wanted.id]


def test_default_range_leaves_out_rows_older_than_31_days(world, fake):
    r = world.accounts["R"]
    sms_row(r, fake["id"], created=now() - timedelta(days=40))
    recent = sms_row(r, fake["id"])
    assert list_ids(world) == [recent.id]


def test_created_from_and_created_to_select_a_range(world, fake):
    r = world.accounts["R"]
    old = sms_row(r, fake["id"], created=now() - timedelta(days=40))
    sms_row(r, fake["id"])
    start = to_gregorian(old.created) - 10
    query = f"?created_from={start}&created_to={start + 3600}"
    assert list_ids(world, query=query) == [old.id]


def test_created_range_wider_than_the_maximum_is_a_400(world):
    end = to_gregorian(now())
    response = world.api("R_admin").get(
        deliveries_path(world.id("R")) + f"?created_from={end - 2_682_001}&created_to={end}"
    )
    assert "date_range" in error_of(response)["created_from"]


def test_created_to_before_created_from_is_a_400(world):
    end = to_gregorian(now())
    response = world.api("R_admin").get(
        deliveries_path(world.id("R")) + f"?created_from={end}&created_to={end - 10}"
    )
    assert "date_range" in error_of(response)["created_from"]


@pytest.mark.parametrize(
    ("query", "path", "rule"),
    [
        ("channel=SMS!", "channel", "wrong_format"),
        ("status=lost", "status", "enum"),
        ("gateway_id=nope", "gateway_id", "wrong_format"),
        ("include_descendants=yes", "include_descendants", "type"),
        ("template_id=" + "x" * 129, "template_id", "maxLength"),
        ("to=" + "x" * 255, "to", "maxLength"),
        ("start_key=garbage", "start_key", "wrong_format"),
    ],
)
def test_bad_filter_values_are_400_with_their_path_and_rule(world, query, path, rule):
    response = world.api("R_admin").get(deliveries_path(world.id("R")) + "?" + query)
    assert rule in error_of(response)[path]


def test_pagination_walks_every_row_once_newest_first(world, fake):
    r = world.accounts["R"]
    rows = [sms_row(r, fake["id"], created=now() - timedelta(minutes=m)) for m in range(5)]
    api, seen, query = world.api("R_admin"), [], "?page_size=2"
    while True:
        body = api.get(deliveries_path(world.id("R")) + query).json()
        seen += [entry["id"] for entry in body["data"]]
        if "next_start_key" not in body:
            break
        query = f"?page_size=2&start_key={body['next_start_key']}"
    assert seen == [row.id for row in rows]


def test_include_descendants_lists_the_subtree_with_account_ids(world, fake):
    a = world.accounts
    own, child, grandchild = sms_row(a["R"]), sms_row(a["C1"]), sms_row(a["G"], fake["id"])
    response = world.api("R_admin").get(deliveries_path(world.id("R"), "?include_descendants=true"))
    entries = {e["id"]: e["account_id"] for e in response.json()["data"]}
    assert entries == {own.id: a["R"].id, child.id: a["C1"].id, grandchild.id: a["G"].id}


def test_without_include_descendants_only_the_accounts_own_rows(world):
    a = world.accounts
    own = sms_row(a["R"])
    sms_row(a["C1"])
    assert list_ids(world) == [own.id]


def test_include_descendants_never_shows_another_tree(world):
    a = world.accounts
    sms_row(a["D"])
    sms_row(a["R2"])
    assert list_ids(world, query="?include_descendants=true") == []


def test_smtplog_still_lists_only_email_rows(world, fake):
    r = world.accounts["R"]
    mail = email_row(r)
    sms_row(r, fake["id"])
    response = world.api("R_admin").get(f"/v2/accounts/{r.id}/notifications/smtplog")
    assert [entry["id"] for entry in response.json()["data"]] == [mail.id]


# --- the detail ----------------------------------------------------------------------------


def detail_of(world, row_id, account="R", principal="R_admin") -> dict:
    response = world.api(principal).get(deliveries_path(world.id(account), f"/{row_id}"))
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_detail_adds_body_subject_segments_events_and_template_account(world, fake):
    row = sms_row(world.accounts["R"], fake["id"], text="hello", template_account_id="f" * 32)
    data = detail_of(world, row.id)
    assert set(data) >= ENTRY_KEYS | {
        "body", "subject", "segments", "error_code", "error_description", "events",
        "prepared_document", "template_account_id",
    }  # fmt: skip
    assert data["body"] == {"text/x-sms": "hello"} and data["segments"] == 1
    assert data["template_account_id"] == "f" * 32
    assert data["error_code"] is None and data["error_description"] is None
    assert data["prepared_document"] is None and data["events"] == []


def test_detail_of_a_vendor_error_describes_the_code(
    world, fake, django_capture_on_commit_callbacks
):
    row_id = sent_through(
        world, fake["id"], "please error30005", django_capture_on_commit_callbacks
    )
    data = detail_of(world, row_id)
    assert (data["status"], data["failure"], data["error_code"]) == (
        "failed", "permanent-failure", "30005",
    )  # fmt: skip
    assert data["error_description"] == {
        "code": "30005",
        "description": "Unknown destination handset",
        "link": None,
    }


def test_detail_error_description_is_null_for_an_unknown_code(world, fake):
    row = sms_row(world.accounts["R"], fake["id"])
    SmtpLog.objects.filter(pk=row.pk).update(status=Status.FAILED, error_code="99999")
    data = detail_of(world, row.id)
    assert data["error_code"] == "99999" and data["error_description"] is None


def test_detail_shows_the_prepared_document_as_text(world, fake):
    document = '{"msgname":"invoice","content":"Grüße"}'.encode()
    row = sms_row(world.accounts["R"], fake["id"], prepared_document=document)
    assert (
        detail_of(world, row.id)["prepared_document"] == '{"msgname":"invoice","content":"Grüße"}'
    )


def test_detail_of_an_email_row_carries_rendered_templates_and_emails(world):
    row = email_row(world.accounts["R"], cc=["carol@example.com"])
    data = detail_of(world, row.id)
    assert data["rendered_templates"]["text/html"] == "<p>Hi</p>"
    assert data["emails"]["cc"] == ["carol@example.com"] and data["subject"] == "Welcome"


def test_detail_of_an_unknown_id_is_404(world):
    response = world.api("R_admin").get(deliveries_path(world.id("R"), "/" + "a" * 32))
    assert response.status_code == 404


def test_detail_of_a_malformed_id_is_404(world):
    response = world.api("R_admin").get(deliveries_path(world.id("R"), "/not-an-id"))
    assert response.status_code == 404


def test_detail_of_another_trees_row_under_ones_own_account_is_404(world):
    foreign = sms_row(world.accounts["D"])
    response = world.api("R_admin").get(deliveries_path(world.id("R"), f"/{foreign.id}"))
    assert response.status_code == 404


# --- retry ---------------------------------------------------------------------------------


def failed_row(world, gateway_id, account="R"):
    row = sms_row(world.accounts[account], gateway_id)
    SmtpLog.objects.filter(pk=row.pk).update(
        status=Status.FAILED,
        attempts=10,
        error="HTTP 503: busy",
        error_code="503",
        failure=Failure.TECHNICAL,
        finished_at=now(),
    )
    return row


def retry(world, row_id, principal="R_admin", account="R"):
    return world.api(principal).post(deliveries_path(world.id(account), f"/{row_id}/retry"))


def test_retry_of_a_failed_row_queues_it_again_with_attempts_reset(world, fake):
    row = failed_row(world, fake["id"])
    response = retry(world, row.id)
    assert response.status_code == 202, response.content
    data = response.json()["data"]
    assert (data["status"], data["attempts"], data["error"], data["failure"]) == (
        "queued", 0, None, None,
    )  # fmt: skip
    row.refresh_from_db()
    assert row.error_code == "" and row.events[-1]["source"] == "api"


def test_retried_row_is_delivered_once_committed(
    world, provider, django_capture_on_commit_callbacks
):
    provider.set_default({"status": 200, "body": {"id": "hook-1", "status": "delivered"}})
    hook = create(world.api("R_admin"), world.id("R"), webhook_gateway(provider.url("/hook")))
    row = failed_row(world, hook["id"])
    with django_capture_on_commit_callbacks(execute=True):
        assert retry(world, row.id).status_code == 202
    data = detail_of(world, row.id)
    assert (data["status"], data["provider_message_id"], data["attempts"]) == (
        "delivered", "hook-1", 1,
    )  # fmt: skip
    assert len(provider.requests) == 1


def test_retry_of_a_delivered_row_is_409_not_failed(
    world, fake, django_capture_on_commit_callbacks
):
    row_id = sent_through(world, fake["id"], "hello", django_capture_on_commit_callbacks)
    response = retry(world, row_id)
    assert response.status_code == 409, response.content
    assert "not_failed" in response.json()["data"]["status"]
    assert SmtpLog.objects.get(pk=row_id).status == Status.DELIVERED


def test_retry_of_a_queued_row_is_409(world, fake):
    row = sms_row(world.accounts["R"], fake["id"])
    assert retry(world, row.id).status_code == 409


def test_retry_through_a_paused_gateway_holds_the_row(world, fake):
    row = failed_row(world, fake["id"])
    api = world.api("R_admin")
    api.post(f"{gateways_path(world.id('R'))}/{fake['id']}", {"data": {"paused": True}})
    response = retry(world, row.id)
    assert response.status_code == 202 and response.json()["data"]["held"] is True


# --- who may read and retry ----------------------------------------------------------------


def test_sibling_reseller_gets_403_on_the_list(world):
    response = world.api("R2_admin").get(deliveries_path(world.id("R")))
    assert response.status_code == 403


def test_sibling_reseller_gets_403_on_the_detail(world, fake):
    row = sms_row(world.accounts["R"], fake["id"])
    response = world.api("R2_admin").get(deliveries_path(world.id("R"), f"/{row.id}"))
    assert response.status_code == 403


def test_sibling_reseller_gets_403_on_retry(world, fake):
    row = failed_row(world, fake["id"])
    assert retry(world, row.id, principal="R2_admin").status_code == 403
    assert SmtpLog.objects.get(pk=row.pk).status == Status.FAILED


def test_customer_gets_403_on_its_resellers_log(world):
    assert world.api("C1_admin").get(deliveries_path(world.id("R"))).status_code == 403


def test_unknown_account_is_404(world):
    assert world.api("R_admin").get(deliveries_path("b" * 32)).status_code == 404


def test_anonymous_is_401(world, anon):
    assert anon.get(deliveries_path(world.id("R"))).status_code == 401


def test_priv_level_user_may_read_the_log(world, fake):
    row = sms_row(world.accounts["C1"])
    assert list_ids(world, principal="C1_user", account="C1") == [row.id]
    assert detail_of(world, row.id, account="C1", principal="C1_user")["id"] == row.id


def test_priv_level_user_may_not_retry(world, fake):
    row = failed_row(world, fake["id"])
    assert retry(world, row.id, principal="R_user").status_code == 403


def test_api_key_may_retry(world, fake):
    row = failed_row(world, fake["id"])
    assert retry(world, row.id, principal="R_key").status_code == 202


def test_reseller_admin_may_read_a_customers_log(world):
    row = sms_row(world.accounts["C1"])
    assert list_ids(world, account="C1") == [row.id]


def test_list_costs_a_bounded_number_of_queries(world, fake, django_assert_max_num_queries):
    for _ in range(20):
        sms_row(world.accounts["C1"], fake["id"])
    api = world.api("R_admin")
    with django_assert_max_num_queries(6):
        response = api.get(deliveries_path(world.id("R"), "?include_descendants=true"))
    assert len(response.json()["data"]) == 20
