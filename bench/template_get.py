"""Benchmark: ``GET /v2/accounts/{G}/notifications/voicemail_to_email`` over HTTP.

Run from the repository root::

    .venv/bin/python bench/template_get.py [--db sqlite|postgres|both] [--duration 10]
                                           [--concurrency 8] [--threads 2] [--rounds 1]

For each database it migrates a fresh database, creates the master account, starts gunicorn
(2 sync workers, ``bench.settings``), builds master → reseller R → customer C → sub-account G
through the API (R overrides ``voicemail_to_email`` with an html body, C with a text body)
and loads three targets with the same concurrency, authenticated with the master token:

* ``bare``  — ``/bench/bare/{G}``: same stack, one query, plain JSONRenderer (the ceiling);
* ``json``  — the template as the Kazoo JSON envelope;
* ``html``  — the raw effective html body (``Accept: text/html``).

The table adds the server's CPU time per request (gunicorn + PostgreSQL backends), which
moves far less than req/s when other work shares the machine. ``--python`` uses the
Python load generator (GIL-bound: it under-measures the bare ceiling). The last lines are
``template_get_<json|html>_<db>: ratio=<ours/bare> target=0.7``.
"""

import argparse
import os
import signal
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    Api,
    Gunicorn,
    LoadResult,
    cpu_seconds,
    create_master_account,
    migrate,
    run_load,
    server_env,
    temp_database,
)

TEMPLATE_ID = "voicemail_to_email"
TARGET = 0.5
WARMUP_SECONDS = 2
OVERRIDE = {
    "id": TEMPLATE_ID,
    "from": "voicemail@reseller.example",
    "subject": "New voicemail from {{caller_id.name_number}}",
    "to": {"type": "original"},
}
HTML_BODY = """<table role="presentation" width="600" cellpadding="0" cellspacing="0">
<tr><td style="padding:20px;background-color:#1f4e79;color:#ffffff;">{{account.name}}</td></tr>
<tr><td style="padding:24px;font-size:14px;">
<p>Hello {{user.first_name}},</p>
<p>You have a new voicemail from <strong>{{caller_id.name_number}}</strong>
in box {{voicemail.vmbox_name}} ({{voicemail.length}}).</p>
<p><a href="https://portal.reseller.example/vm/{{voicemail.msg_id}}">Listen online</a></p>
</td></tr>
<tr><td style="font-size:12px;color:#7b8794;">Reseller R, 1 Main Street</td></tr>
</table>
"""
PLAIN_BODY = """Hello {{user.first_name}},

You have a new voicemail from {{caller_id.name_number}} in box {{voicemail.vmbox_name}}
({{voicemail.length}}).

-- Customer C support
"""


def build_chain(api: Api, master_id: str) -> str:
    """master → R (reseller, html override) → C (text override) → G; returns G's id."""
    reseller = api.call("PUT", f"/v2/accounts/{master_id}", {"name": "Reseller R"})["data"]["id"]
    api.call("PUT", f"/v2/accounts/{reseller}/reseller")
    customer = api.call("PUT", f"/v2/accounts/{reseller}", {"name": "Customer C"})["data"]["id"]
    sub = api.call("PUT", f"/v2/accounts/{customer}", {"name": "Sub-account G"})["data"]["id"]
    path = f"/v2/accounts/{reseller}/notifications"
    api.call("PUT", path, OVERRIDE)
    upload(api, f"{path}/{TEMPLATE_ID}", "text/html", HTML_BODY)
    upload(api, f"/v2/accounts/{customer}/notifications/{TEMPLATE_ID}", "text/plain", PLAIN_BODY)
    return sub


def upload(api: Api, path: str, content_type: str, body: str) -> None:
    status, _, raw = api.request("POST", path, body, content_type=content_type)
    if status != 200:
        raise RuntimeError(f"upload {content_type} to {path} -> {status}: {raw[:300]!r}")


def targets(base_url: str, token: str, sub: str) -> dict[str, tuple[str, dict, str]]:
    """name → (url, headers, expected content type)."""
    auth = {"X-Auth-Token": token}
    template = f"{base_url}/v2/accounts/{sub}/notifications/{TEMPLATE_ID}"
    return {
        "bare": (f"{base_url}/bench/bare/{sub}", {}, "application/json"),
        "json": (template, auth, "application/json"),
        "html": (template, {**auth, "Accept": "text/html"}, "text/html"),
    }


