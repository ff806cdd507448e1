"""The edge between domain errors and API Gateway responses, shared by every resolver."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.middlewares import BaseMiddlewareHandler, NextMiddleware

from imegha_crypto import SIGNATURE_HEADER

from .errors import Conflict, DomainError, InvalidRequest, NotAllowed, NotFound, TooLarge

_STATUS = {  # the first kind an error is of gives its status
    TooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    InvalidRequest: HTTPStatus.BAD_REQUEST,
    NotAllowed: HTTPStatus.FORBIDDEN,
    NotFound: HTTPStatus.NOT_FOUND,
    Conflict: HTTPStatus.CONFLICT,
}


def web_app_cors() -> CORSConfig | None:
    """CORS for the platform's REST answers: readable by pages of the web app's origin alone (``WEB_APP_ORIGIN``,
    which the template sets), never ``*``. API Gateway answers the preflights (the template's ``Cors``); a function
    adds the headers to its own answers only for a request from that origin. None where no origin is set."""
    origin = os.environ.get("WEB_APP_ORIGIN")
    if not origin:
        return None
    return CORSConfig(
        allow_origin=origin, allow_headers=["Authorization", "Content-Type", SIGNATURE_HEADER], max_age=600
    )


def register_error_responses(app: ApiGatewayResolver) -> None:
    # Powertools' exception_handler returns its decorator unannotated.
    @app.exception_handler(DomainError)  # type: ignore[untyped-decorator]
    def domain_error(error: DomainError) -> Response[dict[str, str]]:
        status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), HTTPStatus.BAD_REQUEST)
        body: dict[str, str] = {"message": str(error)}
        if isinstance(error, InvalidRequest):
            body |= {"field": error.field, "reason": error.reason}
        return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def caller_id(app: ApiGatewayResolver) -> str:
    """The verified Cognito ``sub`` of the caller, from a REST (v1) or HTTP (v2) authorizer context."""
    authorizer = app.current_event.raw_event.get("requestContext", {}).get("authorizer") or {}
    claims = authorizer.get("claims") or (authorizer.get("jwt") or {}).get("claims") or {}
    subject: str | None = claims.get("sub")
    if not subject:
        # Routes that call this sit behind an authorizer; no subject means the wiring is wrong.
        raise NotAllowed("no authenticated caller")
    return subject


def require_owner(app: ApiGatewayResolver) -> str:
    """The caller, if they own this user cloud (``OWNER_USER_ID``, set by the template); otherwise 403."""
    caller = caller_id(app)
    if caller != os.environ["OWNER_USER_ID"]:
        raise NotAllowed("only the owner of this cloud may do this")
    return caller


def integer_query(app: ApiGatewayResolver, name: str, default: int, *, minimum: int = 0, maximum: int) -> int:
    """A whole-number query parameter from ``minimum`` to ``maximum``; anything else is a 400 naming it."""
    return whole_number(name, app.current_event.get_query_string_value(name, str(default)), minimum, maximum)


def whole_number(name: str, text: str, minimum: int, maximum: int) -> int:
    """``text`` (a query or path parameter) as a whole number from ``minimum`` to ``maximum``, in ASCII digits;
    anything else is a 400 naming ``name``. ``str.isdigit`` alone lets through what ``int`` refuses (a superscript
    two) or takes for another number (Arabic-Indic digits), and ``int`` refuses more than 4,300 digits."""
    digits = text.lstrip("0") or "0"
    if (
        not (text.isascii() and text.isdigit())
        or len(digits) > len(str(maximum))
        or not minimum <= int(digits) <= maximum
    ):
        raise InvalidRequest(name, f"a whole number from {minimum} to {maximum}")
    return int(digits)


@dataclass(frozen=True)
class SignedRequest:
    """What an identity signature covers, as API Gateway passed the request on, and the signature's header."""

    method: str
    path: str
    body: bytes
    signature: str | None


class IdentitySigned(BaseMiddlewareHandler[ApiGatewayResolver]):
    """A route middleware for what cannot be undone: the route runs only once ``check(caller, request)`` has
    accepted the request's identity signature; ``check`` raises a DomainError (a 403) otherwise, before the route
    reads or writes anything."""

    def __init__(self, check: Callable[[str, SignedRequest], None]) -> None:
        super().__init__()
        self.check = check

    def handler(self, app: ApiGatewayResolver, next_middleware: NextMiddleware) -> Response[Any]:
        event = app.current_event
        text = event.body or ""
        body = base64.b64decode(text) if event.is_base64_encoded else text.encode()
        self.check(
            caller_id(app), SignedRequest(event.http_method, event.path, body, event.headers.get(SIGNATURE_HEADER))
        )
        return next_middleware(app)
