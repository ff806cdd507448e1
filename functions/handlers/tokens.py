"""Platform REST route of the token exchange: ``POST /tokens``, behind the Cognito authorizer (``logic.tokens``).

The only function that may sign with the token signing key. Its answers, tokens
or refusals, are never to be cached (RFC 6749 §5.1).
"""

import os
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.directory import DirectoryStore
from dal.token_signing_key import TokenSigningKey
from imegha_service.http import caller_id, web_app_cors
from logic import tokens

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver(cors=web_app_cors())

directory = DirectoryStore(os.environ["DIRECTORY_TABLE_NAME"])
signing_key = TokenSigningKey(os.environ["TOKEN_SIGNING_KEY_ID"])
issuer = parameters.get_parameter(os.environ["TOKEN_ISSUER_PARAMETER"])
NOT_CACHED = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@app.exception_handler(tokens.ExchangeRefused)  # type: ignore[untyped-decorator]
def refused(error: tokens.ExchangeRefused) -> Response:
    body = {"error": error.error, "error_description": str(error), "message": str(error)}
    return Response(status_code=400, content_type=content_types.APPLICATION_JSON, body=body, headers=NOT_CACHED)


@app.post(tokens.TOKEN_PATH)
def exchange() -> Response:
    form = parse_qs(app.current_event.decoded_body or "", keep_blank_values=True)
    issued = tokens.exchange(directory, signing_key, issuer, caller_id(app), form)
    logger.info("token issued", audience=issued["audience"])
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=issued, headers=NOT_CACHED)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
