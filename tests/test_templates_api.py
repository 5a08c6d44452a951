"""The notification templates API: catalogue, overrides, inheritance, bodies, bulk actions."""

import pytest

pytestmark = pytest.mark.django_db

VM = "voicemail_to_email"


def override(subject="Hello {{user.first_name}}", **extra):
    return {
        "data": {
            "id": VM,
            "from": "reseller@example.com",
            "subject": subject,
            "to": {"type": "original"},
            **extra,
        }
    }


def notif(world, account, template_id=""):
    base = f"/v2/accounts/{world.id(account)}/notifications"
    return f"{base}/{template_id}" if template_id else base


# --- system catalogue -----------------------------------------------------------------------


def test_system_list_has_all_38_templates_for_superduper_sorted_by_id(world):
    body = world.api("master_admin").get("/v2/notifications").json()
    ids = [entry["id"] for entry in body["data"]]
    assert len(ids) == 38
    assert ids == sorted(ids)
    assert "skel" not in ids
    assert {"system_alert", "port_request_admin"} <= set(ids)
    assert all("account_overridden" not in entry for entry in body["data"])


def test_system_category_is_hidden_from_non_superduper(world):
    ids = {e["id"] for e in world.api("R_admin").get("/v2/notifications").json()["data"]}
    assert len(ids) == 36
    assert "system_alert" not in ids and "port_request_admin" not in ids


def test_system_template_read_has_kazoo_fields_and_macros(world):
    data = world.api("C1_user").get(f"/v2/notifications/{VM}").json()["data"]
    assert data["id"] == VM
    assert data["friendly_name"] == "Voicemail To Email"
    assert data["category"] == "voicemail"
    assert data["to"] == {"type": "original"}
    assert data["cc"] == {"type": "specified", "email_addresses": []}
    assert data["subject"] == "New voicemail from {{caller_id.name_number}}"
    assert data["macros"]["caller_id.name_number"]["i18n_label"] == "caller_id_name_number"
    assert len(data["macros"]) == 37
    assert set(data["templates"]) == {"text/html", "text/plain"}
    assert data["templates"]["text/html"]["length"] > 500


def test_customer_update_own_macros_shadow_the_user_group(world):
    macros = (
        world.api("master_admin").get("/v2/notifications/customer_update").json()["data"]["macros"]
    )
    assert macros["user.first_name"]["i18n_label"] == "first_name"
    assert len(macros) == 17


def test_system_writes_are_superduper_only(world):
    api = world.api("R_admin")
    assert api.put("/v2/notifications", override()).status_code == 403
    assert api.post(f"/v2/notifications/{VM}", override()).status_code == 403
    assert api.delete(f"/v2/notifications/{VM}").status_code == 403


def test_superduper_creates_a_new_system_template_with_customer_update_macros(world):
    body = override()
    body["data"]["id"] = "maintenance_notice"
    response = world.api("master_admin").put("/v2/notifications", body)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"] == "maintenance_notice"
    assert "user.first_name" in data["macros"]
    listed = world.api("R_admin").get("/v2/notifications").json()["data"]
    assert "maintenance_notice" in {e["id"] for e in listed}


def test_superduper_put_of_existing_system_id_is_409(world):
    response = world.api("master_admin").put("/v2/notifications", override())
    assert response.status_code == 409
    assert response.json()["message"] == "datastore_conflict"


def test_superduper_post_replaces_system_template(world):
    api = world.api("master_admin")
    response = api.post(f"/v2/notifications/{VM}", override(subject="New {{x}}"))
    assert response.status_code == 200
    data = api.get(f"/v2/notifications/{VM}").json()["data"]
    assert data["subject"] == "New {{x}}"
    assert "friendly_name" not in data  # replace, not merge


def test_superduper_deletes_system_template_and_overrides_become_account_defined(world):
    api = world.api("master_admin")
    world.api("R_admin").put(notif(world, "R"), override())
    assert api.delete(f"/v2/notifications/{VM}").status_code == 200
    assert api.get(f"/v2/notifications/{VM}").status_code == 404
    data = world.api("R_admin").get(notif(world, "R", VM)).json()["data"]
    assert data["account_defined"] is True
    assert "account_overridden" not in data


