"""IAM: a role another account may assume is held to its policies, within its permissions boundary.

moto authorizes no request unless told to check every caller's from the start
(``INITIAL_NO_AUTH_ACTION_COUNT``), which the local cloud cannot do: its own
administrators and the sessions it takes for services carry no policies worth
checking. The sessions that matter most are another account's: the platform
reaches a user's account only as the deployment role the user launched, and
what that role may not do (read the cloud's table or bucket, use its keys,
create roles) is the promise the bootstrap stack makes. Here those sessions are
held to their role's policies; everyone else's requests are left as moto leaves
them.
"""

from __future__ import annotations

import functools
import json
import re

from imegha_local.shims.core import PARTITION, patch
from imegha_local.shims.policies import could_allow, trusts_another_account

# How a SigV4 request names the service it was signed for (header or presigned query).
_SIGNED_FOR = re.compile(r"Credential=[^/,&]+/\d{8}/[^/]+/([^/]+)/aws4_request")


def _cross_account_roles_are_held_to_their_policies() -> None:
    """A session of a role whose trust policy names another account can do only what its policies could allow.

    As in AWS, a request signed by such a session is refused with
    ``AccessDenied`` when no statement of the role's policies (inline and
    attached) could allow its action on its resource, or no statement of the
    role's permissions boundary could. Conditions are taken to hold, and the
    resource is compared only where moto names it (S3's bucket and object; for
    other services any resource counts), so what is refused here is refused in
    AWS too; a grant that a condition or a resource would narrow in AWS is let
    through, and explicit ``Deny`` statements are not read (the README lists the
    gap). ``sts:GetCallerIdentity`` is always allowed, as in AWS.
    """
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.exceptions import AccessDeniedError, JsonRESTError
    from moto.iam.access_control import S3IAMRequest
    from moto.s3.exceptions import S3AccessDeniedError

    @patch(ActionAuthenticatorMixin, "_authenticate_and_authorize_action")
    def authorize(original, response, iam_request_cls, resource="*"):
        session = _session_of(response.get_access_key())
        if session is None:
            return original(response, iam_request_cls, resource)
        session_arn, role = session
        service = _signed_for(response)
        action = _action(response, service, iam_request_cls is S3IAMRequest)
        if action == "sts:GetCallerIdentity" or not trusts_another_account(
            _document(role.assume_role_policy_document), role.account_id
        ):
            return original(response, iam_request_cls, resource)
        grants, boundary = _policies(role)
        if could_allow(grants, action, resource) and (boundary is None or could_allow([boundary], action, resource)):
            return original(response, iam_request_cls, resource)
        if iam_request_cls is S3IAMRequest:
            raise S3AccessDeniedError()
        if _protocol(service) in ("json", "rest-json"):
            message = f"User: {session_arn} is not authorized to perform: {action}"
            raise JsonRESTError("AccessDeniedException", message)
        raise AccessDeniedError(user_arn=session_arn, action=action)


def _session_of(access_key: str):
    """(the session's ARN, its role) for an STS session's key; None for any other key."""
    from moto.iam.models import get_account_id_from, iam_backends
    from moto.sts.models import sts_backends

    account = get_account_id_from(access_key)
    session = sts_backends[account][PARTITION].get_assumed_role_from_access_key(access_key)
    if session is None:
        return None
    try:
        return session.arn, iam_backends[account][PARTITION].get_role_by_arn(session.role_arn)
    except Exception:  # noqa: BLE001 - the role is gone: nothing to hold the session to (AWS would refuse it)
        return None


def _signed_for(response) -> str:
    """The service a request was signed for (its IAM prefix): from its signature, else moto's name for it."""
    credential = response.headers.get("Authorization") or "".join(response.querystring.get("X-Amz-Credential", []))
    signed = _SIGNED_FOR.search(credential if "Credential=" in credential else f"Credential={credential}")
    return signed.group(1) if signed else response.service_name


def _action(response, service: str, s3: bool) -> str:
    """The IAM action a request asks for: S3's as moto names it, API Gateway's by HTTP method, else the operation."""
    if s3 and response.data.get("Action"):
        return f"s3:{response.data['Action']}"
    if service == "apigateway":
        return f"apigateway:{response.method}"
    return f"{service}:{response._get_action()}"


@functools.cache
def _protocol(service: str) -> str:
    """How the service words its errors (a JSON API names the refusal AccessDeniedException, a query API AccessDenied)."""
    import botocore.session

    try:
        return botocore.session.get_session().get_service_model(service).protocol
    except Exception:  # noqa: BLE001 - a name botocore does not know: moto's own XML error
        return "query"


def _policies(role) -> tuple[list[dict], dict | None]:
    """The role's grants (inline and attached) and its permissions boundary, as documents."""
    from moto.iam.models import iam_backends

    backend = iam_backends[role.account_id][PARTITION]
    grants = [_document(document) for document in role.policies.values()]
    grants += [_managed(backend, arn) for arn in role.managed_policies]
    boundary = _managed(backend, role.permissions_boundary_arn) if role.permissions_boundary_arn else None
    return grants, boundary


def _managed(backend, arn: str) -> dict:
    policy = backend.get_policy(arn)
    return _document(backend.get_policy_version(arn, policy.default_version_id).document)


def _document(document) -> dict:
    return json.loads(document) if isinstance(document, str) else document
