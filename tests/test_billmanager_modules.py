"""BILLmanager gateway modules run for real: tests/modules/gate/gwtest and gwbad.

``MODULE_DIR`` plays ``CHANNELS_MODULE_DIR``. Modules that must not be committed
(escaping symlinks, copies whose mtime we change) are built in ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliveries.transports import DeliveryError, SendResult
from gateways.modules import (
    MODULE_ENV,
    Completed,
    ModuleCrashed,
    ModuleNotFound,
    channel_of,
    check_connection,
    clear_features_cache,
    discover,
    features,
    ingoing,
    load_module,
    locate,
    outgoing,
    recipient,
    run_module,
    settings_schema,
)
from gateways.modules.protocol import outgoing_document
from gateways.modules.xmlio import (
    add_params,
    parse_untrusted,
    text_value,
    to_bytes,
    valid_param_name,
)

MODULE_DIR = Path(__file__).resolve().parent / "modules"
TIMEOUT = 2.0
GOOD_LOGIN = {"login": "demo", "password": "secret"}
PROJECT = {"name": "Acme Hosting", "id": "a" * 32, "realm": "acme.example"}


@pytest.fixture
def gwtest():
    return load_module(MODULE_DIR, "gwtest")


@pytest.fixture
def gwbad():
    return load_module(MODULE_DIR, "gwbad")


@pytest.fixture
def outbox(tmp_path):
    return tmp_path / "outbox.jsonl"


def sent_records(outbox: Path) -> list[dict]:
    if not outbox.exists():
        return []
    return [json.loads(line) for line in outbox.read_text().splitlines()]


def send(module, params, text="Your invoice is ready", **kw):
    user = recipient("sms", "+15551234567", name="Bob", id="b" * 32)
    return outgoing(module, params, text, user, PROJECT, TIMEOUT, **kw)


def bad_send(gwbad, mode: str, timeout: float = TIMEOUT, **params) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        outgoing(gwbad, {"mode": mode, **params}, "hello", {"phone": "+1555"}, {}, timeout)
    return caught.value


def make_module_dir(tmp_path: Path) -> Path:
    root = tmp_path / "mgr"
    (root / "gate").mkdir(parents=True)
    (root / "etc" / "xml").mkdir(parents=True)
    return root


def write_script(path: Path, body: str) -> Path:
    path.write_text(body)
    path.chmod(0o755)
    return path


# --- discovery ---------------------------------------------------------------------


def test_discover_lists_installed_modules_sorted_by_name():
    assert [m.name for m in discover(MODULE_DIR)] == ["gwbad", "gwtest"]


def test_discover_of_missing_dir_is_empty(tmp_path):
    assert discover(tmp_path / "nope") == []


def test_form_fields_carry_required_and_password_as_secret(gwtest):
    fields = {f.name: f for f in gwtest.form}
    assert list(fields) == ["login", "password", "sender", "route", "outbox"]
    assert gwtest.required_params == ["login", "password"]
    assert gwtest.secret_params == ["password"]
    assert fields["password"].input == "password"
    assert fields["route"].choices == ("direct", "cheap")


def test_labels_and_hints_prefer_english_then_the_first_language(gwtest):
    fields = {f.name: f for f in gwtest.form}
    assert (fields["login"].label, fields["login"].hint) == ("Login", "Login to the test provider")
    assert (fields["sender"].label, fields["sender"].hint) == ("Отправитель", "Подпись отправителя")
    assert fields["outbox"].label == "Outbox file"
    assert gwtest.title == "Test SMS server"
    assert gwtest.description == "Test SMS gateway"


def test_module_without_english_takes_its_first_language(gwbad):
    assert gwbad.title == "Kaputtes Modul"
    assert {f.name: f.label for f in gwbad.form} == {"mode": "Modus", "pidfile": "pidfile"}


def test_params_schema_for_gateway_kinds(gwtest):
    described = gwtest.as_dict()
    schema = described["params_schema"]
    assert described["name"] == "gwtest"
    assert described["secret_params"] == ["password"]
    assert schema["required"] == ["login", "password"]
    assert schema["properties"]["password"]["x-secret"] is True
    assert schema["properties"]["login"]["title"] == "Login"
    assert schema["additionalProperties"] is False


def test_settings_schema_accepts_valid_and_refuses_bad_settings():
    schema = settings_schema(discover(MODULE_DIR))
    jsonschema.validate({"module": "gwtest", "params": GOOD_LOGIN}, schema)
    bad = [
        {"module": "gwtest", "params": {"login": "demo"}},  # password required
        {"module": "gwtest", "params": {**GOOD_LOGIN, "unknown": "x"}},
        {"module": "gwnope", "params": {}},
        {"module": "../gwtest", "params": {}},
    ]
    for settings_ in bad:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(settings_, schema)


def test_settings_schema_is_valid_draft4_and_draft7_even_with_no_module():
    for modules in (discover(MODULE_DIR), []):
        schema = settings_schema(modules)
        jsonschema.Draft4Validator.check_schema(schema)
        jsonschema.Draft7Validator.check_schema(schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"module": "gwtest", "params": {}}, settings_schema([]))


def test_param_names_must_be_plain_unreserved_xml_names():
    assert valid_param_name("login") and valid_param_name("api_key.v2")
    for name in ("xmlparams", "XMLfoo", "login\n", "1st", "bad name", "a:b", ""):
        assert not valid_param_name(name), name


def test_module_without_description_takes_any_string_params(tmp_path):
    root = make_module_dir(tmp_path)
    write_script(root / "gate" / "gwplain", "#!/bin/sh\nexit 0\n")
    (module,) = discover(root)
    assert module.form == () and not module.has_description
    jsonschema.validate({"anything": "goes"}, module.params_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"xmlparams": "x"}, module.params_schema())


def test_unsafe_description_is_reported_and_the_module_still_listed(tmp_path):
    root = make_module_dir(tmp_path)
    write_script(root / "gate" / "gwx", "#!/bin/sh\nexit 0\n")
    (root / "etc" / "xml" / "billmgr_mod_gwx.xml").write_text(
        '<!DOCTYPE m [<!ENTITY e SYSTEM "file:///etc/passwd">]><mgrdata>&e;</mgrdata>'
    )
    (module,) = discover(root)
    assert module.description_error == "module output not understood"
    assert module.form == ()


def test_discover_skips_non_executables_directories_and_odd_names(tmp_path):
    root = make_module_dir(tmp_path)
    gate = root / "gate"
    write_script(gate / "gwok", "#!/bin/sh\nexit 0\n")
    (gate / "readme.txt").write_text("not a module")
    (gate / "subdir").mkdir()
    write_script(gate / ".hidden", "#!/bin/sh\nexit 0\n")
    write_script(gate / "has space", "#!/bin/sh\nexit 0\n")
    assert [m.name for m in discover(root)] == ["gwok"]


def test_symlink_escaping_the_module_dir_is_refused(tmp_path):
    root = make_module_dir(tmp_path)
    outside = write_script(tmp_path / "outside.sh", "#!/bin/sh\necho pwned\n")
    (root / "gate" / "gwescape").symlink_to(outside)
    (root / "gate" / "gwsh").symlink_to("/bin/sh")
    assert discover(root) == []
    for name in ("gwescape", "gwsh"):
        with pytest.raises(ModuleNotFound, match="outside"):
            locate(root, name)


def test_dotdot_and_path_names_are_refused():
    names = ("..", "../gate/gwtest", "gate/gwtest", "/bin/sh", "", ".gwtest", "gw;sh", "gwtest\n")
    for name in names:
        with pytest.raises(ModuleNotFound):
            locate(MODULE_DIR, name)


def test_symlink_inside_the_module_dir_is_allowed(tmp_path):
    root = make_module_dir(tmp_path)
    (root / "bin").mkdir()
    write_script(root / "bin" / "real", "#!/bin/sh\nexit 0\n")
    (root / "gate" / "gwlink").symlink_to(root / "bin" / "real")
    assert [m.name for m in discover(root)] == ["gwlink"]


def test_module_swapped_for_an_escaping_symlink_after_discovery_is_not_run(tmp_path, outbox):
    root = make_module_dir(tmp_path)
    shutil.copy2(MODULE_DIR / "gate" / "gwtest", root / "gate" / "gwtest")
    module = load_module(root, "gwtest")
    (root / "gate" / "gwtest").unlink()
    (root / "gate" / "gwtest").symlink_to(MODULE_DIR / "gate" / "gwtest")
    with pytest.raises(DeliveryError, match="outside") as caught:
        send(module, {**GOOD_LOGIN, "outbox": str(outbox)})
    assert caught.value.permanent
    assert sent_records(outbox) == []


# --- features ----------------------------------------------------------------------


def test_features_map_feature_names_and_notify_module(gwtest):
    result = features(gwtest)
    assert result.features == ["formtune", "check_connection", "outgoing", "ingoing"]
    assert result.channel == "sms"


def test_features_ignore_unknown_names_and_map_custom_channel(gwbad):
    result = features(gwbad)
    assert result.features == ["outgoing", "check_connection", "ingoing"]
    assert result.channel == "jabber"


def test_notify_module_to_channel():
    assert channel_of("ntsms") == "sms"
    assert channel_of("ntemail") == "email"
    assert channel_of("ntjabber") == "jabber"
    assert channel_of("") is None
    assert channel_of("nt Bad!") is None


def test_features_are_cached_until_the_module_mtime_changes(tmp_path):
    clear_features_cache()
    root = make_module_dir(tmp_path)
    path = root / "gate" / "gwcopy"
    shutil.copy2(MODULE_DIR / "gate" / "gwtest", path)
    module = load_module(root, "gwcopy")
    assert features(module).channel == "sms"
    before = path.stat()
    path.write_text(path.read_text().replace('"ntsms"', '"ntfax"'))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert features(module).channel == "sms"  # same mtime: the cached answer
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert features(module).channel == "fax"


# --- check_connection --------------------------------------------------------------


def test_check_connection_succeeds_with_the_right_login(gwtest):
    assert check_connection(gwtest, GOOD_LOGIN, TIMEOUT) == (True, None)


def test_check_connection_reports_auth_error_for_a_wrong_login(gwtest):
    result = check_connection(gwtest, {"login": "demo", "password": "nope"}, TIMEOUT)
    assert result == (False, "auth: invalid login or password")


def test_check_connection_timeout_is_not_ok(gwbad):
    assert check_connection(gwbad, {"mode": "hang"}, 1) == (False, "module timed out")


def test_check_connection_garbage_is_not_ok(gwbad):
    assert check_connection(gwbad, {"mode": "garbage"}, TIMEOUT) == (
        False,
        "module output not understood",
    )


def test_check_connection_stdin_holds_params_and_xmlparams():
    doc = ET.Element("doc")
    add_params(doc, {"login": "demo", "password": "p<&>"})
    parsed = parse_untrusted(to_bytes(doc))
    assert parsed.findtext("login") == "demo"
    inner = ET.fromstring(parsed.findtext("xmlparams"))
    assert inner.tag == "doc"
    assert {c.tag: c.text for c in inner} == {"login": "demo", "password": "p<&>"}


# --- outgoing ----------------------------------------------------------------------


def test_outgoing_delivers_with_the_seed_document_shape(gwtest, outbox):
    params = {**GOOD_LOGIN, "sender": "ACME", "outbox": str(outbox)}
    assert send(gwtest, params) == SendResult(status="sent")
    (record,) = sent_records(outbox)
    assert record["message"] == "Your invoice is ready"
    assert record["params"] == params  # read back from <xmlparams>
    assert record["gateway"] == params  # and as elements of <gateway>
    assert record["user"] == {
        "phone": "+15551234567",
        "contact": "+15551234567",
        "name": "Bob",
        "id": "b" * 32,
    }
    assert record["project"] == PROJECT


def test_outgoing_message_text_is_data_not_markup(gwtest, outbox):
    text = "</message><error type='x'/> & ]]> \u00e9\u4e2d\U0001f600"
    send(gwtest, {**GOOD_LOGIN, "outbox": str(outbox)}, text)
    assert sent_records(outbox)[0]["message"] == text


def test_outgoing_subject_and_contact_are_set_at_the_root(gwtest, outbox):
    send(gwtest, {**GOOD_LOGIN, "outbox": str(outbox)}, subject="Invoice")
    assert sent_records(outbox)[0]["subject"] == "Invoice"
    doc = outgoing_document({}, "hi", {}, {}, contact=("jabber", "bob@example.com"))
    assert doc.findtext("jabber") == "bob@example.com"


def test_outgoing_large_stdin_is_written_fully(gwtest, outbox):
    text = "0123456789" * 40_000  # 400 kB: several pipe buffers
    send(gwtest, {**GOOD_LOGIN, "outbox": str(outbox)}, text)
    assert sent_records(outbox)[0]["message"] == text


def test_outgoing_doc_answer_without_error_is_sent(gwtest, outbox):
    result = send(gwtest, {**GOOD_LOGIN, "outbox": str(outbox)}, "REPLYDOC please")
    assert result.status == "sent"
    assert result.receipt == '<doc ok="yes" />'


def test_outgoing_error_answer_is_permanent_with_its_type_as_code(gwtest, outbox):
    with pytest.raises(DeliveryError) as caught:
        send(gwtest, {**GOOD_LOGIN, "outbox": str(outbox)}, "please FAILME")
    assert caught.value.permanent
    assert caught.value.code == "rejected"
    assert str(caught.value) == "message rejected by provider"
    assert sent_records(outbox) == []


def test_outgoing_nonzero_exit_is_transient_with_stderr(gwbad):
    error = bad_send(gwbad, "exit1")
    assert not error.permanent
    assert str(error) == "module exited with status 1: boom: provider unreachable"


def test_outgoing_error_with_nonzero_exit_is_transient_with_its_text(gwbad):
    error = bad_send(gwbad, "errorexit")
    assert not error.permanent
    assert "connect: cannot reach the provider" in str(error)


def test_secrets_in_module_stderr_are_masked(gwbad):
    error = bad_send(gwbad, "leak", api_token="tok-123456")
    assert str(error) == "module exited with status 1: auth failed with token <Encrypted>"


def test_secrets_in_module_error_text_are_masked(gwbad):
    error = bad_send(gwbad, "leakerror", api_token="tok-123456")
    assert (str(error), error.code) == ("token <Encrypted> refused", "auth")
    ok, why = check_connection(gwbad, {"mode": "leakerror", "api_token": "tok-123456"}, TIMEOUT)
    assert (ok, why) == (False, "auth: token <Encrypted> refused")


def test_outgoing_segfault_is_transient(gwbad):
    error = bad_send(gwbad, "segv")
    assert not error.permanent
    assert str(error) == "module killed by SIGSEGV"


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/status")
    try:
        return "State:\tZ" in status.read_text()  # killed, not yet reaped by init
    except FileNotFoundError:
        return True


def test_outgoing_timeout_is_transient_and_kills_the_process_group(gwbad, tmp_path):
    pidfile = tmp_path / "child.pid"
    started = time.monotonic()
    error = bad_send(gwbad, "hang", timeout=1, pidfile=str(pidfile))
    assert time.monotonic() - started < 1.8
    assert not error.permanent
    assert str(error) == "module timed out"
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 1
    while not _gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _gone(grandchild)


def test_outgoing_garbage_output_is_not_understood_and_permanent(gwbad):
    error = bad_send(gwbad, "garbage")
    assert error.permanent
    assert str(error) == "module output not understood"


def test_outgoing_billion_laughs_is_refused_not_expanded(gwbad):
    started = time.monotonic()
    error = bad_send(gwbad, "laughs")
    assert error.permanent
    assert str(error) == "module output not understood"
    assert time.monotonic() - started < 1.5


def test_outgoing_external_entity_is_refused(gwbad):
    error = bad_send(gwbad, "xxe")
    assert error.permanent
    assert str(error) == "module output not understood"
    assert "root:" not in str(error)


def test_outgoing_dtd_declaration_is_refused(gwbad):
    error = bad_send(gwbad, "dtd")
    assert error.permanent
    assert str(error) == "module output not understood"


def test_outgoing_stdout_over_one_mib_is_an_error(gwbad):
    error = bad_send(gwbad, "huge")
    assert error.permanent
    assert "output over 1048576 bytes" in str(error)


def test_outgoing_stderr_over_one_mib_is_an_error(gwbad):
    error = bad_send(gwbad, "hugeerr")
    assert error.permanent
    assert "output over 1048576 bytes" in str(error)


def test_outgoing_to_a_removed_module_is_permanent(tmp_path):
    root = make_module_dir(tmp_path)
    path = write_script(root / "gate" / "gwgone", "#!/bin/sh\nexit 0\n")
    module = load_module(root, "gwgone")
    path.unlink()
    with pytest.raises(DeliveryError, match="not installed") as caught:
        send(module, {})
    assert caught.value.permanent


def test_outgoing_param_name_that_is_no_xml_name_is_permanent(gwtest):
    with pytest.raises(DeliveryError, match="XML element name") as caught:
        send(gwtest, {"bad name": "x"})
    assert caught.value.permanent


def test_module_that_ignores_stdin_is_sent(tmp_path):
    root = make_module_dir(tmp_path)
    write_script(root / "gate" / "gwdeaf", "#!/bin/sh\nexit 0\n")
    result = send(load_module(root, "gwdeaf"), {}, "x" * 500_000)
    assert result.status == "sent"


def test_unstartable_module_is_transient(tmp_path):
    root = make_module_dir(tmp_path)
    write_script(root / "gate" / "gwnointerp", "#!/nonexistent/interpreter\n")
    with pytest.raises(DeliveryError, match="could not be started") as caught:
        send(load_module(root, "gwnointerp"), {})
    assert not caught.value.permanent


# --- ingoing -----------------------------------------------------------------------


def test_ingoing_returns_each_message_with_sender_when_known(gwtest):
    messages = ingoing(gwtest, GOOD_LOGIN, TIMEOUT)
    assert [(m.from_, m.to, m.text, m.provider_message_id) for m in messages] == [
        ("+15550001111", "+15550002222", "STOP", "in-1"),
        (None, None, "hello from nowhere", None),
        ("alice@example.com", "support@example.com", "Hello there", "m1@example.com"),
    ]


def test_ingoing_failure_raises_module_error(gwbad):
    with pytest.raises(ModuleCrashed, match="status 1"):
        ingoing(gwbad, {"mode": "exit1"}, TIMEOUT)


# --- execution ---------------------------------------------------------------------


def test_module_runs_with_a_minimal_environment(gwbad, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    completed = run_module(gwbad.path, ["--command", "env"], b"", cwd=gwbad.root, timeout=TIMEOUT)
    assert json.loads(completed.stdout)["env"] == MODULE_ENV


def test_module_runs_in_the_module_dir(gwbad):
    completed = run_module(gwbad.path, ["--command", "env"], b"", cwd=gwbad.root, timeout=TIMEOUT)
    assert json.loads(completed.stdout)["cwd"] == str(MODULE_DIR)


def test_arguments_are_not_interpreted_by_a_shell(tmp_path):
    root = make_module_dir(tmp_path)
    script = write_script(root / "gate" / "gwargs", '#!/bin/sh\nprintf "%s\\n" "$@"\n')
    completed = run_module(script, ["$(id)", "; echo hi"], b"", cwd=root, timeout=TIMEOUT)
    assert completed == Completed(0, b"$(id)\n; echo hi\n", b"")


@settings(max_examples=60, deadline=None)
@given(text=st.text(), value=st.text())
def test_any_text_reaches_the_module_as_built(text, value):
    doc = outgoing_document({"login": value}, text, {"phone": value}, {"name": value})
    parsed = parse_untrusted(to_bytes(doc))
    assert parsed.findtext("message") == text_value(text)
    assert parsed.findtext("user/phone") == text_value(value)
    inner = ET.fromstring(parsed.findtext("gateway/xmlparams"))
    assert inner.findtext("login") == text_value(value)
