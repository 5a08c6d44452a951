"""JSON-schema validation reporting errors in Kazoo's shape.

Kazoo validates every document against a draft-04 JSON schema and reports each failure
under the dotted path of the field and the rule that failed; we do the same with
``jsonschema`` so the messages, rule codes and detail objects line up with Kazoo's.
"""

from typing import Any

from jsonschema import Draft4Validator, FormatChecker

from config.errors import ValidationFailed
from smtplog.addresses import is_deliverable

format_checker = FormatChecker(formats=())


@format_checker.checks("email")
def _is_email(value: Any) -> bool:
    """Only addresses delivery can send to (one rule: ``smtplog.addresses``)."""
    return not isinstance(value, str) or is_deliverable(value)


_TYPE_NAMES = {"object", "array", "string", "integer", "number", "boolean", "null"}


def _path(parts) -> str:
    return ".".join(str(p).replace(".", "%2E") for p in parts)


def _detail(error) -> tuple[str, str, dict]:
    """Translate one jsonschema error into (path, rule, detail)."""
    rule, value, target = error.validator, error.instance, error.validator_value
    path = list(error.absolute_path)
    if rule == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return (
            _path([*path, missing]),
            "required",
            {"message": "Field is required but missing", "value": missing},
        )
    if rule == "type":
        names = target if isinstance(target, list) else [target]
        return (
            _path(path),
            "type",
            {
                "message": f"Value did not match type(s): {', '.join(names)}",
                "target": target,
                "value": value,
            },
        )
    if rule == "enum":
        message = "Value not found in enumerated list of values"
        return _path(path), "enum", {"message": message, "target": target, "value": value}
    if rule in ("minLength", "maxLength"):
        verb = "at least" if rule == "minLength" else "not be more than"
        message = f"String must {'be ' if rule == 'minLength' else ''}{verb} {target} characters"
        return (
            _path(path),
            rule,
            {"message": message, "target": target, "cause": value, "value": value},
        )
    if rule == "format":
        return (
            _path(path),
            "wrong_format",
            {"message": "Field is not in the correct format", "value": value, "format": target},
        )
    return _path(path), rule, {"message": error.message, "target": target, "value": value}


def validate(schema: dict, document: Any) -> None:
    """Raise ``ValidationFailed`` with every error of ``document`` against ``schema``."""
    validator = Draft4Validator(schema, format_checker=format_checker)
    errors: dict[str, dict] = {}
    for error in validator.iter_errors(document):
        if error.validator in ("anyOf", "oneOf", "allOf") and error.context:
            error = error.context[0]
        path, rule, detail = _detail(error)
        errors.setdefault(path or "data", {})[rule] = detail
    if errors:
        raise ValidationFailed(errors)
