"""Cognito: a user pool's Lambda triggers run, and its app clients answer as AWS documents, discreetly where asked.

moto stores a pool's ``LambdaConfig`` but never invokes it, implements neither
ResendConfirmationCode nor RevokeToken, answers ``UserNotFoundException``
whatever an app client's ``PreventUserExistenceErrors`` says, and gives every
user one fixed authenticator secret whose codes it does not check. As in AWS,
PreSignUp can refuse a sign-up and PostConfirmation runs on confirmation, a new
code goes only to a sign-up not yet confirmed, a revoked refresh token renews
nothing, a discreet client does not tell who has an account, and software-token
MFA takes only the current codes of the user's own secret.
"""

from __future__ import annotations

import base64
import json
import secrets
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imegha_local.shims import core  # core.now() at each call: the clock tests move
from imegha_local.shims.core import is_active, patch
from imegha_local.shims.lambda_ import invoked_by


def _cognito_invokes_lambda_triggers() -> None:
    """A user pool's PreSignUp and PostConfirmation triggers run, and a failing trigger fails the call.

    moto stores a pool's ``LambdaConfig`` but never invokes it. As in AWS:
    SignUp and AdminCreateUser invoke PreSignUp, and if it raises, the call fails
    with ``UserLambdaValidationException: PreSignUp failed with error <message>.``
    and no user is created; its ``autoConfirmUser``/``autoVerifyEmail`` answers are
    honoured. ConfirmSignUp, AdminConfirmSignUp and ConfirmForgotPassword invoke
    PostConfirmation (the user stays confirmed if it fails, as in AWS, but the
    caller gets the error).
    """
    from moto.cognitoidp.models import CognitoIdpBackend, UserStatus

    @patch(CognitoIdpBackend, "sign_up")
    def sign_up(original, backend, client_id, username, password, attributes):
        user, details = original(backend, client_id, username, password, attributes)
        _pre_sign_up(backend, _pool_of_client(backend, client_id), user, "PreSignUp_SignUp", client_id, UserStatus)
        return user, details

    @patch(CognitoIdpBackend, "admin_create_user")
    def admin_create_user(original, backend, user_pool_id, *args, **kwargs):
        user = original(backend, user_pool_id, *args, **kwargs)
        pool = backend.describe_user_pool(user_pool_id)
        _pre_sign_up(backend, pool, user, "PreSignUp_AdminCreateUser", None, UserStatus)
        return user

    @patch(CognitoIdpBackend, "confirm_sign_up")
    def confirm_sign_up(original, backend, client_id, username):
        result = original(backend, client_id, username)
        pool = _pool_of_client(backend, client_id)
        _post_confirmation(pool, pool._get_user(username), "PostConfirmation_ConfirmSignUp", client_id)
        return result

    @patch(CognitoIdpBackend, "admin_confirm_sign_up")
    def admin_confirm_sign_up(original, backend, user_pool_id, username):
        result = original(backend, user_pool_id, username)
        pool = backend.describe_user_pool(user_pool_id)
        _post_confirmation(pool, pool._get_user(username), "PostConfirmation_ConfirmSignUp", None)
        return result

    @patch(CognitoIdpBackend, "confirm_forgot_password")
    def confirm_forgot_password(original, backend, client_id, username, *args, **kwargs):
        result = original(backend, client_id, username, *args, **kwargs)
        pool = _pool_of_client(backend, client_id)
        _post_confirmation(pool, pool._get_user(username), "PostConfirmation_ConfirmForgotPassword", client_id)
        return result


def _cognito_resends_confirmation_codes() -> None:
    """ResendConfirmationCode sends a new code to a user whose sign-up is not confirmed yet.

    moto does not implement the action. As AWS documents it, the response says
    where the code went (``CodeDeliveryDetails``: the masked email, ``EMAIL``,
    ``email``); a user already confirmed gets ``InvalidParameterException: User is
    already confirmed.``; a user that does not exist gets ``UserNotFoundException``,
    unless the app client prevents user existence errors
    (``PreventUserExistenceErrors: ENABLED``), when the answer looks like any
    delivery. The local cloud emails nothing, and its ConfirmSignUp accepts any
    code, so the new code is never needed.
    """
    from moto.cognitoidp.exceptions import InvalidParameterException, UserNotFoundError
    from moto.cognitoidp.models import UserStatus

    def resend_confirmation_code(client_id: str, pool, response) -> dict:
        username = response._get_param("Username")
        user = pool._get_user(username)
        if user is None:
            if pool.clients[client_id].extended_config.get("PreventUserExistenceErrors") != "ENABLED":
                raise UserNotFoundError("Username/client id combination not found.")
            return {"CodeDeliveryDetails": _email_delivery(username)}
        if user.status is not UserStatus.UNCONFIRMED:
            raise InvalidParameterException("User is already confirmed.")
        return {"CodeDeliveryDetails": _email_delivery(user.attribute_lookup.get("email", username))}

    _add_public_cognito_action("resend_confirmation_code", resend_confirmation_code)