def test_system_collection_actions_are_refused(world):
    response = world.api("master_admin").put("/v2/notifications?action=force_system", {})
    assert response.status_code == 400
    assert response.json()["data"]["force_system"]["forbidden"]["message"] == (
        "Can not perform mutation action on top-level notification templates"
    )


# --- overrides ------------------------------------------------------------------------------


def test_put_override_returns_201_without_flag_or_templates(world):
    response = world.api("R_admin").put(notif(world, "R"), override())
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"] == VM
    assert data["enabled"] is True
    assert data["template_charset"] == "utf-8"
    assert "account_overridden" not in data
    assert "templates" not in data
    assert "caller_id.name" in data["macros"]


def test_repeated_put_is_409(world):
    api = world.api("R_admin")
    assert api.put(notif(world, "R"), override()).status_code == 201
    response = api.put(notif(world, "R"), override())
    assert response.status_code == 409
    assert response.json()["data"] == {"message": "conflicting documents"}


def test_put_id_without_system_default_is_404(world):
    body = override()
    body["data"]["id"] = "no_such_template"
    response = world.api("R_admin").put(notif(world, "R"), body)
    assert response.status_code == 404
    assert response.json()["data"] == {
        "cause": "notification.no_such_template",
        "message": "bad identifier",
    }


def test_put_without_id_is_400_required(world):
    body = override()
    del body["data"]["id"]
    response = world.api("R_admin").put(notif(world, "R"), body)
    assert response.status_code == 400
    assert response.json()["data"]["id"]["required"]["value"] == "id"


def test_schema_errors_use_kazoo_shape(world):
    body = {"data": {"id": VM, "from": "nope", "to": {"type": "users"}, "subject": "x" * 201}}
    response = world.api("R_admin").put(notif(world, "R"), body)
    assert response.status_code == 400
    data = response.json()["data"]
    assert data["to.type"]["enum"] == {
        "message": "Value not found in enumerated list of values",
        "target": ["original", "specified", "admins"],
        "value": "users",
    }
    assert data["from"]["wrong_format"]["format"] == "email"
    assert data["subject"]["maxLength"]["target"] == 200


def test_missing_required_fields_are_each_reported(world):
    response = world.api("R_admin").put(notif(world, "R"), {"data": {"id": VM}})
    data = response.json()["data"]
    assert set(data) == {"from", "subject", "to"}
    assert data["subject"] == {
        "required": {"message": "Field is required but missing", "value": "subject"}
    }


def test_account_list_flags_own_overrides_only(world):
    world.api("R_admin").put(notif(world, "R"), override())
    own = {e["id"]: e for e in world.api("R_admin").get(notif(world, "R")).json()["data"]}
    child = {e["id"]: e for e in world.api("R_admin").get(notif(world, "C1")).json()["data"]}
    assert own[VM]["account_overridden"] is True
    assert own[VM]["friendly_name"] == "Voicemail To Email"
    assert "account_overridden" not in child[VM]
    assert "account_overridden" not in own["deregister"]


def test_get_one_without_override_is_the_system_default(world):
    data = world.api("C1_admin").get(notif(world, "C1", VM)).json()["data"]
    assert "account_overridden" not in data
    assert data["friendly_name"] == "Voicemail To Email"


def test_inherited_reseller_override_is_flagged_account_overridden(world):
    world.api("R_admin").put(notif(world, "R"), override(subject="From R"))
    data = world.api("C1_admin").get(notif(world, "G", VM)).json()["data"]
    assert data["account_overridden"] is True
    assert data["subject"] == "From R"


def test_override_of_another_reseller_is_not_inherited(world):
    world.api("R2_admin").put(notif(world, "R2"), override(subject="From R2"))
    data = world.api("C1_admin").get(notif(world, "C1", VM)).json()["data"]
    assert data["subject"] == "New voicemail from {{caller_id.name_number}}"


