"""Replay, request by request, what Monster UI's SDK and white-label app send.

Written from reading the clients' source (read, not copied):

* SDK: ``2600hz/monster-ui`` ``src/js/lib/jquery.kazoosdk.js``. Notification resources at
  lines 581-592, ``smtpLogs`` at 204-207, ``auth.postTokenInfo`` at 65, ``appsStore.list``
  at 50, ``externalNumbers.list`` at 193; ``request()`` from line 741 builds every call:
  ``X-Auth-Token`` (unless ``removeHeaders``), ``contentType: options.type ||
  'application/json'`` (so even GETs carry a Content-Type), ``dataType`` (json, or
  ``html``/``text`` for raw bodies), ``cache: false`` (jQuery appends ``_=<n>`` to GETs),
  and for non-GET JSON the body ``{"data": {..., "ui_metadata": {...}}}`` (lines 826-841;
  ``uiMetadata`` comes from ``src/js/lib/monster.apps.js`` line 461). Raw bodies
  (``type: 'text/html'``/``'text/plain'``) are sent as they are (``processData: false``).
* jQuery 3 turns ``dataType`` into ``Accept``: json → ``application/json, text/javascript,
  */*; q=0.01``, html → ``text/html, */*; q=0.01``, text → ``text/plain, */*; q=0.01``.
  Cross-origin (Monster and the API on different hosts), it sends no ``X-Requested-With``.
* White-label app: ``OpenTelecom/monster-ui-whitelabel`` ``src/apps/whitelabel/app.js``:
  list (306-330), get + text + html (440-490), preview (556-578), restore = delete
  (581-600), save = JSON update, then html, then text (604-640), disable (646-670).
* Start-up: ``src/apps/auth/app.js`` (login 1385, tokeninfo 1967, external numbers 323,
  account 2006, user 2027, apps store 445); ``src/apps/core/app.js`` 51 (white-label by
  domain); white-label app ``getWhiteLabelData`` 1047-1090.
"""

import base64
import hashlib
import itertools
import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ACCEPT = {
    "json": "application/json, text/javascript, */*; q=0.01",
    "html": "text/html, */*; q=0.01",
    "text": "text/plain, */*; q=0.01",
}
UI_METADATA = {"version": "4.3-0", "ui": "monster-ui", "origin": "whitelabel"}
VM = "voicemail_to_email"
_cache_buster = itertools.count(1732924800000)  # jQuery seeds it with Date.now()


class MonsterSdk:
    """The SDK's ``request()`` as jQuery sends it over the wire."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.token = token

    def call(
        self, verb, url, *, data=None, type="application/json", data_type="json", remove_token=False
    ):
        headers = {"HTTP_ACCEPT": ACCEPT[data_type], "CONTENT_TYPE": type}
        if not remove_token:
            headers["HTTP_X_AUTH_TOKEN"] = self.token
        path = f"/v2/{url}"
        if verb == "GET":
            # cache: false → "_=<nonce>" appended to GET urls.
            separator = "&" if "?" in path else "?"
            return self.client.get(f"{path}{separator}_={next(_cache_buster)}", **headers)
        if type == "application/json":
            body = json.dumps({"data": {**(data or {}), "ui_metadata": UI_METADATA}})
        else:
            body = data
        method = getattr(self.client, verb.lower())
        return method(path, body, content_type=type, **headers)


def ok(response, status=200):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@pytest.fixture
def sdk(world):
    """Monster logged in as C1's admin the way its login form does (``auth.userAuth``)."""
    anon = MonsterSdk(None)
    credentials = hashlib.md5(b"c1admin:c1admin-secret").hexdigest()
    # auth/app.js 1385: PUT user_auth with the md5 credentials and the account name.
    login = ok(
        anon.call(
            "PUT",
            "user_auth",
            data={"credentials": credentials, "account_name": "C1"},
            remove_token=True,
        ),
        201,
    )
    return MonsterSdk(login["auth_token"])


def test_start_up_reaches_the_branding_app(world, sdk):
    account_id = world.id("C1")
    # core/app.js 51: whitelabel.getByDomain before login; an error just means "none".
    none = sdk.call("GET", "whitelabel/portal.example.net", remove_token=True)
    assert none.status_code == 404 and none["Content-Type"] == "application/json"
    # auth/app.js 1967: resuming from the cookie POSTs tokeninfo without X-Auth-Token.
    info = ok(sdk.call("POST", "auth/tokeninfo", data={"token": sdk.token}, remove_token=True))
    assert info["data"]["account_id"] == account_id
    owner_id = info["data"]["owner_id"]
    # monster.js getFeatureSet → monster.util.jwt_decode: the token's middle part is JSON.
    claims_part = sdk.token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(claims_part + "=" * (-len(claims_part) % 4)))
    assert claims["account_id"] == account_id
    # auth/app.js 323: external numbers (capability probe).
    assert ok(sdk.call("GET", f"accounts/{account_id}/external_numbers"))["data"] == []
    # auth/app.js 2006 and 2027: the account and the user, in parallel; failure logs out.
    account = ok(sdk.call("GET", f"accounts/{account_id}"))
    assert account["data"]["name"] == "C1"
    assert ok(sdk.call("GET", f"accounts/{account_id}/users/{owner_id}"))["data"]["id"] == owner_id
    # auth/app.js 445: apps store; failure logs out. The branding app must be there.
    apps = ok(sdk.call("GET", f"accounts/{account_id}/apps_store"))["data"]
    assert [app["name"] for app in apps] == ["whitelabel"]
    # whitelabel app.js 1052 and 1083: its document (none: tolerated) and password_recovery.
    assert sdk.call("GET", f"accounts/{account_id}/whitelabel").status_code == 404
    recovery = ok(sdk.call("GET", f"accounts/{account_id}/notifications/password_recovery"))
    assert recovery["data"]["id"] == "password_recovery"