def _cognito_revokes_refresh_tokens() -> None:
    """RevokeToken revokes one refresh token: it renews nothing after, and the user's other sessions go on.

    moto does not implement the action (it has GlobalSignOut, which ends every
    session of the user). As AWS documents it, the token is revoked for the app
    client given; REFRESH_TOKEN_AUTH with it then fails with
    ``NotAuthorizedException: Refresh Token has been revoked``. ID and access
    tokens already issued stay valid to anything that checks only their
    signature and expiry (API Gateway's Cognito authorizer among them) until
    they lapse.
    """

    def revoke_token(client_id: str, pool, response) -> dict:
        token = response._get_param("Token")
        issued = pool.refresh_tokens.get(token)
        if issued is not None and issued[0] == client_id:
            pool.refresh_tokens[token] = None
        return {}

    _add_public_cognito_action("revoke_token", revoke_token)


def _cognito_hides_whether_a_user_exists() -> None:
    """Signing in as nobody, through an app client that prevents user existence errors, fails as a wrong password does.

    moto answers ``UserNotFoundException`` whatever the app client says. As AWS
    documents it, a client with ``PreventUserExistenceErrors: ENABLED`` answers
    ``NotAuthorizedException: Incorrect username or password.`` for a user that
    does not exist, so a sign-in form cannot be used to learn who has an account.
    """
    from moto.cognitoidp.exceptions import NotAuthorizedError, UserNotFoundError
    from moto.cognitoidp.models import CognitoIdpBackend

    @patch(CognitoIdpBackend, "initiate_auth")
    def initiate_auth(original, backend, client_id, auth_flow, auth_parameters):
        try:
            return original(backend, client_id, auth_flow, auth_parameters)
        except UserNotFoundError:
            pool = next((pool for pool in backend.user_pools.values() if client_id in pool.clients), None)
            if (
                pool is not None
                and pool.clients[client_id].extended_config.get("PreventUserExistenceErrors") == "ENABLED"
            ):
                raise NotAuthorizedError("Incorrect username or password.") from None
            raise


def _cognito_checks_authenticator_codes() -> None:
    """Software-token MFA takes real TOTP codes (RFC 6238) made from a secret of the user's own, as AWS checks them.

    moto gives every user one fixed secret, accepts any code unless an
    environment variable says otherwise, and ignores whether the pool allows
    software tokens. As AWS documents it: AssociateSoftwareToken (with an access
    token or a sign-in session) makes a new random secret (base32); the user's
    current one, if any, stays in use until VerifySoftwareToken accepts a code made
    from the new one. In a pool without software-token MFA enabled both fail with
    ``SoftwareTokenMFANotFoundException``. A code is six digits of HMAC-SHA-1 over
    30-second steps, accepted for its own step and the one either side (clock
    skew); another fails VerifySoftwareToken with ``EnableSoftwareTokenMFAException``
    and the SOFTWARE_TOKEN_MFA challenge with ``CodeMismatchException``. Resetting
    the password (ForgotPassword) changes none of it: the next sign-in still asks
    for a code.
    """
    from moto.cognitoidp.exceptions import CodeMismatchException, ResourceNotFoundError
    from moto.cognitoidp.models import CognitoIdpBackend
    from moto.core.exceptions import JsonRESTError

    def user_of(backend, access_token: str | None, session: str | None):
        if session:
            if session not in backend.sessions:
                raise ResourceNotFoundError(session)
            username, pool = backend.sessions[session]
            user = pool._get_user(username)
        else:
            user = backend.get_user(access_token)
        if not (backend.describe_user_pool(user.user_pool_id).token_mfa_config or {}).get("Enabled"):
            raise JsonRESTError(
                "SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the userPool."
            )
        return user

    @patch(CognitoIdpBackend, "associate_software_token")
    def associate_software_token(original, backend, access_token, session):
        answer = original(backend, access_token, session)
        secret = base64.b32encode(secrets.token_bytes(32)).decode().rstrip("=")
        _AUTHENTICATORS.setdefault(user_of(backend, access_token, session), _Authenticator()).pending = secret
        return answer | {"SecretCode": secret}

    @patch(CognitoIdpBackend, "verify_software_token")
    def verify_software_token(original, backend, access_token, session, user_code, friendly_device_name):
        held = _AUTHENTICATORS.get(user_of(backend, access_token, session))
        if held is None or not _is_current(held.pending, user_code):
            raise JsonRESTError("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
        answer = original(backend, access_token, session, user_code, friendly_device_name)
        held.secret, held.pending = held.pending, None
        return answer

    @patch(CognitoIdpBackend, "respond_to_auth_challenge")
    def respond_to_auth_challenge(original, backend, session, client_id, challenge_name, challenge_responses):
        code = (challenge_responses or {}).get("SOFTWARE_TOKEN_MFA_CODE")
        if challenge_name == "SOFTWARE_TOKEN_MFA" and code and session in backend.sessions:
            username, pool = backend.sessions[session]
            held = _AUTHENTICATORS.get(pool._get_user(username))
            if held is None or not _is_current(held.secret, code):
                raise CodeMismatchException("Invalid code or auth state for the user.")
        return original(backend, session, client_id, challenge_name, challenge_responses)


@dataclass
class _Authenticator:
    """A user's authenticator secrets: the one in use, and one associated but not yet verified."""

    secret: str | None = None
    pending: str | None = None


# Beside moto's users rather than on them, and gone with them when a cloud is reset.
_AUTHENTICATORS: weakref.WeakKeyDictionary[Any, _Authenticator] = weakref.WeakKeyDictionary()


def _is_current(secret: str | None, code: str) -> bool:
    """Whether ``code`` is the secret's code for this 30-second step or the one either side (pyca's TOTP, not the
    SDK's: the local cloud checks the device's codes with an implementation of its own)."""
    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor import InvalidToken
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    if secret is None:
        return False
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)), 6, SHA1(), 30, enforce_key_length=False)
    now = core.now().timestamp()
    for skew in (-30, 0, 30):
        try:
            totp.verify(code.encode(), int(now + skew))
            return True
        except InvalidToken:
            continue
    return False


