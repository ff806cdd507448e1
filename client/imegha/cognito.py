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


class CodeNeeded(SignInError):
    """Sign-in not finished with the right password: the account has software-token MFA on, and no code was given."""


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

    def sign_in(self, email: str, secret: str, mfa_code: Callable[[], str] | None = None) -> Tokens:
        """Sign in with the secret; where the account has software-token MFA on, Cognito then asks for a code, which
        ``mfa_code()`` gives (only then called): without it, or when it gives none, :class:`CodeNeeded`."""
        answer = self._call(
            "initiate_auth",
            _typed_refusal,
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": secret},
        )
        challenge = answer.get("ChallengeName")
        if challenge == "SOFTWARE_TOKEN_MFA":
            code = mfa_code() if mfa_code else ""
            if not code:
                raise CodeNeeded("this account asks for the code from its authenticator app at each sign-in")
            answer = self._call(
                "respond_to_auth_challenge",
                _challenge_refusal,
                ClientId=self.client_id,
                ChallengeName=challenge,
                Session=answer["Session"],
                ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": code},
            )
        elif challenge:
            raise SignInError(f"Cognito asks for {challenge} at sign-in, which this client does not answer")
        result = answer["AuthenticationResult"]
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

    # --- software-token MFA: an authenticator app's codes (TOTP) ------------

    def associate_software_token(self, access_token: str) -> str:
        """A new secret for an authenticator app (base32); the one in use, if any, stays until this one is verified."""
        secret: str = self._call("associate_software_token", _session_refusal, AccessToken=access_token)["SecretCode"]
        return secret

    def verify_software_token(self, access_token: str, code: str) -> None:
        """Prove the app holds the new secret: a current code makes it the account's (not yet asked for at sign-in)."""
        self._call(
            "verify_software_token",
            _session_refusal,
            AccessToken=access_token,
            UserCode=code,
            FriendlyDeviceName="authenticator app",
        )

    def use_software_token_mfa(self, access_token: str, enabled: bool) -> None:
        """Have Cognito ask for the app's code at each sign-in from now on (or no longer)."""
        self._call(
            "set_user_mfa_preference",
            _session_refusal,
            AccessToken=access_token,
            SoftwareTokenMfaSettings={"Enabled": enabled, "PreferredMfa": enabled},
        )

    def software_token_mfa(self, access_token: str) -> bool:
        """Whether Cognito asks this user for an authenticator app's code at sign-in."""
        user = self._call("get_user", _session_refusal, AccessToken=access_token)
        return "SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or [])


def _refusal(error: ClientError) -> SignInError:
    return SignInError(_reason(error))


def _challenge_refusal(error: ClientError) -> SignInError:
    """An authenticator code refused at sign-in: a wrong one, or one given after Cognito's session for the sign-in
    lapsed (three minutes)."""
    if error.response["Error"]["Code"] == "NotAuthorizedException":
        return SignInError("the sign-in took too long and Cognito's session for it lapsed: sign in again")
    return _session_refusal(error)


def _session_refusal(error: ClientError) -> SignInError:
    """A refusal of a call made with the session's access token (never about a password), or of an authenticator
    app's code."""
    code = error.response["Error"]["Code"]
    if code == "NotAuthorizedException":
        return SignInError("Cognito no longer accepts this session: run 'imegha login'")
    if code in ("CodeMismatchException", "EnableSoftwareTokenMFAException"):
        return SignInError("wrong code from the authenticator app (or its clock is off)")
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
