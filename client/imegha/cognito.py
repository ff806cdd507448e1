"""Signing in with the platform's Cognito pool.

Cognito never sees the user's password: it gets an *authentication secret*
derived from it (see ``imegha_crypto.authentication_secret``), so whoever runs
the pool cannot turn what it holds into the key that wraps the DEK.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from .documents import JSONObject
from .endpoints import Endpoints, Unreachable


class SignInError(Exception):
    pass


class AccountExists(SignInError):
    """Sign-up refused: the email has an account already (confirmed or not)."""


class NotConfirmed(SignInError):
    """Sign-in refused with the right password: the account's sign-up was never confirmed."""


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str | None


class CognitoAuth:
    def __init__(self, endpoints: Endpoints):
        self.client_id = endpoints.user_pool_client_id
        # The public sign-up and sign-in calls are unsigned, as from a browser.
        self.idp = boto3.client(
            "cognito-idp",
            region_name=endpoints.region,
            endpoint_url=endpoints.aws_endpoint_url,
            config=Config(signature_version=UNSIGNED, retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _call(
        self, operation: str, refusal: Callable[[ClientError], SignInError] | None = None, **parameters: Any
    ) -> JSONObject:
        """One Cognito call: its refusal raised as ``refusal(error)`` (a :class:`SignInError` with the reason by
        default), no answer at all as :class:`Unreachable`."""
        try:
            response: JSONObject = getattr(self.idp, operation)(**parameters)
            return response
        except ClientError as error:
            raise (refusal or _refusal)(error) from None
        except (BotoConnectionError, HTTPClientError) as error:
            raise Unreachable(self.idp.meta.endpoint_url, error) from None

    def sign_up(self, email: str, secret: str, imtag: str) -> str:
        """Create the account; returns the user's ``sub``, the id every record is keyed by."""
        user_id: str = self._call(
            "sign_up",
            _typed_refusal,
            ClientId=self.client_id,
            Username=email,
            Password=secret,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "custom:imtag", "Value": imtag}],
        )["UserSub"]
        return user_id

    def confirm(self, email: str, code: str) -> None:
        self._call("confirm_sign_up", ClientId=self.client_id, Username=email, ConfirmationCode=code)

    def resend_code(self, email: str) -> str:
        """Have Cognito email a new confirmation code (the last one stops working); returns where it went, masked."""
        response = self._call("resend_confirmation_code", ClientId=self.client_id, Username=email)
        destination: str = response["CodeDeliveryDetails"]["Destination"]
        return destination

    def sign_in(self, email: str, secret: str) -> Tokens:
        result = self._call(
            "initiate_auth",
            _typed_refusal,
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": secret},
        )["AuthenticationResult"]
        return Tokens(result["IdToken"], result["AccessToken"], result.get("RefreshToken"))

    def refresh(self, refresh_token: str) -> Tokens:
        """New ID and access tokens for a session; Cognito keeps the refresh token as it is."""
        result = self._call(
            "initiate_auth",
            ClientId=self.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )["AuthenticationResult"]
        return Tokens(result["IdToken"], result["AccessToken"], result.get("RefreshToken") or refresh_token)

    def revoke(self, refresh_token: str) -> None:
        """End a session for good: the refresh token renews nothing more (ID tokens lapse within the hour)."""
        self._call("revoke_token", ClientId=self.client_id, Token=refresh_token)

    def request_reset(self, email: str) -> None:
        """Have Cognito email a code for setting a new secret."""
        self._call("forgot_password", ClientId=self.client_id, Username=email)

    def confirm_reset(self, email: str, code: str, new_secret: str) -> None:
        self._call(
            "confirm_forgot_password",
            ClientId=self.client_id,
            Username=email,
            ConfirmationCode=code,
            Password=new_secret,
        )

    def change_secret(self, access_token: str, old_secret: str, new_secret: str) -> None:
        self._call(
            "change_password", PreviousPassword=old_secret, ProposedPassword=new_secret, AccessToken=access_token
        )


def _refusal(error: ClientError) -> SignInError:
    return SignInError(_reason(error))


def _typed_refusal(error: ClientError) -> SignInError:
    """A sign-up's or sign-in's refusal, as the kind the caller acts on."""
    kind = {"UsernameExistsException": AccountExists, "UserNotConfirmedException": NotConfirmed}
    return kind.get(error.response["Error"]["Code"], SignInError)(_reason(error))


def _reason(error: ClientError) -> str:
    code: str = error.response["Error"]["Code"]
    message: str = error.response["Error"].get("Message", code)
    if code == "NotAuthorizedException":
        return "wrong email or password"
    if code == "UsernameExistsException":
        return "an account with this email already exists"
    if code == "UserLambdaValidationException":
        # "PreSignUp failed with error iMTag 'x' is taken." → the part after "error".
        return message.split("error", 1)[-1].strip().rstrip(".")
    return message
