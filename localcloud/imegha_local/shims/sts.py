"""STS: a role is assumed only as its trust policy allows, ``sts:ExternalId`` included, by callers and services alike.

moto lets any caller assume any role, even one that does not exist. Here
AssumeRole checks the role's trust policy (:mod:`.policies`), and the sessions
the local cloud itself takes for a service (a function's role, a state
machine's) pass the same check for that service's principal.
"""

from __future__ import annotations

import datetime as dt
import threading

from imegha_local.shims import core  # core.now() at each call: the clock tests move
from imegha_local.shims.core import PARTITION, patch
from imegha_local.shims.policies import Principal, trust_refusal

SESSION_SECONDS = 3600


def _assume_role_honours_trust_policies() -> None:
    """AssumeRole is allowed only by the role's trust policy, ``sts:ExternalId`` conditions included.

    moto lets any caller assume any role, even one that does not exist, so the
    confused-deputy defence of cross-account deployment (the role trusts the
    platform account only with ``sts:ExternalId = imegha-{uuid}``) would pass with
    a wrong or missing ExternalId. Here the role must exist and an ``Allow``
    statement for ``sts:AssumeRole`` must name the caller (its account, user, role
    or ``*``) with every condition met, and no ``Deny`` may match; otherwise the
    call fails with ``AccessDenied``, as in AWS. Conditions on keys or with
    operators it does not know count as unmet: the local cloud refuses rather
    than guesses.
    """
    from moto.sts.exceptions import STSClientError
    from moto.sts.responses import TokenResponse

    @patch(TokenResponse, "assume_role")
    def assume_role(original, response):
        role_arn = response._get_param("RoleArn")
        caller = _caller(response.get_access_key())
        refusal = trust_refusal(role_arn, caller, response._get_param("ExternalId"))
        if refusal:
            raise STSClientError(
                "AccessDenied",
                f"User: {caller.described} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
                f" ({refusal})",
            )
        return original(response)


def _caller(access_key: str) -> Principal:
    from moto.iam.models import get_account_id_from, iam_backends
    from moto.sts.models import sts_backends

    account = get_account_id_from(access_key)
    session = sts_backends[account][PARTITION].get_assumed_role_from_access_key(access_key)
    if session:
        return Principal(account, session.arn, session.role_arn)
    user = iam_backends[account][PARTITION].get_user_from_access_key_id(access_key)
    return Principal(account, user.arn if user else f"arn:{PARTITION}:iam::{account}:root")


def signing_key(access_key: str):
    """The secret of ``access_key`` (an IAM user's or an STS session's) and whose it is, or None: what the local
    gateway checks a Signature Version 4 against."""
    from moto.iam.models import get_account_id_from, iam_backends
    from moto.sts.models import sts_backends

    from imegha_local.sigv4 import SigningKey

    account = get_account_id_from(access_key)
    session = sts_backends[account][PARTITION].get_assumed_role_from_access_key(access_key)
    if session:
        role_name = session.role_arn.rsplit("/", 1)[1]  # API Gateway names the role by its id; the name says as much
        return SigningKey(session.secret_access_key, account, session.arn, f"{role_name}:{session.session_name}")
    user = iam_backends[account][PARTITION].get_user_from_access_key_id(access_key)
    key = next((key for key in user.access_keys if key.access_key_id == access_key), None) if user else None
    return SigningKey(key.secret_access_key, account, user.arn, user.id) if key else None


_credentials_cache: dict[tuple[str, str], dict[str, str]] = {}
_credentials_lock = threading.Lock()


def service_credentials(role_arn: str, service: str, session_name: str) -> dict[str, str]:
    """Credentials of ``role_arn`` as ``service`` assumes it for its work (a function's, a state machine's).

    The role's trust policy must allow the service, as AWS checks; sessions are
    reused until a quarter of an hour before they lapse.
    """
    from moto.sts.models import sts_backends

    key = (role_arn, service)
    with _credentials_lock:
        cached = _credentials_cache.get(key)
        if cached and (
            dt.datetime.fromisoformat(cached["AWS_CREDENTIAL_EXPIRATION"]) > core.now() + dt.timedelta(minutes=15)
        ):
            return cached
    refusal = trust_refusal(role_arn, Principal.service(service))
    if refusal:
        raise PermissionError(f"{service} cannot assume {role_arn}: {refusal}")
    account = role_arn.split(":")[4]
    session = sts_backends[account][PARTITION].assume_role(
        region_name="us-east-1",
        role_session_name=session_name[:64],
        role_arn=role_arn,
        policy=None,
        duration=SESSION_SECONDS,
        external_id=None,
    )
    credentials = {
        "AWS_ACCESS_KEY_ID": session.access_key_id,
        "AWS_SECRET_ACCESS_KEY": session.secret_access_key,
        "AWS_SESSION_TOKEN": session.session_token,
        "AWS_CREDENTIAL_EXPIRATION": session.expiration.replace(tzinfo=dt.UTC).isoformat(),
    }
    with _credentials_lock:
        _credentials_cache[key] = credentials
    return credentials


def forget_credentials() -> None:
    """Drop cached sessions (after moto's state is reset, they name nothing)."""
    with _credentials_lock:
        _credentials_cache.clear()