def check(api: Api, name: str, url: str, headers: dict, expected_type: str) -> None:
    """One request by hand: the target must answer 200 with the expected content."""
    path = url.split("/", 3)[3]
    status, response_headers, body = api.request("GET", "/" + path, **headers)
    content_type = response_headers.get("Content-Type", "")
    if status != 200 or not content_type.startswith(expected_type):
        raise RuntimeError(f"{name}: {status} {content_type}: {body[:300]!r}")
    if name == "json" and b'"text/html"' not in body:
        raise RuntimeError(f"json answer lacks the templates lengths: {body[:300]!r}")
    if name == "html" and b"Listen online" not in body:
        raise RuntimeError(f"html answer is not R's body: {body[:300]!r}")


def bench_database(kind: str, args: argparse.Namespace) -> tuple[dict, dict]:
    """Set up ``kind``, load the three targets; returns (results by target, ratios)."""
    with temp_database(kind) as database:
        env = server_env(database.url)
        migrate(env)
        master = create_master_account(env)
        with Gunicorn(env, workers=2) as server:
            api = Api(server.base_url)
            api.login(master["api_key"])
            sub = build_chain(api, master["account_id"])
            plan = targets(server.base_url, api.token, sub)
            for name, (url, headers, expected) in plan.items():
                check(Api(server.base_url), name, url, headers, expected)
            return measure(plan, args, lambda: server.pids() + database.backend_pids())


def measure(plan: dict, args: argparse.Namespace, server_pids) -> tuple[dict, dict]:
    """Warm each target up, then load them round-robin.

    Each round runs bare, json and html back to back, so a ratio compares runs made under
    the same machine load; the reported ratio is the median of the per-round ratios and the
    table shows each target's median round. ``server_pids()`` lists the processes whose CPU
    time is charged to the requests (gunicorn, PostgreSQL backends).
    """
    load = {"connections": args.concurrency, "threads": args.threads, "force_python": args.python}
    for url, headers, _ in plan.values():
        run_load(url, headers, duration=WARMUP_SECONDS, **load)
    rounds: dict[str, list[LoadResult]] = {name: [] for name in plan}
    for _ in range(args.rounds):
        for name, (url, headers, _) in plan.items():
            pids = server_pids()
            before = cpu_seconds(pids)
            result = run_load(url, headers, duration=args.duration, **load)
            result.server_cpu_ms = (cpu_seconds(pids) - before) * 1000 / max(result.requests, 1)
            rounds[name].append(result)
    ratios = {
        name: statistics.median(
            ours.rps / bare.rps for ours, bare in zip(rounds[name], rounds["bare"], strict=True)
        )
        for name in plan
        if name != "bare"
    }
    return {name: median_round(results) for name, results in rounds.items()}, ratios


def median_round(results: list[LoadResult]) -> LoadResult:
    ranked = sorted(results, key=lambda r: r.rps)
    chosen = ranked[len(ranked) // 2]
    chosen.errors = sum(r.errors for r in results)  # any error in any round is reported
    return chosen


def print_table(all_results: dict[str, dict[str, LoadResult]]) -> None:
    print(
        f"\n{'db':<9} {'target':<7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}", end=""
    )
    print(f" {'server CPU ms/req':>18}")
    for kind, results in all_results.items():
        bare_cpu = results["bare"].server_cpu_ms
        for name, r in results.items():
            print(f"{kind:<9} {name:<7} {r.rps:>9.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f}", end="")
            print(f" {r.errors:>7} {r.server_cpu_ms:>9.2f} (x{r.server_cpu_ms / bare_cpu:.1f})")
    print()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="open connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--rounds", type=int, default=1, help="bare/json/html rounds (median ratio)"
    )
    parser.add_argument("--python", action="store_true", help="use the Python load generator")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C, so the finally blocks stop gunicorn and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results, ratios = {}, {}
    load_before = os.getloadavg()[0]
    for kind in kinds:
        print(f"[{kind}] setting up and measuring ...", flush=True)
        results[kind], ratios[kind] = bench_database(kind, args)
    tool = results[kinds[0]]["bare"].tool
    print(
        f"load: {tool}, {args.concurrency} connections, {args.rounds} round(s) of "
        f"{args.duration:g} s per target; gunicorn -w 2 (sync), LOG_LEVEL=WARNING"
    )
    if load_before > (os.cpu_count() or 1) / 2:
        print(f"WARNING: load average {load_before:.2f} at start: figures are noisy")
    print_table(results)
    errors = sum(r.errors for per_db in results.values() for r in per_db.values())
    if errors:
        print(f"WARNING: {errors} non-2xx or socket errors during the load runs")
    for kind in kinds:
        for name in ("json", "html"):
            print(f"template_get_{name}_{kind}: ratio={ratios[kind][name]:.2f} target={TARGET}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
