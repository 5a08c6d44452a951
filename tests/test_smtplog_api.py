"""The SMTP log API: list (order, shape, range, paging, filters), detail, who may see what."""

import base64
import json
from datetime import timedelta

import pytest
from django.utils.timezone import now

from accounts.models import Account
from config.ids import new_id, to_gregorian
from smtplog.models import SmtpLog, Status

pytestmark = pytest.mark.django_db

MAX_RANGE = 2_682_000


def make_log(
    account: Account,
    *,
    template_id: str = "new_user",
    subject: str = "Welcome aboard",
    status: str = Status.SENT,
    sender: str = "no_reply@example.net",
    to: tuple[str, ...] = ("alice@example.com",),
    cc: tuple[str, ...] = (),
    bcc: tuple[str, ...] = (),
    created=None,
    ago: timedelta = timedelta(minutes=5),
    receipt: str | None = None,
    error: str = "",
    attempts: int = 1,
    **extra,
) -> SmtpLog:
    """One log row written straight to the database, as the delivery code would leave it."""
    emails = {"from": sender}
    for key, addresses in (("to", to), ("cc", cc), ("bcc", bcc)):
        if addresses:
            emails[key] = list(addresses)
    if receipt is None:
        receipt = "2.0.0 Ok: queued as B60E22044B" if status == Status.SENT else ""
    return SmtpLog.objects.create(
        account=account,
        template_id=template_id,
        subject=subject,
        emails=emails,
        recipients=" ".join([*to, *cc, *bcc]),
        rendered_templates={"text/plain": f"{subject}\n", "text/html": f"<p>{subject}</p>"},
        status=status,
        created=created or now() - ago,
        receipt=receipt,
        error=error,
        attempts=attempts,
        **extra,
    )


def log_path(world, name: str, suffix: str = "") -> str:
    return f"/v2/accounts/{world.id(name)}/notifications/smtplog{suffix}"


def listed(world, principal: str, name: str, query: str = "") -> list[dict]:
    response = world.api(principal).get(log_path(world, name, query))
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def ids_of(entries: list[dict]) -> list[str]:
    return [entry["id"] for entry in entries]


# --- list: order and shape ------------------------------------------------------------------


def test_list_is_newest_first(world):
    c1 = world.accounts["C1"]
    oldest = make_log(c1, ago=timedelta(hours=3))
    newest = make_log(c1, ago=timedelta(minutes=1))
    middle = make_log(c1, ago=timedelta(hours=1))
    assert ids_of(listed(world, "C1_admin", "C1")) == [newest.id, middle.id, oldest.id]


def test_rows_created_in_the_same_instant_are_ordered_by_id_descending(world):
    moment = now() - timedelta(minutes=1)
    rows = [make_log(world.accounts["C1"], created=moment) for _ in range(3)]
    expected = sorted((row.id for row in rows), reverse=True)
    assert ids_of(listed(world, "C1_admin", "C1")) == expected


def test_sent_entry_has_kazoo_shape_with_receipt_status_and_attempts(world):
    row = make_log(
        world.accounts["C1"], to=("alice@example.com", "bob@example.com"), cc=("c@example.com",)
    )
    assert listed(world, "C1_admin", "C1") == [
        {
            "id": row.id,
            "template_id": "new_user",
            "from": "no_reply@example.net",
            "to": "alice@example.com",
            "subject": "Welcome aboard",
            "created": to_gregorian(row.created),
            "receipt": "2.0.0 Ok: queued as B60E22044B",
            "status": "sent",
            "attempts": 1,
        }
    ]


def test_failed_entry_has_error_and_no_receipt(world):
    make_log(world.accounts["C1"], status=Status.FAILED, error="550 5.1.1 mailbox unknown")
    (entry,) = listed(world, "C1_admin", "C1")
    assert entry["error"] == "550 5.1.1 mailbox unknown"
    assert entry["status"] == "failed"
    assert "receipt" not in entry


