"""text/x-sms, the third template body type: upload, read, delete, lengths, preview."""

import pytest

pytestmark = pytest.mark.django_db

VM = "voicemail_to_email"
SMS = "text/x-sms"


def notif(world, account, template_id=VM):
    return f"/v2/accounts/{world.id(account)}/notifications/{template_id}"


def upload(api, path, source, content_type=SMS):
    return api.post(path, source, content_type=content_type)


def test_upload_sms_body_answers_the_template_with_its_length(world):
    response = upload(world.api("R_admin"), notif(world, "R"), "Voicemail from {{caller_id.name}}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["templates"][SMS] == {"length": len("Voicemail from {{caller_id.name}}")}
    assert data["account_overridden"] is True


def test_sms_body_is_read_back_with_the_accept_header(world):
    api = world.api("R_admin")
    upload(api, notif(world, "R"), "Hi {{user.first_name}}")
    response = api.get(notif(world, "R"), headers={"Accept": SMS})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(SMS)
    assert response.content.decode() == "Hi {{user.first_name}}"
    assert response["Content-Disposition"] == f'attachment; filename="{VM}.sms"'


def test_sms_body_is_read_back_with_the_accept_query_parameter(world):
    api = world.api("R_admin")
    upload(api, notif(world, "R"), "Hi there")
    response = api.get(notif(world, "R") + f"?accept={SMS}")
    assert response["Content-Type"].startswith(SMS)
    assert response.content == b"Hi there"


@pytest.mark.parametrize("how", ["header", "query"])
def test_template_without_sms_body_is_406(world, how):
    api = world.api("R_admin")
    if how == "header":
        response = api.get(notif(world, "R"), headers={"Accept": SMS})
    else:
        response = api.get(notif(world, "R") + f"?accept={SMS}")
    assert response.status_code == 406
    assert response.json()["error"] == "406"


def test_sms_accept_on_unknown_id_is_404(world):
    response = world.api("R_admin").get(notif(world, "R", "nope"), headers={"Accept": SMS})
    assert response.status_code == 404


def test_system_path_takes_an_sms_body_from_superduper(world):
    api = world.api("master_admin")
    response = upload(api, f"/v2/notifications/{VM}", "System SMS {{caller_id.name}}")
    assert response.status_code == 200
    fetched = world.api("C1_user").get(f"/v2/notifications/{VM}?accept={SMS}")
    assert fetched.content.decode() == "System SMS {{caller_id.name}}"


def test_system_sms_upload_is_superduper_only(world):
    response = upload(world.api("R_admin"), f"/v2/notifications/{VM}", "x")
    assert response.status_code == 403


def test_sms_body_inherits_per_type_down_the_chain(world):
    upload(world.api("R_admin"), notif(world, "R"), "R sms")
    upload(world.api("C1_admin"), notif(world, "C1"), "C1 text", content_type="text/plain")
    api = world.api("G_admin")
    assert api.get(notif(world, "G") + f"?accept={SMS}").content == b"R sms"
    assert api.get(notif(world, "G") + "?accept=text/plain").content == b"C1 text"
    assert api.get(notif(world, "G")).json()["data"]["templates"][SMS] == {"length": 5}


def test_sms_length_is_bytes_of_the_effective_body(world):
    api = world.api("R_admin")
    upload(api, notif(world, "R"), "Grüße ✓")
    data = api.get(notif(world, "R")).json()["data"]
    assert data["templates"][SMS]["length"] == len("Grüße ✓".encode())


def test_delete_with_sms_content_type_removes_only_the_sms_body(world):
    api = world.api("R_admin")
    upload(api, notif(world, "R"), "mine")
    upload(api, notif(world, "R"), "plain mine", content_type="text/plain")
    response = api.delete(notif(world, "R"), "", content_type=SMS)
    assert response.status_code == 200
    assert response.json()["data"] == {}
    assert api.get(notif(world, "R") + f"?accept={SMS}").status_code == 406
    assert api.get(notif(world, "R") + "?accept=text/plain").content == b"plain mine"


def test_delete_missing_sms_body_is_404_with_content_type_cause(world):
    api = world.api("R_admin")
    upload(api, notif(world, "R"), "plain", content_type="text/plain")
    response = api.delete(notif(world, "R"), "", content_type=SMS)
    assert response.status_code == 404
    assert response.json()["data"] == {"cause": SMS, "message": "bad identifier"}


def test_sms_source_over_the_limit_is_400_max_length(world):
    response = upload(world.api("R_admin"), notif(world, "R"), "x" * 1601)
    assert response.status_code == 400
    error = response.json()["data"][SMS]["maxLength"]
    assert error["target"] == 1600
    assert error["value"] == 1601


def test_sms_source_at_the_limit_is_accepted(world):
    assert upload(world.api("R_admin"), notif(world, "R"), "é" * 1600).status_code == 200


def test_sms_max_length_follows_the_setting(world, settings):
    settings.SMS_MAX_LENGTH = 10
    response = upload(world.api("R_admin"), notif(world, "R"), "x" * 11)
    assert response.json()["data"][SMS]["maxLength"]["target"] == 10


def test_invalid_mustache_sms_is_400_invalid_template(world):
    response = upload(world.api("R_admin"), notif(world, "R"), "{{#open}}x")
    assert response.status_code == 400
    assert "open" in response.json()["data"][SMS]["invalid_template"]["message"]


def test_sms_partials_are_refused(world):
    response = upload(world.api("R_admin"), notif(world, "R"), "{{> secret}}")
    assert response.json()["data"][SMS]["invalid_template"]["cause"] == "{{> secret}}"


def test_sms_body_upload_needs_write_rights(world):
    assert upload(world.api("C1_user"), notif(world, "C1"), "x").status_code == 403
    assert upload(world.api("D_admin"), notif(world, "C1"), "x").status_code == 403


# --- preview ----------------------------------------------------------------------------------


def preview(world, account="C1", template_id=VM):
    return f"/v2/accounts/{world.id(account)}/notifications/{template_id}/preview?send=false"


def test_preview_renders_a_raw_sms_string_without_html_escaping(world):
    body = {"data": {"sms": "Hi {{user.first_name}}", "macros": {"user.first_name": "<Tom & Jo>"}}}
    response = world.api("C1_admin").post(preview(world), body)
    assert response.status_code == 200
    assert response.json()["data"][SMS] == "Hi <Tom & Jo>"


def test_preview_renders_the_stored_sms_body(world):
    upload(world.api("R_admin"), notif(world, "R"), "Stored {{user.first_name}}")
    body = {"data": {"macros": {"user": {"first_name": "Zed"}}}}
    data = world.api("C1_admin").post(preview(world), body).json()["data"]
    assert data[SMS] == "Stored Zed"
    assert set(data) == {"subject", "text/plain", "text/html", SMS}


def test_preview_without_sms_body_has_no_sms_result(world):
    data = world.api("C1_admin").post(preview(world), {"data": {}}).json()["data"]
    assert SMS not in data


def test_preview_sms_over_the_limit_is_400_on_sms(world):
    response = world.api("C1_admin").post(preview(world), {"data": {"sms": "x" * 1601}})
    assert response.status_code == 400
    assert "maxLength" in response.json()["data"]["sms"]


def test_preview_invalid_sms_mustache_is_400_on_sms(world):
    response = world.api("C1_admin").post(preview(world), {"data": {"sms": "{{#x}}"}})
    assert "invalid_template" in response.json()["data"]["sms"]


def test_preview_sms_must_be_a_string(world):
    response = world.api("C1_admin").post(preview(world), {"data": {"sms": 5}})
    assert response.json()["data"]["sms"]["type"]["target"] == "string"


def test_openapi_lists_the_sms_content_type_for_template_bodies(anon):
    schema = anon.get("/v2/openapi.json").json()
    operation = schema["paths"]["/v2/accounts/{account_id}/notifications/{notification_id}"]
    assert SMS in operation["post"]["requestBody"]["content"]
    assert SMS in operation["get"]["responses"]["200"]["content"]