def test_the_notification_editor_flow(world, sdk, settings):
    base = f"accounts/{world.id('C1')}/notifications"

    # 306: whitelabel.listNotifications; entries need id, category, macros, overridden flag.
    listed = ok(sdk.call("GET", base))["data"]
    entry = next(e for e in listed if e["id"] == VM)
    assert entry["category"] and isinstance(entry["macros"], dict)
    assert "account_overridden" not in entry

    # 440-490: getNotification, then getNotificationText and getNotificationHtml raw.
    document = ok(sdk.call("GET", f"{base}/{VM}"))["data"]
    text = sdk.call("GET", f"{base}/{VM}", type="text/plain", data_type="text")
    html = sdk.call("GET", f"{base}/{VM}", type="text/html", data_type="html")
    assert text.status_code == html.status_code == 200
    assert text["Content-Type"].startswith("text/plain")
    assert html["Content-Type"].startswith("text/html")
    assert b"{{" in text.content and b"<" in html.content

    # 604-640: save = updateNotification with the whole object sent back (templates,
    # macros, id included), then updateNotificationHtml and updateNotificationText raw.
    form = {
        "from": "noc@c1.example.net",
        "subject": "Voicemail for {{user.first_name}}",
        "to": {"type": "original", "email_addresses": []},
        "bcc": {"type": "specified", "email_addresses": []},
    }
    item = {**document, **form, "enabled": True}
    saved = ok(sdk.call("POST", f"{base}/{VM}", data=item))["data"]
    assert saved["account_overridden"] is True
    assert saved["subject"] == form["subject"]
    assert set(saved["templates"]) == {"text/html", "text/plain"}
    new_html = "<p>Hello {{user.first_name}}</p>"
    ok(sdk.call("POST", f"{base}/{VM}", data=new_html, type="text/html", data_type="html"))
    new_text = "Hello {{user.first_name}}"
    ok(sdk.call("POST", f"{base}/{VM}", data=new_text, type="text/plain", data_type="text"))
    again = sdk.call("GET", f"{base}/{VM}", type="text/html", data_type="html")
    assert again.content.decode() == new_html
    relisted = ok(sdk.call("GET", base))["data"]
    assert next(e for e in relisted if e["id"] == VM)["account_overridden"] is True

    # 556-578: preview sends the whole form object (macro definitions included), base64
    # html, the plain text, "to" specified with the address typed in.
    params = {
        **saved,
        **form,
        "bcc": {"type": "specified", "email_addresses": []},
        "to": {"type": "specified", "email_addresses": ["me@c1.example.net"]},
        "plain": new_text,
        "html": base64.b64encode(new_html.encode()).decode(),
    }
    preview = ok(sdk.call("POST", f"{base}/{VM}/preview", data=params))
    assert preview["data"] == "Notification processing"

    # smtpLogs.list and smtpLogs.get (SDK 204-207): the preview is logged, no definitions.
    logs = ok(sdk.call("GET", f"{base}/smtplog"))["data"]
    assert logs[0]["template_id"] == VM
    assert "i18n_label" not in logs[0]["subject"]
    detail = ok(sdk.call("GET", f"{base}/smtplog/{logs[0]['id']}"))["data"]
    assert detail["emails"]["to"] == ["me@c1.example.net"]
    assert "i18n_label" not in json.dumps(detail["rendered_templates"])

    # 646-670: switching the template off sends the object back with enabled false.
    disabled = ok(sdk.call("POST", f"{base}/{VM}", data={**saved, "enabled": False}))
    assert disabled["data"]["enabled"] is False

    # 581-600: restore = deleteNotification with a JSON body {"data": {...}}.
    ok(sdk.call("DELETE", f"{base}/{VM}"))
    restored = ok(sdk.call("GET", f"{base}/{VM}"))["data"]
    assert "account_overridden" not in restored
    assert restored.get("enabled", True) is True


def test_errors_reach_monster_as_parsed_json(world, sdk):
    """request() parses an error only when Content-Type is exactly application/json."""
    response = sdk.call("POST", f"accounts/{world.id('C1')}/notifications/{VM}", data={"to": 1})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "400"
    missing = sdk.call("GET", f"accounts/{world.id('C1')}/notifications/no_such_one")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"