def test_queued_entry_shows_the_last_transient_error(world):
    make_log(world.accounts["C1"], status=Status.QUEUED, error="connection refused", attempts=2)
    (entry,) = listed(world, "C1_admin", "C1")
    assert entry["error"] == "connection refused"
    assert entry["attempts"] == 2
    assert "receipt" not in entry


def test_queued_entry_without_error_has_neither_receipt_nor_error(world):
    make_log(world.accounts["C1"], status=Status.QUEUED, attempts=0)
    (entry,) = listed(world, "C1_admin", "C1")
    assert "receipt" not in entry
    assert "error" not in entry


def test_entry_without_to_is_listed_with_null_to(world):
    row = make_log(world.accounts["C1"], to=(), bcc=("hidden@example.com",))
    (entry,) = listed(world, "C1_admin", "C1")
    assert entry["id"] == row.id
    assert entry["to"] is None


def test_list_holds_only_the_accounts_own_rows(world):
    own = make_log(world.accounts["C1"])
    make_log(world.accounts["G"])
    make_log(world.accounts["C2"])
    entries = listed(world, "R_admin", "C1")
    assert ids_of(entries) == [own.id]
    assert "account_id" not in entries[0]


def test_empty_log_is_an_empty_list(world):
    assert listed(world, "C1_admin", "C1") == []


# --- list: created_from / created_to --------------------------------------------------------


def test_created_to_before_created_from_is_400_date_range(world):
    response = world.api("C1_admin").get(
        log_path(world, "C1", "?created_from=63870000100&created_to=63870000000")
    )
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "validation error"
    assert body["data"] == {
        "created_from": {
            "date_range": {
                "message": "created_to 63870000000 is prior to created_from 63870000100",
                "cause": 63870000100,
            }
        }
    }


def test_range_wider_than_maximum_is_400_date_range(world):
    start, end = 63870000000, 63870000000 + MAX_RANGE + 1
    response = world.api("C1_admin").get(
        log_path(world, "C1", f"?created_from={start}&created_to={end}")
    )
    assert response.status_code == 400
    assert response.json()["data"] == {
        "created_from": {
            "date_range": {
                "message": f"created_to {end} is more than 2682000 seconds "
                f"from created_from {start}",
                "cause": end,
            }
        }
    }


def test_range_of_exactly_the_maximum_is_accepted(world):
    start = 63870000000
    response = world.api("C1_admin").get(
        log_path(world, "C1", f"?created_from={start}&created_to={start + MAX_RANGE}")
    )
    assert response.status_code == 200


def test_created_from_alone_far_in_the_past_exceeds_the_default_created_to(world):
    start = to_gregorian(now()) - MAX_RANGE - 3600
    response = world.api("C1_admin").get(log_path(world, "C1", f"?created_from={start}"))
    assert response.status_code == 400
    assert (
        "is more than 2682000 seconds"
        in (response.json()["data"]["created_from"]["date_range"]["message"])
    )


def test_range_selects_rows_by_gregorian_seconds_inclusive(world):
    c1 = world.accounts["C1"]
    base = now().replace(microsecond=0) - timedelta(days=10)
    before = make_log(c1, created=base - timedelta(seconds=1))
    first = make_log(c1, created=base)
    last = make_log(c1, created=base + timedelta(seconds=60, microseconds=999_000))
    after = make_log(c1, created=base + timedelta(seconds=61))
    start = to_gregorian(base)
    entries = listed(world, "C1_admin", "C1", f"?created_from={start}&created_to={start + 60}")
    assert ids_of(entries) == [last.id, first.id]
    assert before.id not in ids_of(entries)
    assert after.id not in ids_of(entries)


def test_default_range_is_the_last_2682000_seconds(world):
    c1 = world.accounts["C1"]
    recent = make_log(c1, ago=timedelta(seconds=MAX_RANGE - 600))
    make_log(c1, ago=timedelta(seconds=MAX_RANGE + 600))
    assert ids_of(listed(world, "C1_admin", "C1")) == [recent.id]


