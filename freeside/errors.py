"""The one error type of the Freeside routes: a status and one line of text.

Freeside stores the body of any non-2xx answer as the message's error, so the text is
what an operator reads in Freeside's customer history: short, one line, no JSON.
"""


class FreesideError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = " ".join(message.split())  # one line, whatever went in
