"""User-cloud health check: answers its owner only, so a working answer also proves the token wiring.

With ``?nonce=…`` it is also the cloud's answer to its owner's device asking "are you the stack in the account I
connected?": the account id (from the function's own ARN) and the stack id (``AWS::StackId``, given by the
template), with the nonce echoed so an answer recorded from another cloud does not pass for a fresh one. Both come
from the environment: the answer needs no permission the function does not already have.
"""

import os

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from imegha_service.http import register_error_responses, require_owner

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()
register_error_responses(app)

MAX_NONCE = 128


@app.get("/health")
@tracer.capture_method
def health() -> dict:
    require_owner(app)
    answer = {"status": "ok", "service": "user-cloud"}
    nonce = app.current_event.get_query_string_value("nonce")
    if nonce is None:
        return answer
    if not 16 <= len(nonce) <= MAX_NONCE:
        raise BadRequestError("nonce: 16 to 128 characters")
    return answer | {
        "nonce": nonce,
        "accountId": app.lambda_context.invoked_function_arn.split(":")[4],
        "stackId": os.environ.get("STACK_ID"),
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