def test_created_to_alone_moves_the_window(world):
    c1 = world.accounts["C1"]
    old = make_log(c1, ago=timedelta(days=40))
    make_log(c1, ago=timedelta(minutes=1))
    end = to_gregorian(now() - timedelta(days=39))
    assert ids_of(listed(world, "C1_admin", "C1", f"?created_to={end}")) == [old.id]


@pytest.mark.parametrize("bad", ["abc", "0", "-5", "1.5", ""])
def test_bad_range_values_fall_back_to_the_defaults(world, bad):
    row = make_log(world.accounts["C1"])
    query = f"?created_from={bad}&created_to={bad}"
    assert ids_of(listed(world, "C1_admin", "C1", query)) == [row.id]


def test_range_far_outside_datetime_limits_is_an_empty_list_not_an_error(world):
    make_log(world.accounts["C1"])
    huge = 10**15
    assert listed(world, "C1_admin", "C1", f"?created_from={huge}&created_to={huge}") == []
    assert listed(world, "C1_admin", "C1", "?created_from=1&created_to=2") == []


# --- list: pagination -----------------------------------------------------------------------


def test_pagination_walks_every_row_once_with_next_start_key(world):
    c1 = world.accounts["C1"]
    same_instant = now() - timedelta(minutes=30)
    rows = [make_log(c1, ago=timedelta(minutes=i)) for i in range(1, 6)]
    rows += [make_log(c1, created=same_instant) for _ in range(3)]  # ties broken by id
    expected = ids_of(listed(world, "C1_admin", "C1", "?paginate=false"))
    api = world.api("C1_admin")
    seen, query, pages = [], "?page_size=3", 0
    while True:
        body = api.get(log_path(world, "C1", query)).json()
        pages += 1
        assert body["page_size"] == len(body["data"]) <= 3
        seen += ids_of(body["data"])
        if "next_start_key" not in body:
            break
        query = f"?page_size=3&start_key={body['next_start_key']}"
        assert body["next_start_key"] != body.get("start_key")
    assert pages == 3
    assert seen == expected
    assert sorted(seen) == sorted(row.id for row in rows)


def test_a_page_echoes_its_start_key(world):
    for i in range(3):
        make_log(world.accounts["C1"], ago=timedelta(minutes=i + 1))
    api = world.api("C1_admin")
    token = api.get(log_path(world, "C1", "?page_size=1")).json()["next_start_key"]
    body = api.get(log_path(world, "C1", f"?page_size=1&start_key={token}")).json()
    assert body["start_key"] == token


def test_default_page_size_is_50(world):
    for i in range(51):
        make_log(world.accounts["C1"], ago=timedelta(seconds=i + 1))
    body = world.api("C1_admin").get(log_path(world, "C1")).json()
    assert body["page_size"] == 50
    assert "next_start_key" in body


def test_paginate_false_returns_everything_without_page_keys(world):
    for i in range(55):
        make_log(world.accounts["C1"], ago=timedelta(seconds=i + 1))
    body = world.api("C1_admin").get(log_path(world, "C1", "?paginate=false")).json()
    assert len(body["data"]) == 55
    assert not {"page_size", "start_key", "next_start_key"} & body.keys()


def test_raw_gregorian_start_key_starts_at_that_second(world):
    c1 = world.accounts["C1"]
    base = now().replace(microsecond=0) - timedelta(hours=2)
    newer = make_log(c1, created=base + timedelta(seconds=1))
    at = make_log(c1, created=base + timedelta(microseconds=500_000))
    older = make_log(c1, created=base - timedelta(seconds=1))
    entries = listed(world, "C1_admin", "C1", f"?start_key={to_gregorian(base)}")
    assert ids_of(entries) == [at.id, older.id]
    assert newer.id not in ids_of(entries)


