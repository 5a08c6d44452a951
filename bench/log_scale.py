"""The SMTP log at 1,000,000 rows in PostgreSQL: deep pages and filters stay as fast as page 1.

    .venv/bin/python bench/log_scale.py [--rows 1000000] [--repeat 20]

Fills a fresh PostgreSQL database with ``--rows`` log rows of one account spread over the
last 30 days (10 templates, 1,000 recipients, 1% failed) with one INSERT … SELECT, then times
``GET /v2/accounts/{A}/notifications/smtplog`` in-process (Django test client, real token):
page 1, page 1,000 reached by its keyset ``start_key``, and the ``status``, ``template_id``
and ``to`` filters. The ceiling is page 1; each figure prints as
``<name>: ratio=<ours/ceiling> target=2.0`` (lower is better: under 2× page 1's latency).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import temp_database

TARGET = 2.0
PAGE = 50

FILL = """
INSERT INTO smtplog_smtplog (
    id, account_id, template_id, subject, rendered_templates, emails, recipients, macros,
    headers, message_id, invalid_addresses, status, attempts, receipt, error, created,
    claim_token, channel, "to", body, provider_message_id, priority, held, force, msgtype,
    error_code, failure, events)
SELECT md5(g::text), %(account)s, 'template_' || (g %% 10), 'Subject ' || g,
    '{"text/plain": "hello"}',
    ('{"from": "n@x.example", "to": ["u' || (g %% 1000) || '@x.example"]}')::jsonb,
    'u' || (g %% 1000) || '@x.example', '{}', '{}', '<' || md5(g::text) || '@x.example>', '[]',
    CASE WHEN g %% 100 = 0 THEN 'failed' ELSE 'sent' END, 1, '2.0.0 Ok', '',
    now() - (g * (2592000.0 / %(rows)s)) * interval '1 second',
    '', 'email', '', '{}', '', 5, false, false, '', '', '', '[]'
FROM generate_series(1, %(rows)s) AS g
"""


def timed(client, path: str, token: str, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, HTTP_X_AUTH_TOKEN=token)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with temp_database("postgres") as db:
        os.environ.update(
            DATABASE_URL=db.url, SECRET_KEY="bench", LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="bench.settings", DELIVERY_MODE="inline",
        )  # fmt: skip
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from accounts import services
        from accounts.models import AuthToken
        from config.pagination import encode_key
        from smtplog.api.views import ORDERING, page_key
        from smtplog.models import SmtpLog

        call_command("migrate", verbosity=0)
        account = services.create_account(None, {"name": "M", "realm": "m.x"}, is_master=True)
        token = AuthToken.issue(account, None, AuthToken.API_KEY)[1]
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(FILL, {"account": account.id, "rows": args.rows})
            cursor.execute("ANALYZE smtplog_smtplog")
        print(f"filled {args.rows} rows in {time.perf_counter() - started:.0f}s")
        base = f"/v2/accounts/{account.id}/notifications/smtplog?page_size={PAGE}"
        deep = SmtpLog.objects.filter(account=account).order_by(*ORDERING)[PAGE * 999]
        client = Client(HTTP_HOST="127.0.0.1")
        page1 = timed(client, base, token, args.repeat)
        print(f"page 1: {page1 * 1000:.1f} ms (the ceiling)")
        cases = {
            "log_page_1000_keyset": f"{base}&start_key={encode_key(page_key(deep))}",
            "log_filter_status": f"{base}&status=failed",
            "log_filter_template_id": f"{base}&template_id=template_3",
            "log_filter_to": f"{base}&to=u7@x.example",
        }
        for name, path in cases.items():
            ours = timed(client, path, token, args.repeat)
            print(f"{name}: {ours * 1000:.1f} ms")
            print(f"{name}: ratio={ours / page1:.2f} target={TARGET}")


if __name__ == "__main__":
    main()
