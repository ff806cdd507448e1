"""User-cloud health check: answers its owner only, so a working answer also proves the token wiring."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from imegha_service.http import register_error_responses, require_owner

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()
register_error_responses(app)


@app.get("/health")
@tracer.capture_method
def health() -> dict:
    require_owner(app)
    return {"status": "ok", "service": "user-cloud"}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