@pytest.mark.parametrize("start_key", ["not-a-key", "2024-13-45T99:00:00", "-5"])
def test_malformed_start_key_is_400_not_500(world, start_key):
    make_log(world.accounts["C1"])
    response = world.api("C1_admin").get(log_path(world, "C1", f"?start_key={start_key}"))
    assert response.status_code == 400
    assert response.json()["data"]["start_key"]["wrong_format"]["value"] == start_key


@pytest.mark.parametrize("start_key", ["1", "5"])
def test_raw_start_key_before_any_datetime_is_an_empty_page(world, start_key):
    make_log(world.accounts["C1"])
    assert listed(world, "C1_admin", "C1", f"?start_key={start_key}") == []


def test_raw_start_key_beyond_any_datetime_starts_at_the_newest(world):
    row = make_log(world.accounts["C1"])
    assert ids_of(listed(world, "C1_admin", "C1", f"?start_key={10**15}")) == [row.id]


def test_start_key_of_a_previous_page_token_with_only_a_date_is_accepted(world):
    old = make_log(world.accounts["C1"], ago=timedelta(hours=2))
    make_log(world.accounts["C1"], ago=timedelta(minutes=1))
    cutoff = (now() - timedelta(hours=1)).isoformat()
    token = base64.urlsafe_b64encode(json.dumps([cutoff]).encode()).decode().rstrip("=")
    assert ids_of(listed(world, "C1_admin", "C1", f"?start_key={token}")) == [old.id]


def test_non_numeric_page_size_is_kazoos_404_faulty_request(world):
    response = world.api("C1_admin").get(log_path(world, "C1", "?page_size=many"))
    assert response.status_code == 404
    assert response.json()["message"] == "faulty_request"


# --- list: filters --------------------------------------------------------------------------


def test_filter_by_template_id(world):
    c1 = world.accounts["C1"]
    wanted = make_log(c1, template_id="voicemail_to_email")
    make_log(c1, template_id="new_user")
    entries = listed(world, "C1_admin", "C1", "?template_id=voicemail_to_email")
    assert ids_of(entries) == [wanted.id]


def test_filter_by_status(world):
    c1 = world.accounts["C1"]
    failed = make_log(c1, status=Status.FAILED, error="550 no such user")
    make_log(c1, status=Status.SENT)
    make_log(c1, status=Status.QUEUED)
    assert ids_of(listed(world, "C1_admin", "C1", "?status=failed")) == [failed.id]


def test_invalid_status_filter_is_400_enum(world):
    response = world.api("C1_admin").get(log_path(world, "C1", "?status=lost"))
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "validation error"
    assert body["data"] == {
        "status": {
            "enum": {
                "message": "Value not found in enumerated list of values",
                "target": ["queued", "sending", "sent", "failed"],
                "value": "lost",
            }
        }
    }


@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
def test_filter_to_matches_any_recipient_field(world, field):
    c1 = world.accounts["C1"]
    recipients = {"to": ("first@example.com",)}
    recipients[field] = (*recipients.get(field, ()), "carol@example.com")
    wanted = make_log(c1, **recipients)
    make_log(c1, to=("dave@example.com",), cc=("carol@example.com.au",))
    entries = listed(world, "C1_admin", "C1", "?to=carol@example.com")
    assert ids_of(entries) == [wanted.id]


def test_filter_to_is_case_insensitive(world):
    wanted = make_log(world.accounts["C1"], to=("Carol@Example.com",))
    assert ids_of(listed(world, "C1_admin", "C1", "?to=carol@EXAMPLE.com")) == [wanted.id]


def test_filter_to_matches_whole_addresses_only(world):
    c1 = world.accounts["C1"]
    make_log(c1, to=("alice@example.com",))
    make_log(c1, to=("malice@example.com.evil",))
    exact = make_log(c1, to=("lice@example.com",))
    assert ids_of(listed(world, "C1_admin", "C1", "?to=lice@example.com")) == [exact.id]