def test_post_json_replaces_fields(world):
    api = world.api("R_admin")
    api.put(notif(world, "R"), override(cc={"type": "specified", "email_addresses": ["a@b.co"]}))
    body = override(subject="Replaced", macros={"x": {}}, account_overridden=False)
    response = api.post(notif(world, "R", VM), body)
    assert response.status_code == 200
    data = api.get(notif(world, "R", VM)).json()["data"]
    assert data["subject"] == "Replaced"
    assert "cc" not in data
    assert data["account_overridden"] is True
    assert "x" not in data["macros"]


def test_post_json_on_account_without_override_creates_it_there_only(world):
    api = world.api("R_admin")
    assert api.post(notif(world, "C1", VM), override(subject="C1 only")).status_code == 200
    assert api.get(notif(world, "C1", VM)).json()["data"]["subject"] == "C1 only"
    assert "account_overridden" not in api.get(notif(world, "R", VM)).json()["data"]


def test_post_json_validates_the_full_schema(world):
    response = world.api("R_admin").post(notif(world, "R", VM), {"data": {"subject": "x"}})
    assert response.status_code == 400
    assert "required" in response.json()["data"]["from"]


def test_post_unknown_id_is_404(world):
    response = world.api("R_admin").post(notif(world, "R", "nope"), override())
    assert response.status_code == 404


def test_smtplog_is_not_a_template_id(world):
    body = override()
    body["data"]["id"] = "smtplog"
    assert world.api("master_admin").put("/v2/notifications", body).status_code == 400


# --- bodies ---------------------------------------------------------------------------------


def upload(api, path, content_type, source):
    return api.post(path, source, content_type=content_type)


def test_upload_html_body_then_fetch_it_by_accept(world):
    api = world.api("R_admin")
    html = "<p>Hi {{user.first_name}}</p>"
    response = upload(api, notif(world, "R", VM), "text/html", html)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == VM
    assert data["templates"]["text/html"] == {"length": len(html)}
    assert data["account_overridden"] is True
    fetched = api.get(notif(world, "R", VM), headers={"Accept": "text/html"})
    assert fetched.status_code == 200
    assert fetched["Content-Type"].startswith("text/html")
    assert fetched.content.decode() == html
    assert fetched["Content-Disposition"] == f'attachment; filename="{VM}.html"'


def test_accept_query_parameter_selects_the_plain_body(world):
    api = world.api("R_admin")
    upload(api, notif(world, "R", VM), "text/plain", "Plain {{user.first_name}}")
    response = api.get(notif(world, "R", VM) + "?accept=text/plain")
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "Plain {{user.first_name}}"
    assert response["Content-Disposition"].endswith(f'{VM}.txt"')


def test_upload_keeps_the_effective_metadata(world):
    world.api("R_admin").put(notif(world, "R"), override(subject="Reseller subject"))
    upload(world.api("C1_admin"), notif(world, "C1", VM), "text/plain", "C1 text")
    data = world.api("C1_admin").get(notif(world, "C1", VM)).json()["data"]
    assert data["subject"] == "Reseller subject"
    r_plain = world.api("R_admin").get(notif(world, "R", VM), headers={"Accept": "text/plain"})
    assert r_plain.content.decode() != "C1 text"


def test_bodies_inherit_per_type_through_the_reseller_chain(world):
    upload(world.api("R_admin"), notif(world, "R", VM), "text/html", "<p>R html</p>")
    upload(world.api("C1_admin"), notif(world, "C1", VM), "text/plain", "C1 text")
    api = world.api("G_admin")
    html = api.get(notif(world, "G", VM), headers={"Accept": "text/html"}).content.decode()
    text = api.get(notif(world, "G", VM), headers={"Accept": "text/plain"}).content.decode()
    assert html == "<p>R html</p>"
    assert text == "C1 text"
    lengths = api.get(notif(world, "G", VM)).json()["data"]["templates"]
    assert lengths == {"text/html": {"length": 13}, "text/plain": {"length": 7}}


