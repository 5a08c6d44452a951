"""What broke when Monster UI drove the API (issue 16), each through HTTP."""

import pytest

pytestmark = pytest.mark.django_db

VM = "voicemail_to_email"


def notifications(world, account="C1") -> str:
    return f"/v2/accounts/{world.id(account)}/notifications"


# 1. Preview: the catalogue's macro definitions are not values.


def test_preview_ignores_macro_definitions_monster_sends_back(world):
    api = world.api("C1_admin")
    document = api.get(f"{notifications(world)}/{VM}").json()["data"]
    assert isinstance(document["macros"]["user.first_name"], dict)  # definitions, as Monster gets
    response = api.post(
        f"{notifications(world)}/{VM}/preview?send=false",
        {"data": {**document, "subject": "Branded: {{user.first_name}}"}},
    )
    assert response.status_code == 200
    subject = response.json()["data"]["subject"]
    assert subject.startswith("Branded: ")
    assert "i18n_label" not in subject and "friendly_name" not in subject
    assert len(subject) > len("Branded: ")  # the catalogue's sample value
    assert "i18n_label" not in response.json()["data"]["text/html"]


def test_preview_nested_plain_values_still_win_over_samples(world):
    response = world.api("C1_admin").post(
        f"{notifications(world)}/{VM}/preview?send=false",
        {
            "data": {
                "subject": "For {{user.first_name}} {{user.last_name}}",
                "macros": {
                    "user": {"first_name": "Zed"},
                    "user.last_name": {"friendly_name": "Last Name", "i18n_label": "last_name"},
                },
            }
        },
    )
    subject = response.json()["data"]["subject"]
    assert subject.startswith("For Zed ")
    assert "Last Name" not in subject


# 4. Content-Type is exactly Kazoo's, on successes and errors alike.


@pytest.mark.parametrize(
    "principal, path, status",
    [
        ("C1_admin", "/v2/accounts/{C1}/notifications", 200),
        ("C1_admin", "/v2/accounts/{C1}/notifications/nope_nope", 404),
        ("C2_admin", "/v2/accounts/{C1}/notifications", 403),
        (None, "/v2/accounts/{C1}/notifications", 401),
        ("C1_admin", "/v2/accounts/{C1}/notifications?page_size=0", 404),
        ("C1_admin", "/v2/no/such/path", 404),
    ],
)
def test_every_json_answer_is_exactly_application_json(world, principal, path, status):
    response = world.api(principal).get(path.replace("{C1}", world.id("C1")))
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"


def test_a_400_is_exactly_application_json(world):
    response = world.api("C1_admin").put(notifications(world), {"data": {"id": 5}})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


# 5. POST JSON answers like GET-one.


def test_post_json_answers_like_get_one(world):
    api = world.api("C1_admin")
    url = f"{notifications(world)}/{VM}"
    document = api.get(url).json()["data"]
    posted = api.post(url, {"data": {**document, "subject": "New subject"}})
    assert posted.status_code == 200
    data = posted.json()["data"]
    assert data["subject"] == "New subject"
    assert data["account_overridden"] is True
    assert {t for t in data["templates"]} == {"text/html", "text/plain"}
    fetched = api.get(url).json()["data"]
    assert data == fetched


# 6. Paging parameters are validated on every list.

LISTS = [
    "/v2/notifications",
    "/v2/accounts/{C1}/notifications",
    "/v2/accounts/{C1}/notifications/smtplog",
    "/v2/accounts/{C1}/children",
    "/v2/accounts/{C1}/descendants",
    "/v2/accounts/{C1}/users",
    "/v2/accounts/{C1}/apps_store",
    "/v2/accounts/{C1}/external_numbers",
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "size, message", [("0", "page size must be at least 1"), ("-3", None), ("abc", None)]
)
def test_bad_page_size_is_kazoos_faulty_request(world, path, size, message):
    response = world.api("C1_admin").get(
        path.replace("{C1}", world.id("C1")) + f"?page_size={size}"
    )
    assert response.status_code == 404
    body = response.json()
    assert body["message"] == "faulty_request"
    expected = message or ("invalid page size" if size == "abc" else "page size must be at least 1")
    assert body["data"] == {"message": expected}


# 3. Start-up reads Monster makes before it can open the branding editor.


def test_apps_store_lists_the_branding_app_this_service_serves(world):
    response = world.api("C1_admin").get(f"/v2/accounts/{world.id('C1')}/apps_store")
    assert response.status_code == 200
    (app,) = response.json()["data"]
    assert app["name"] == "whitelabel"
    assert app["allowed_users"] == "all"
    assert app["api_url"].endswith("/v2/")
    assert app["i18n"]["en-US"]["label"]
    one = world.api("C1_admin").get(f"/v2/accounts/{world.id('C1')}/apps_store/{app['id']}")
    assert one.json()["data"] == app


def test_external_numbers_is_an_empty_list(world):
    response = world.api("C1_user").get(f"/v2/accounts/{world.id('C1')}/external_numbers")
    assert response.status_code == 200
    assert response.json()["data"] == []


def test_start_up_reads_keep_tenancy(world):
    for path in ("apps_store", "external_numbers", "whitelabel"):
        response = world.api("C2_admin").get(f"/v2/accounts/{world.id('C1')}/{path}")
        assert response.status_code == 403


def test_whitelabel_reads_answer_kazoos_404_when_there_is_none(world, anon):
    response = world.api("C1_admin").get(f"/v2/accounts/{world.id('C1')}/whitelabel")
    assert response.status_code == 404
    assert response.json()["data"]["cause"] == "whitelabel"
    assert anon.get("/v2/whitelabel/portal.example.net").status_code == 404