def test_filter_to_treats_like_wildcards_literally(world):
    make_log(world.accounts["C1"], to=("alice@example.com",))
    assert listed(world, "C1_admin", "C1", "?to=a_ice@example.com") == []


def test_filter_to_with_a_non_address_is_400_wrong_format(world):
    response = world.api("C1_admin").get(log_path(world, "C1", "?to=not-an-address"))
    assert response.status_code == 400
    assert response.json()["data"] == {
        "to": {
            "wrong_format": {
                "message": "Field is not in the correct format",
                "value": "not-an-address",
                "format": "email",
            }
        }
    }


def test_filters_combine(world):
    c1 = world.accounts["C1"]
    wanted = make_log(c1, template_id="deregister", status=Status.FAILED, error="x")
    make_log(c1, template_id="deregister", status=Status.SENT)
    make_log(c1, template_id="new_user", status=Status.FAILED, error="x")
    entries = listed(world, "C1_admin", "C1", "?template_id=deregister&status=failed")
    assert ids_of(entries) == [wanted.id]


def test_include_descendants_lists_the_whole_subtree_with_account_ids(world):
    a = world.accounts
    mine = {
        make_log(a[name], ago=timedelta(minutes=i + 1)).id: name
        for i, name in enumerate(["R", "C1", "G", "C2"])
    }
    make_log(a["R2"])
    make_log(a["D"])
    make_log(a["master"])
    entries = listed(world, "R_admin", "R", "?include_descendants=true")
    assert ids_of(entries) == list(mine)
    assert {entry["id"]: entry["account_id"] for entry in entries} == {
        log_id: world.id(name) for log_id, name in mine.items()
    }


def test_without_include_descendants_only_the_account_itself_is_listed(world):
    own = make_log(world.accounts["C1"])
    make_log(world.accounts["G"])
    assert ids_of(listed(world, "C1_admin", "C1")) == [own.id]
    assert ids_of(listed(world, "C1_admin", "C1", "?include_descendants=false")) == [own.id]


def test_include_descendants_on_a_customer_covers_its_own_subtree(world):
    own = make_log(world.accounts["C1"], ago=timedelta(minutes=2))
    child = make_log(world.accounts["G"], ago=timedelta(minutes=1))
    make_log(world.accounts["C2"])
    entries = listed(world, "C1_admin", "C1", "?include_descendants=true")
    assert ids_of(entries) == [child.id, own.id]


def test_include_descendants_combines_with_filters(world):
    make_log(world.accounts["C1"], template_id="new_user")
    wanted = make_log(world.accounts["G"], template_id="deregister")
    entries = listed(world, "R_admin", "R", "?include_descendants=true&template_id=deregister")
    assert ids_of(entries) == [wanted.id]


def test_invalid_include_descendants_is_400_type(world):
    response = world.api("R_admin").get(log_path(world, "R", "?include_descendants=yes-please"))
    assert response.status_code == 400
    assert response.json()["data"]["include_descendants"]["type"]["value"] == "yes-please"


# --- detail ---------------------------------------------------------------------------------