def test_template_lengths_are_bytes_not_characters(world):
    api = world.api("R_admin")
    upload(api, notif(world, "R", VM), "text/plain", "Grüße ✓")
    data = api.get(notif(world, "R", VM)).json()["data"]
    assert data["templates"]["text/plain"]["length"] == len("Grüße ✓".encode())


def test_invalid_mustache_upload_is_400_with_parser_message(world):
    response = upload(world.api("R_admin"), notif(world, "R", VM), "text/html", "{{#open}}x")
    assert response.status_code == 400
    assert response.json()["message"] == "validation error"
    message = response.json()["data"]["text/html"]["invalid_template"]["message"]
    assert "open" in message


def test_uploaded_html_is_sanitized_and_mustache_survives(world):
    api = world.api("R_admin")
    html = (
        '<p onclick="x()">Hi {{user.first_name}}<script>alert(1)</script></p>'
        '<a href="{{link}}">reset</a><img src="javascript:alert(1)">'
    )
    upload(api, notif(world, "R", VM), "text/html", html)
    stored = api.get(notif(world, "R", VM), headers={"Accept": "text/html"}).content.decode()
    assert "<script" not in stored and "onclick" not in stored and "javascript:" not in stored
    assert "{{user.first_name}}" in stored
    assert 'href="{{link}}"' in stored


@pytest.mark.parametrize("how", ["header", "query"])
def test_missing_body_type_is_406_for_header_and_query(world, how):
    body = override()
    body["data"]["id"] = "bodiless"
    world.api("master_admin").put("/v2/notifications", body)
    api = world.api("R_admin")
    if how == "header":
        response = api.get(notif(world, "R", "bodiless"), headers={"Accept": "text/html"})
    else:
        response = api.get(notif(world, "R", "bodiless") + "?accept=text/html")
    assert response.status_code == 406
    assert response.json()["error"] == "406"


def test_accept_on_unknown_id_is_404_not_406(world):
    response = world.api("R_admin").get(notif(world, "R", "nope"), headers={"Accept": "text/html"})
    assert response.status_code == 404


def test_unsupported_accept_type_is_406(world):
    response = world.api("R_admin").get(
        notif(world, "R", VM), headers={"Accept": "application/pdf"}
    )
    assert response.status_code == 406


