"""Benchmark: render_html (cached tokens, escaping views, safe output) against raw
chevron.render.

Run from the repository root: ``python bench/render.py``.  The last line printed is
``render: ratio=<ours/raw> target=1.8``.  render_html includes the output safety of
``notifications/output.py`` (URL filter on ``portal.url``, nh3 on the raw signature).  The
line before it (no target) is the slow path: a template outside the plannable subset,
sanitized whole with nh3 after rendering.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import chevron

from notifications.rendering import macros_to_data, render_html

SECONDS = 2.0
BATCH = 100

TEMPLATE = """\
<div style="margin:0;padding:24px 0;background-color:#f4f5f7;font-family:Arial,sans-serif;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" align="center">
<tr><td style="padding:20px 32px;background-color:#1f4e79;color:#ffffff;font-size:18px;">
{{account.name}} voicemail</td></tr>
<tr><td style="padding:24px 32px;font-size:14px;line-height:1.6;">
<p>Hello {{user.first_name}} {{user.last_name}},</p>
<p>You have a new voicemail in box <strong>{{voicemail.vmbox_name}}</strong>
({{voicemail.vmbox_number}}).</p>
<table role="presentation" width="100%" cellpadding="6" style="border-collapse:collapse;">
<tr><td style="color:#52606d;width:40%;">From</td><td>{{caller_id.name}}
&lt;{{caller_id.number}}&gt;</td></tr>
<tr><td style="color:#52606d;">To</td><td>{{to.user}}@{{to.realm}}</td></tr>
<tr><td style="color:#52606d;">Received</td><td>{{date_called.local}}
({{date_called.timezone}})</td></tr>
<tr><td style="color:#52606d;">Length</td><td>{{voicemail.length}}</td></tr>
{{#voicemail.transcription}}
<tr><td style="color:#52606d;">Transcription</td><td>{{voicemail.transcription}}</td></tr>
{{/voicemail.transcription}}
</table>
{{#messages}}
<p style="margin:0 0 8px 0;">#{{index}}: {{caller}} at {{time}}</p>
{{/messages}}
{{^voicemail.file_name}}<p>The recording is not attached.</p>{{/voicemail.file_name}}
<p><a href="{{portal.url}}" style="color:#1f4e79;">Open {{account.name}} portal</a></p>
</td></tr>
<tr><td style="padding:16px 32px;font-size:12px;color:#7b8794;">
Sent by {{system.hostname}} to {{user.email}}. {{{system.signature}}}<br>
You receive this because voicemail notifications are enabled for {{user.email}}.
</td></tr>
</table>
</div>
"""

# The same mail with one tag where the planner cannot follow it (a section inside a tag):
# rendered, then sanitized as a whole.
UNPLANNED = TEMPLATE.replace(
    '<td style="color:#52606d;">To</td>', '<td title="{{#to.user}}x{{/to.user}}">To</td>'
)

MACROS = {
    "account.name": "Acme & Sons' Telecom",
    "user.first_name": "Ada",
    "user.last_name": "O'Neil",
    "user.email": "ada@example.com",
    "voicemail.vmbox_name": "Sales <main>",
    "voicemail.vmbox_number": "1001",
    "voicemail.length": "00:42",
    "voicemail.transcription": 'Please call me back about the "quote".',
    "voicemail.file_name": "",
    "caller_id.name": "Bob Smith",
    "caller_id.number": "+15555550100",
    "to.user": "1001",
    "to.realm": "acme.sip.example.com",
    "date_called.local": "2024-05-01 10:15",
    "date_called.timezone": "America/New_York",
    "portal.url": "https://portal.example.com/?a=1&b=2",
    "system.hostname": "notify.example.com",
    "system.signature": "<em>Acme</em>",
    "messages": [
        {"index": 1, "caller": "Bob", "time": "09:00"},
        {"index": 2, "caller": "Eve <eve@example.com>", "time": "09:30"},
    ],
}


def measure(candidates):
    """Alternate batches of each candidate until each ran about SECONDS (so drift in
    CPU speed hits both alike); return renders per second for each."""
    totals = {label: [0, 0.0] for label in candidates}
    for fn in candidates.values():
        fn()  # warm-up (fills our token cache)
    while min(elapsed for _, elapsed in totals.values()) < SECONDS:
        for label, fn in candidates.items():
            start = time.perf_counter()
            for _ in range(BATCH):
                fn()
            totals[label][0] += BATCH
            totals[label][1] += time.perf_counter() - start
    return {label: count / elapsed for label, (count, elapsed) in totals.items()}


def main():
    data = macros_to_data(MACROS)
    assert render_html(TEMPLATE, data) != chevron.render(TEMPLATE, data)  # ' is escaped
    print(f"template: {len(TEMPLATE.encode())} bytes")
    rates = measure(
        {
            "render_html (cached tokens)": lambda: render_html(TEMPLATE, data),
            "chevron.render (raw)": lambda: chevron.render(TEMPLATE, data),
            "render_html (unplanned)": lambda: render_html(UNPLANNED, data),
        }
    )
    for label, rate in rates.items():
        print(f"{label:<30} {rate:>10,.0f} renders/s")
    ours, raw, slow = rates.values()
    print(f"render_unplanned: ratio={slow / raw:.2f} (no target)")
    print(f"render: ratio={ours / raw:.2f} target=1.8")


if __name__ == "__main__":
    main()
