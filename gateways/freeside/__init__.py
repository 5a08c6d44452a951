"""Kind ``freeside`` (client side of SPEC-channels §5) as plain functions: no HTTP, no Django.

Integration contract. The kind class sends the built requests through ``gateways/http.py``
and hands status, body (and headers) back to the ``interpret_*`` functions.

Building (``client.py``)
    ``build_prepare_document(msgname, msgtype, content, macros, recipient_key, recipient,
    rendered_body) -> bytes``
        Keys assigned in Freeside's order, a later key winning: ``msgname`` (template id),
        ``msgtype`` (None → ""), the settings' ``content`` keys, every macro under its
        dotted Kazoo key (nested dicts flattened: ``user.first_name``), the recipient
        under ``recipient_key`` (``"invoicing_email"`` for email, ``"mobile"`` otherwise;
        a list is comma-joined), then ``content`` = the rendered body (``text/plain`` for
        email, else ``text/x-sms``). Encoded like Freeside's ``JSON->canonical``: sorted
        keys, compact separators, UTF-8 (non-ASCII unescaped).
    ``prepare_fields(...) -> dict`` (same arguments, before encoding), ``flatten_macros``,
        ``encode_document``.
    ``check_connection_document(content=None, recipient_key="invoicing_email") -> bytes``
        A prepare with ``msgname: "check_connection"`` and sample macros (dotted and
        Freeside flat names: ``first``, ``company_name``, ``username``).
    ``basic_auth_header(username, password) -> dict``: ``{}`` when username is empty.
    ``build_prepare_request(settings, document)`` and ``build_send_request(settings,
        prepared_document)`` → ``(method, url, headers, body)``: POST JSON with Basic
        auth when ``settings["username"]`` is set; send posts the stored bytes verbatim.

Outcomes
    ``interpret_prepare(status, body, retry_on=None, *, headers=None) -> bytes``
        2xx → the body to store as ``prepared_document`` (over ``MAX_PREPARED_BYTES``
        = 1 MiB → permanent ``DeliveryError``). Else raises ``DeliveryError`` with
        ``prepare: HTTP <code>: <body whitespace-collapsed, ≤2000 chars>`` (no trailing
        ``: `` when the body is empty), ``http_status``, ``retry_after``.
    ``interpret_send(status, body, retry_on=None, *, headers=None) -> SendResult``
        2xx → ``SendResult(None, "sent", receipt="HTTP <code>")``; else raises with
        ``send: HTTP …``.
    Permanence (§8): transient iff the status is in ``retry_on``; ``retry_on=None`` means
    ``DEFAULT_RETRY_ON`` = (502, 503, 504) (Freeside servers answer 500 for bad input).

What the kind wrapper does: prepare once (store the bytes), then send; on a transient send
failure retry only the send with the stored bytes; check_connection = POST
``check_connection_document(settings["content"])`` to ``prepare_url`` and treat a 2xx as ok.

Test server (``demo_server.py``): ``DemoServer(username=None, password=None)``, a context
manager with ``.base_url``, ``.settings(name)``, ``.received`` / ``.prepares`` /
``.sends`` (exact body bytes and headers), ``.fail(stage, status, body, times=1)``.
``python -m gateways.freeside.demo_server --port 3000`` runs it standalone.
"""

from .client import (
    DEFAULT_RETRY_ON,
    MAX_PREPARED_BYTES,
    basic_auth_header,
    build_prepare_document,
    build_prepare_request,
    build_send_request,
    check_connection_document,
    encode_document,
    error_text,
    flatten_macros,
    interpret_prepare,
    interpret_send,
    prepare_fields,
)

__all__ = [
    "DEFAULT_RETRY_ON",
    "MAX_PREPARED_BYTES",
    "basic_auth_header",
    "build_prepare_document",
    "build_prepare_request",
    "build_send_request",
    "check_connection_document",
    "encode_document",
    "error_text",
    "flatten_macros",
    "interpret_prepare",
    "interpret_send",
    "prepare_fields",
]
