"""Twilio error codes and what they mean (Spoke's ``errorDescriptions``)."""

from __future__ import annotations

ERROR_LINK = "https://www.twilio.com/docs/api/errors/{code}"

# The codes a messaging integration meets most, in Twilio's words, shortened.
error_descriptions: dict[str, str] = {
    "20003": "Authentication failed: wrong Account SID or Auth Token",
    "20404": "The requested resource was not found",
    "20429": "Too many requests",
    "21211": "Invalid 'To' phone number",
    "21212": "Invalid 'From' phone number",
    "21408": "Permission to send an SMS has not been enabled for the region",
    "21602": "Message body is required",
    "21603": "A 'From' phone number is required",
    "21604": "A 'To' phone number is required",
    "21606": "The 'From' phone number is not a valid, SMS-capable number for this account",
    "21608": "Trial accounts can only send to verified numbers",
    "21610": "Attempt to send to unsubscribed recipient",
    "21611": "This 'From' number has exceeded the maximum number of queued messages",
    "21612": "The 'To' phone number is not currently reachable via SMS",
    "21614": "'To' number is not a valid mobile number",
    "21617": "The concatenated message body exceeds the 1600 character limit",
    "21620": "Invalid media URL(s)",
    "30001": "Queue overflow",
    "30002": "Account suspended",
    "30003": "Unreachable destination handset",
    "30004": "Message blocked",
    "30005": "Unknown destination handset",
    "30006": "Landline or unreachable carrier",
    "30007": "Message filtered by the carrier",
    "30008": "Unknown error",
    "30009": "Missing segment",
    "30010": "Message price exceeds max price",
}


def error_description(code: str | int | None) -> dict[str, str | None] | None:
    """``{code, description, link}`` for a Twilio error code; None when there is no code.

    Unknown codes still get the link: Twilio documents every code at the same address.
    """
    if code is None or str(code).strip() == "":
        return None
    code = str(code).strip()
    return {
        "code": code,
        "description": error_descriptions.get(code),
        "link": ERROR_LINK.format(code=code) if code.isdigit() else None,
    }
