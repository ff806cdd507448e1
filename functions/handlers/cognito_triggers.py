"""Cognito triggers: reserve the iMTag before an account exists, turn the reservation into the directory entry once
it is confirmed.

The iMTag travels as the ``custom:imtag`` user attribute, so the entry is made
from what Cognito vouches for (the confirmed email and ``sub``), not from a
later request a client could shape.
"""

import os
from contextlib import contextmanager
from datetime import UTC, datetime

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PostConfirmationTriggerEvent,
    PreSignUpTriggerEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.directory import DirectoryStore
from dal.user_pool import UserPool
from imegha_service.errors import DomainError
from logic import directory

logger = Logger()
tracer = Tracer()
store = DirectoryStore(os.environ["DIRECTORY_TABLE_NAME"])
cognito = boto3.client("cognito-idp")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_source(data_class=PreSignUpTriggerEvent)
def pre_sign_up(event: PreSignUpTriggerEvent, context: LambdaContext) -> dict:
    attributes = event.request.user_attributes
    with _shown_to_the_client("PreSignUp"):
        directory.reserve_imtag(
            store, attributes.get("custom:imtag", ""), attributes.get("email", ""), datetime.now(UTC)
        )
    return event.raw_event


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_source(data_class=PostConfirmationTriggerEvent)
def post_confirmation(event: PostConfirmationTriggerEvent, context: LambdaContext) -> dict:
    attributes = event.request.user_attributes
    with _shown_to_the_client("PostConfirmation"):
        if event.trigger_source == "PostConfirmation_ConfirmSignUp":
            directory.confirm_sign_up(
                store,
                UserPool(event.user_pool_id, cognito),
                event.user_name,
                attributes["sub"],
                attributes["email"],
                attributes["custom:imtag"],
            )
        else:  # a password reset: the entry exists, and registering it again is a no-op
            directory.register_user(store, attributes["sub"], attributes["email"], attributes["custom:imtag"])
    return event.raw_event


@contextmanager
def _shown_to_the_client(trigger: str):
    """Cognito shows a trigger's error message to the client as "<trigger> failed with error <message>."."""
    try:
        yield
    except DomainError as error:
        logger.info("refused", trigger=trigger, reason=str(error))
        raise ValueError(str(error)) from None