def test_detail_has_the_seed_shape_with_extensions(world):
    c1 = world.accounts["C1"]
    row = make_log(
        c1,
        template_id="voicemail_to_email",
        to=("alice@example.com",),
        cc=("carol@example.com",),
        macros={"user": {"first_name": "Alice"}},
        message_id="<abc@example.net>",
        invalid_addresses=[{"address": "bad@", "reason": "invalid"}],
    )
    response = world.api("C1_admin").get(log_path(world, "C1", f"/{row.id}"))
    assert response.status_code == 200
    month = row.created.strftime("%Y%m")
    account_id = c1.id
    assert response.json()["data"] == {
        "id": row.id,
        "rendered_templates": {
            "text/plain": "Welcome aboard\n",
            "text/html": "<p>Welcome aboard</p>",
        },
        "subject": "Welcome aboard",
        "emails": {
            "from": "no_reply@example.net",
            "to": ["alice@example.com"],
            "cc": ["carol@example.com"],
        },
        "receipt": "2.0.0 Ok: queued as B60E22044B",
        "account_id": account_id,
        "account_db": f"account%2F{account_id[:2]}%2F{account_id[2:4]}%2F{account_id[4:]}-{month}",
        "template_id": "voicemail_to_email",
        "macros": {"user": {"first_name": "Alice"}},
        "created": to_gregorian(row.created),
        "status": "sent",
        "attempts": 1,
        "invalid_addresses": [{"address": "bad@", "reason": "invalid"}],
        "message_id": "<abc@example.net>",
    }


def test_detail_of_a_failed_row_has_error_and_no_receipt(world):
    row = make_log(world.accounts["C1"], status=Status.FAILED, error="554 rejected")
    data = world.api("C1_admin").get(log_path(world, "C1", f"/{row.id}")).json()["data"]
    assert data["error"] == "554 rejected"
    assert "receipt" not in data


def test_detail_names_the_template_account_when_an_override_was_used(world):
    row = make_log(world.accounts["C1"], template_account_id=world.id("R"))
    data = world.api("C1_admin").get(log_path(world, "C1", f"/{row.id}")).json()["data"]
    assert data["template_account_id"] == world.id("R")


def test_detail_omits_template_account_for_system_templates(world):
    row = make_log(world.accounts["C1"])
    data = world.api("C1_admin").get(log_path(world, "C1", f"/{row.id}")).json()["data"]
    assert "template_account_id" not in data


def test_detail_account_db_uses_the_month_the_row_was_created(world):
    row = make_log(world.accounts["C1"], ago=timedelta(days=20))
    data = world.api("C1_admin").get(log_path(world, "C1", f"/{row.id}")).json()["data"]
    assert data["account_db"].endswith("-" + row.created.strftime("%Y%m"))


@pytest.mark.parametrize("log_id", ["not-an-id", "A" * 32, "202403-" + "a" * 32, "a" * 31])
def test_detail_of_a_malformed_id_is_404_bad_identifier(world, log_id):
    response = world.api("C1_admin").get(log_path(world, "C1", f"/{log_id}"))
    assert response.status_code == 404
    body = response.json()
    assert body["message"] == "bad_identifier"
    assert body["data"] == {"cause": log_id, "message": "bad identifier"}


def test_detail_of_an_unknown_id_is_404_bad_identifier(world):
    log_id = new_id()
    response = world.api("C1_admin").get(log_path(world, "C1", f"/{log_id}"))
    assert response.status_code == 404
    assert response.json()["data"] == {"cause": log_id, "message": "bad identifier"}


@pytest.mark.parametrize("owner", ["G", "C2", "R"])
def test_detail_of_another_accounts_entry_is_404(world, owner):
    row = make_log(world.accounts[owner])
    response = world.api("R_admin").get(log_path(world, "C1", f"/{row.id}"))
    assert response.status_code == 404
    assert response.json()["data"]["cause"] == row.id


def test_private_port_comment_is_hidden_from_non_superduper(world):
    comment = {"content": "internal note", "superduper_comment": True}
    row = make_log(
        world.accounts["C1"],
        template_id="port_comment",
        macros={"port_request": {"name": "Port 1", "comment": comment}},
    )
    path = log_path(world, "C1", f"/{row.id}")
    hidden = world.api("C1_admin").get(path).json()["data"]
    assert hidden["macros"] == {"port_request": {"name": "Port 1"}}
    assert "rendered_templates" not in hidden
    shown = world.api("master_admin").get(path).json()["data"]
    assert shown["macros"]["port_request"]["comment"] == comment
    assert "rendered_templates" in shown