def test_upload_as_form_content_type_is_treated_as_json(world):
    response = world.api("R_admin").post(
        notif(world, "R", VM),
        '{"data": {"from": "a@b.co", "subject": "s", "to": {"type": "admins"}}}',
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200


def test_upload_as_multipart_is_415(world):
    response = world.api("R_admin").post(
        notif(world, "R", VM), "--x\r\n", content_type="multipart/form-data; boundary=x"
    )
    assert response.status_code == 415


# --- deletes --------------------------------------------------------------------------------


def test_delete_override_falls_back_to_system(world):
    api = world.api("R_admin")
    api.put(notif(world, "R"), override(subject="Mine"))
    response = api.delete(notif(world, "R", VM))
    assert response.status_code == 200
    assert response.json()["data"]["_read_only"] == {"deleted": True}
    data = api.get(notif(world, "R", VM)).json()["data"]
    assert "account_overridden" not in data
    assert data["subject"].startswith("New voicemail")


def test_delete_without_own_override_is_404(world):
    world.api("R_admin").put(notif(world, "R"), override())
    response = world.api("R_admin").delete(notif(world, "C1", VM))
    assert response.status_code == 404
    assert response.json()["data"]["cause"] == f"notification.{VM}"


def test_delete_with_html_content_type_removes_only_that_body(world):
    api = world.api("R_admin")
    upload(api, notif(world, "R", VM), "text/html", "<p>mine</p>")
    upload(api, notif(world, "R", VM), "text/plain", "mine")
    response = api.delete(notif(world, "R", VM), "", content_type="text/html")
    assert response.status_code == 200
    assert response.json()["data"] == {}
    assert api.get(notif(world, "R", VM) + "?accept=text/plain").content == b"mine"
    inherited = api.get(notif(world, "R", VM) + "?accept=text/html").content.decode()
    assert inherited != "<p>mine</p>"  # back to the system html


def test_delete_missing_body_is_404_with_content_type_cause(world):
    api = world.api("R_admin")
    api.put(notif(world, "R"), override())
    response = api.delete(notif(world, "R", VM), "", content_type="text/plain")
    assert response.status_code == 404
    assert response.json()["data"] == {"cause": "text/plain", "message": "bad identifier"}


# --- bulk actions ---------------------------------------------------------------------------


def test_force_system_copies_every_system_template(world):
    api = world.api("R_admin")
    response = api.put(notif(world, "C1") + "?action=force_system", {})
    assert response.status_code == 201
    assert response.json()["data"][VM] == "replaced"
    entries = api.get(notif(world, "C1")).json()["data"]
    assert all(e.get("account_overridden") for e in entries)


def test_force_system_action_in_the_body(world):
    response = world.api("R_admin").put(notif(world, "C1"), {"action": "force_system", "data": {}})
    assert response.status_code == 201


def test_remove_customizations_deletes_every_override(world):
    api = world.api("R_admin")
    api.put(notif(world, "C1"), override())
    response = api.delete(notif(world, "C1") + "?action=remove_customizations")
    assert response.status_code == 200
    assert response.json()["data"] == {VM: "deleted"}
    again = api.delete(notif(world, "C1") + "?action=remove_customizations")
    assert again.json()["data"] == {"message": "no template customization(s) found"}


def test_collection_delete_without_action_is_400(world):
    response = world.api("R_admin").delete(notif(world, "C1"))
    assert response.status_code == 400
    assert response.json()["data"]["action"]["required"]["value"] == "action"


def test_unknown_action_is_400_unknown_mutation(world):
    response = world.api("R_admin").delete(notif(world, "C1") + "?action=explode")
    assert response.status_code == 400
    assert response.json()["data"]["explode"]["forbidden"]["message"] == "Unknown mutation action"


# --- tenancy and query counts ---------------------------------------------------------------

TEMPLATE_ENDPOINTS = [
    ("GET", "", None),
    ("PUT", "", "override"),
    ("DELETE", "?action=remove_customizations", None),
    ("GET", VM, None),
    ("POST", VM, "override"),
    ("DELETE", VM, None),
]


@pytest.mark.parametrize(("method", "suffix", "data"), TEMPLATE_ENDPOINTS)
@pytest.mark.parametrize("outsider", ["R2_admin", "D_admin", "C2_admin"])
def test_outsiders_get_403_on_every_template_endpoint(world, outsider, method, suffix, data):
    path = notif(world, "C1") + ("/" + suffix if suffix and not suffix.startswith("?") else suffix)
    response = world.api(outsider).request(method, path, override() if data else None)
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "suffix", "data"), TEMPLATE_ENDPOINTS)
def test_plain_users_may_only_read_templates(world, method, suffix, data):
    path = notif(world, "C1") + ("/" + suffix if suffix and not suffix.startswith("?") else suffix)
    response = world.api("C1_user").request(method, path, override() if data else None)
    assert (response.status_code == 403) == (method != "GET")


def test_anonymous_gets_401_on_account_templates(world, anon):
    assert anon.get(notif(world, "C1", VM)).status_code == 401


@pytest.mark.parametrize("account", ["R", "C1", "G"])
def test_get_one_costs_a_bounded_number_of_queries(world, account, django_assert_max_num_queries):
    world.api("R_admin").put(notif(world, "R"), override())
    api = world.api("R_admin")
    with django_assert_max_num_queries(6):
        assert api.get(notif(world, account, VM)).status_code == 200
    with django_assert_max_num_queries(6):
        assert (
            api.get(notif(world, account, VM), headers={"Accept": "text/html"}).status_code == 200
        )
