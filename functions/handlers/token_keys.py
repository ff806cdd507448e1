"""The token issuer's public routes: its OpenID configuration and its JWKS, which users' clouds' JWT authorizers read
(``logic.tokens``). No token needed; the function may read the signing key's public half, and nothing else."""

import os

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.token_signing_key import TokenSigningKey
from imegha_service.http import web_app_cors
from logic import tokens

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver(cors=web_app_cors())

signing_key = TokenSigningKey(os.environ["TOKEN_SIGNING_KEY_ID"])
issuer = parameters.get_parameter(os.environ["TOKEN_ISSUER_PARAMETER"])
# Verifiers keep the keys for a while anyway (API Gateway's JWT authorizers, up to two hours).
CACHED = {"Cache-Control": "public, max-age=3600"}


def _public(document: dict) -> Response:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=document, headers=CACHED)


@app.get(tokens.DISCOVERY_PATH)
def openid_configuration() -> Response:
    return _public(tokens.openid_configuration(issuer))


@app.get(tokens.JWKS_PATH)
def key_set() -> Response:
    return _public(tokens.key_set(signing_key))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
