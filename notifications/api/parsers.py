"""The text/x-sms template upload, beside the html and plain ones of config.parsers."""

from config.parsers import TEMPLATE_UPLOAD_PARSERS, RawTemplateParser


class RawSmsTemplateParser(RawTemplateParser):
    media_type = "text/x-sms"


NOTIFICATION_UPLOAD_PARSERS = [*TEMPLATE_UPLOAD_PARSERS, RawSmsTemplateParser]
