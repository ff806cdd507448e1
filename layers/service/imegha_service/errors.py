"""Domain errors: what went wrong in the terms of the use case, not of HTTP.

Handlers turn them into responses (see ``http.register_error_responses``); the
domain code raising them never learns it runs behind API Gateway.
"""


class DomainError(Exception):
    """Base of the errors a use case reports to its caller."""


class InvalidRequest(DomainError):
    """The input is malformed; ``field`` names the part that is wrong."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class TooLarge(InvalidRequest):
    """The input is larger than the use case accepts (HTTP 413)."""


class NotAllowed(DomainError):
    """The caller is known but may not do this."""


class NotFound(DomainError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class Conflict(DomainError):
    """The request contradicts the current state: taken name, stale version, repeated request."""
