"""Cognito triggers: check the iMTag before an account exists, create the directory entry once it is confirmed.

The iMTag travels as the ``custom:imtag`` user attribute, so the entry is made
from what Cognito vouches for (the confirmed email and ``sub``), not from a
later request a client could shape.
"""

import os

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PostConfirmationTriggerEvent,
    PreSignUpTriggerEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.directory import DirectoryStore
from imegha_service.errors import DomainError
from logic import directory

logger = Logger()
tracer = Tracer()
store = DirectoryStore(os.environ["DIRECTORY_TABLE_NAME"])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_source(data_class=PreSignUpTriggerEvent)
def pre_sign_up(event: PreSignUpTriggerEvent, context: LambdaContext) -> dict:
    try:
        directory.check_imtag_available(store, event.request.user_attributes.get("custom:imtag", ""))
    except DomainError as error:
        # Cognito shows the message to the client as "PreSignUp failed with error <message>".
        raise ValueError(str(error)) from None
    return event.raw_event


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_source(data_class=PostConfirmationTriggerEvent)
def post_confirmation(event: PostConfirmationTriggerEvent, context: LambdaContext) -> dict:
    attributes = event.request.user_attributes
    directory.register_user(store, attributes["sub"], attributes["email"], attributes["custom:imtag"])
    return event.raw_event
