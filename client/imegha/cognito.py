"""Signing in with the platform's Cognito pool.

Cognito never sees the user's password: it gets an *authentication secret*
derived from it (see ``imegha_crypto.authentication_secret``), so whoever runs
the pool cannot turn what it holds into the key that wraps the DEK.
"""

from __future__ import annotations

from dataclasses import dataclass

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from .endpoints import Endpoints


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

    def sign_up(self, email: str, secret: str, imtag: str) -> str:
        """Create the account; returns the user's ``sub``, the id every record is keyed by."""
        try:
            response = self.idp.sign_up(
                ClientId=self.client_id,
                Username=email,
                Password=secret,
                UserAttributes=[{"Name": "email", "Value": email}, {"Name": "custom:imtag", "Value": imtag}],
            )
        except ClientError as error:
            raise _refusal(error) from None
        return response["UserSub"]

    def confirm(self, email: str, code: str) -> None:
        try:
            self.idp.confirm_sign_up(ClientId=self.client_id, Username=email, ConfirmationCode=code)
        except ClientError as error:
            raise SignInError(_reason(error)) from None

    def resend_code(self, email: str) -> str:
        """Have Cognito email a new confirmation code (the last one stops working); returns where it went, masked."""
        try:
            response = self.idp.resend_confirmation_code(ClientId=self.client_id, Username=email)
        except ClientError as error:
            raise SignInError(_reason(error)) from None
        return response["CodeDeliveryDetails"]["Destination"]

    def sign_in(self, email: str, secret: str) -> Tokens:
        try:
            result = self.idp.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": secret},
            )["AuthenticationResult"]
        except ClientError as error:
            raise _refusal(error) from None
        return Tokens(result["IdToken"], result["AccessToken"], result.get("RefreshToken"))

    def refresh(self, refresh_token: str) -> Tokens:
        """New ID and access tokens for a session; Cognito keeps the refresh token as it is."""
        try:
            result = self.idp.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )["AuthenticationResult"]
        except ClientError as error:
            raise SignInError(_reason(error)) from None
        return Tokens(result["IdToken"], result["AccessToken"], result.get("RefreshToken") or refresh_token)

    def revoke(self, refresh_token: str) -> None:
        """End a session for good: the refresh token renews nothing more (ID tokens lapse within the hour)."""
        try:
            self.idp.revoke_token(ClientId=self.client_id, Token=refresh_token)
        except ClientError as error:
            raise SignInError(_reason(error)) from None

    def request_reset(self, email: str) -> None:
        """Have Cognito email a code for setting a new secret."""
        try:
            self.idp.forgot_password(ClientId=self.client_id, Username=email)
        except ClientError as error:
            raise SignInError(_reason(error)) from None

    def confirm_reset(self, email: str, code: str, new_secret: str) -> None:
        try:
            self.idp.confirm_forgot_password(
                ClientId=self.client_id, Username=email, ConfirmationCode=code, Password=new_secret
            )
        except ClientError as error:
            raise SignInError(_reason(error)) from None

    def change_secret(self, access_token: str, old_secret: str, new_secret: str) -> None:
        try:
            self.idp.change_password(PreviousPassword=old_secret, ProposedPassword=new_secret, AccessToken=access_token)
        except ClientError as error:
            raise SignInError(_reason(error)) from None


def _refusal(error: ClientError) -> SignInError:
    kind = {"UsernameExistsException": AccountExists, "UserNotConfirmedException": NotConfirmed}
    return kind.get(error.response["Error"]["Code"], SignInError)(_reason(error))


def _reason(error: ClientError) -> str:
    code = error.response["Error"]["Code"]
    message = error.response["Error"].get("Message", code)
    if code == "NotAuthorizedException":
        return "wrong email or password"
    if code == "UsernameExistsException":
        return "an account with this email already exists"
    if code == "UserLambdaValidationException":
        # "PreSignUp failed with error iMTag 'x' is taken." → the part after "error".
        return message.split("error", 1)[-1].strip().rstrip(".")
    return message