def test_public_port_comment_is_shown(world):
    comment = {"content": "see you soon", "is_private": False}
    row = make_log(
        world.accounts["C1"],
        template_id="port_comment",
        macros={"port_request": {"comment": comment}},
    )
    data = world.api("C1_admin").get(log_path(world, "C1", f"/{row.id}")).json()["data"]
    assert data["macros"]["port_request"]["comment"] == comment


# --- who may see what -----------------------------------------------------------------------


def test_other_tenant_gets_403_on_the_list(world):
    make_log(world.accounts["R"])
    response = world.api("R2_admin").get(log_path(world, "R"))
    assert response.status_code == 403
    assert response.json()["message"] == "forbidden"


def test_other_tenant_gets_403_on_a_detail(world):
    row = make_log(world.accounts["R"])
    response = world.api("R2_admin").get(log_path(world, "R", f"/{row.id}"))
    assert response.status_code == 403


def test_child_gets_403_on_its_parents_log(world):
    response = world.api("C1_admin").get(log_path(world, "R"))
    assert response.status_code == 403


def test_include_descendants_cannot_reach_outside_the_callers_tree(world):
    response = world.api("R2_admin").get(log_path(world, "R", "?include_descendants=true"))
    assert response.status_code == 403


def test_anonymous_gets_401(world, anon):
    response = anon.get(log_path(world, "C1"))
    assert response.status_code == 401
    assert response.json()["message"] == "invalid_credentials"


def test_anonymous_detail_gets_401(world, anon):
    row = make_log(world.accounts["C1"])
    assert anon.get(log_path(world, "C1", f"/{row.id}")).status_code == 401


def test_unknown_account_is_404_bad_identifier(world):
    account_id = new_id()
    response = world.api("master_admin").get(f"/v2/accounts/{account_id}/notifications/smtplog")
    assert response.status_code == 404
    assert response.json()["data"] == {"cause": account_id, "message": "bad identifier"}


def test_plain_user_may_read_their_own_accounts_log(world):
    row = make_log(world.accounts["C1"])
    api = world.api("C1_user")
    assert ids_of(api.get(log_path(world, "C1")).json()["data"]) == [row.id]
    assert api.get(log_path(world, "C1", f"/{row.id}")).status_code == 200


@pytest.mark.parametrize("principal", ["R_admin", "R_key", "master_admin"])
def test_ancestors_and_superduper_may_read_a_customers_log(world, principal):
    row = make_log(world.accounts["C1"])
    assert ids_of(listed(world, principal, "C1")) == [row.id]
    response = world.api(principal).get(log_path(world, "C1", f"/{row.id}"))
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_the_log_is_read_only(world, method):
    row = make_log(world.accounts["C1"])
    api = world.api("master_admin")
    for path in (log_path(world, "C1"), log_path(world, "C1", f"/{row.id}")):
        response = getattr(api, method)(path, {"data": {}})
        assert response.status_code == 405
        assert response.json()["message"] == "invalid_method"
    assert SmtpLog.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize(
    "path", ["/v2/notifications/smtplog", f"/v2/notifications/smtplog/{'a' * 32}"]
)
@pytest.mark.parametrize("principal", ["master_admin", "C1_admin", None])
def test_smtplog_without_an_account_is_404_not_found(world, path, principal):
    response = world.api(principal).get(path)
    assert response.status_code == 404
    body = response.json()
    assert body["message"] == "not_found"
    assert body["data"] == {"message": "not found"}


def test_the_list_answers_in_the_kazoo_envelope(world):
    make_log(world.accounts["C1"])
    response = world.api("C1_admin").get(log_path(world, "C1"), headers={"X-Request-ID": "r1"})
    body = response.json()
    assert body["status"] == "success"
    assert body["request_id"] == "r1"
    assert body["revision"]
    assert response["ETag"] == f'"{body["revision"]}"'