def _add_public_cognito_action(name: str, answer: Callable[[str, Any, Any], dict]) -> None:
    """Give moto's Cognito the app-client action ``name`` (snake case) it lacks, while a local cloud is active:
    ``answer(client id, its user pool, the response object)`` makes the result."""
    from moto.cognitoidp.exceptions import ResourceNotFoundError
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.responses import ActionResult

    def action(response) -> ActionResult:
        if not is_active():  # what moto answers by itself
            raise NotImplementedError(f"The {name} action has not been implemented")
        client_id = response._get_param("ClientId")
        backend = response._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        pool = next((pool for pool in backend.user_pools.values() if client_id in pool.clients), None)
        if pool is None:
            raise ResourceNotFoundError(client_id)
        return ActionResult(answer(client_id, pool, response))

    setattr(CognitoIdpResponse, name, action)


def _email_delivery(email: str) -> dict[str, str]:
    """Where Cognito says it sent a code: the address masked to its first letters, as AWS shows it."""
    local, _, domain = email.partition("@")
    return {"Destination": f"{local[:1]}***@{domain[:1]}***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def _pool_of_client(backend, client_id: str):
    return next(pool for pool in backend.user_pools.values() if client_id in pool.clients)


def _pre_sign_up(backend, pool, user, trigger_source: str, client_id: str | None, statuses) -> None:
    try:
        response = _run_trigger(
            pool,
            "PreSignUp",
            trigger_source,
            user,
            client_id,
            # What the caller supplied: the sub does not exist yet in AWS at this point.
            {
                "userAttributes": {name: value for name, value in user.attribute_lookup.items() if name != "sub"},
                "validationData": None,
            },
            {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
        )
    except Exception:
        pool.users.pop(user.username, None)
        raise
    if response.get("autoConfirmUser"):
        user.status = statuses.CONFIRMED
    for attribute in ("email", "phone_number"):
        if response.get(f"autoVerify{'Email' if attribute == 'email' else 'Phone'}"):
            user.update_attributes([{"Name": f"{attribute}_verified", "Value": "true"}])


def _post_confirmation(pool, user, trigger_source: str, client_id: str | None) -> None:
    attributes = {**user.attribute_lookup, "cognito:user_status": "CONFIRMED"}
    _run_trigger(pool, "PostConfirmation", trigger_source, user, client_id, {"userAttributes": attributes}, {})


def _run_trigger(
    pool, trigger: str, trigger_source: str, user, client_id: str | None, request: dict, response: dict
) -> dict:
    from moto.awslambda.utils import get_backend
    from moto.core.exceptions import JsonRESTError

    arn = (pool.extended_config.get("LambdaConfig") or {}).get(trigger)
    if not arn:
        return response
    event = {
        "version": "1",
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": client_id or "CLIENT_ID_NOT_APPLICABLE",
        },
        "triggerSource": trigger_source,
        "request": request,
        "response": response,
    }
    _, _, _, region, account, *_ = arn.split(":")
    headers: dict[str, str] = {}
    with invoked_by("cognito-idp"):
        payload = get_backend(account, region).invoke(
            function_name=arn,
            qualifier=None,
            body=json.dumps(event),
            headers={},
            response_headers=headers,
        )
    result = json.loads(payload) if payload else {}
    if "x-amz-function-error" in headers:
        message = result.get("errorMessage", "") if isinstance(result, dict) else str(result)
        raise JsonRESTError("UserLambdaValidationException", f"{trigger} failed with error {message}.")
    return (result or {}).get("response") or {}
