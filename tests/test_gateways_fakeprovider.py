"""The local fake provider as a separate process: its control API records and scripts."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, method="GET", body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def base():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateways.fakeprovider", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == f"fake provider on http://127.0.0.1:{port}/"
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):  # the line is printed just before serving
            try:
                call(url + "/_requests")
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(autouse=True)
def reset(base):
    call(base + "/_reset", "POST")


def test_default_answer_is_sent_with_a_fake_id(base):
    status, _, body = call(base + "/send", "POST", {"to": "+1"})
    answer = json.loads(body)
    assert status == 200 and answer["status"] == "sent" and answer["id"].startswith("fake-")


def test_requests_are_recorded(base):
    call(base + "/send?x=1", "POST", {"to": "+1"}, {"Authorization": "Bearer t"})
    (entry,) = json.loads(call(base + "/_requests")[2])
    assert (entry["method"], entry["path"], entry["query"]) == ("POST", "/send", "x=1")
    assert entry["headers"]["authorization"] == "Bearer t"
    assert entry["json"] == {"to": "+1"}


def test_requests_filter_by_path(base):
    call(base + "/a", "POST", {})
    call(base + "/b", "POST", {})
    entries = json.loads(call(base + "/_requests?path=/b")[2])
    assert [e["path"] for e in entries] == ["/b"]


def test_scripted_answers_play_in_order_then_the_default(base):
    answers = [
        {"status": 503, "headers": {"Retry-After": "3"}, "body": "busy"},
        {"status": 201, "body": {"id": "p-1", "status": "delivered"}},
    ]
    call(base + "/_script", "POST", {"path": "/send", "answers": answers})
    first = call(base + "/send", "POST", {})
    second = call(base + "/send", "POST", {})
    third = call(base + "/send", "POST", {})
    assert (first[0], first[1]["Retry-After"], first[2]) == (503, "3", b"busy")
    assert (second[0], json.loads(second[2])) == (201, {"id": "p-1", "status": "delivered"})
    assert third[0] == 200


def test_default_answer_can_be_changed(base):
    call(base + "/_default", "POST", {"status": 500, "body": "down"})
    assert call(base + "/anything")[:1] == (500,)


def test_clearing_requests(base):
    call(base + "/a", "POST", {})
    call(base + "/_requests", "DELETE")
    assert json.loads(call(base + "/_requests")[2]) == []
