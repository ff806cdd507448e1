"""Step Functions: a state machine's tasks act as its roles, in its account, and SDK tasks name services as AWS does.

moto's interpreter makes every task's AWS call with fixed keys, in moto's
default account, ignoring a task's ``Credentials``, and looks an SDK
integration's service up by boto3's name (so ``aws-sdk:eventbridge`` fails). As
in AWS, a task runs with the execution role's session (its trust policy must
allow ``states.amazonaws.com``) or, with ``Credentials``, as the role it names;
and ``eventbridge`` is EventBridge, its errors ``EventBridge.*``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imegha_local.shims.core import active, is_active, patch
from imegha_local.shims.lambda_ import SOURCE_USER_AGENT
from imegha_local.shims.sts import SESSION_SECONDS, service_credentials


def _step_functions_tasks_use_their_role() -> None:
    """A state machine's tasks call AWS as its execution role, in its account, or as the task's ``Credentials`` role.

    moto's interpreter makes every task's AWS call with the fixed keys
    ``ak``/``sk`` against ``localhost:$MOTO_PORT``: the calls land in moto's default
    account whatever account the state machine lives in, and a task's
    ``Credentials.RoleArn`` (cross-account tasks) is ignored. Here a task runs with
    the execution role's session, which ``states.amazonaws.com`` must be trusted
    to assume; with ``Credentials``, that session then assumes the named role
    through STS, so the target role's trust policy decides, as in AWS.
    """
    import importlib
    import pkgutil

    import moto.stepfunctions.parser as parser
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import StateCredentials
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
    from moto.stepfunctions.parser.asl.utils import boto_client

    @dataclass
    class TaskCredentials(StateCredentials):
        execution_role_arn: str = ""

    @patch(StateTask, "_eval_state_credentials")
    def eval_state_credentials(original, task, env):
        credentials = original(task, env)
        return TaskCredentials(role_arn=credentials.role_arn, execution_role_arn=env.aws_execution_details.role_arn)

    # The interpreter's modules import the client factory by name: replace it in each.
    for module_info in pkgutil.walk_packages(parser.__path__, parser.__name__ + "."):
        if module_info.name.startswith(f"{parser.__name__}.asl.component"):
            importlib.import_module(module_info.name)
    global _moto_task_client
    _moto_task_client = boto_client.boto_client_for
    for module in list(_modules_under(parser.__name__)):
        if getattr(module, "boto_client_for", None) is _moto_task_client:
            module.boto_client_for = _task_client


def _step_functions_sdk_tasks_name_eventbridge_as_aws_does() -> None:
    """``arn:aws:states:::aws-sdk:eventbridge:<action>`` calls EventBridge, and its errors are ``EventBridge.*``.

    Step Functions names the service ``eventbridge`` in SDK integrations, while
    boto3 calls it ``events``: moto's interpreter looks the name up in boto3 as it
    is and fails the task with an unknown service. A state that catches
    ``EventBridge.ResourceNotFoundException`` (as AWS names it) must see that name.
    """
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
        state_task_service_aws_sdk,
    )

    state_task_service.StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES["eventbridge"] = "events"
    state_task_service_aws_sdk._SERVICE_ERROR_NAMES["eventbridge"] = "EventBridge"


def _modules_under(prefix: str):
    import sys

    return (module for name, module in list(sys.modules.items()) if name.startswith(prefix) and module)


_moto_task_client: Callable | None = None
_task_sessions: dict[str, Any] = {}
_task_lock = threading.Lock()


def _task_client(region: str, service: str, state_credentials: Any = None):
    import boto3
    from botocore.config import Config

    if not is_active():
        return _moto_task_client(region=region, service=service, state_credentials=state_credentials)
    hooks = active()
    role_arn = getattr(state_credentials, "role_arn", None)
    execution_role = getattr(state_credentials, "execution_role_arn", None) or role_arn
    if not execution_role:
        raise PermissionError("the state machine has no execution role")
    credentials = service_credentials(execution_role, "states.amazonaws.com", "states-task")
    config = Config(
        parameter_validation=False,
        retries={"max_attempts": 0, "total_max_attempts": 1},
        user_agent_extra=f"{SOURCE_USER_AGENT}/states",
    )
    with _task_lock:
        session = _task_sessions.setdefault("session", boto3.Session())
    if role_arn and role_arn != execution_role:
        sts = session.client(
            "sts", region_name=region, endpoint_url=hooks.endpoint_url, config=config, **_client_keys(credentials)
        )
        assumed = sts.assume_role(RoleArn=role_arn, RoleSessionName="states-task", DurationSeconds=SESSION_SECONDS)
        credentials = {
            "AWS_ACCESS_KEY_ID": assumed["Credentials"]["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": assumed["Credentials"]["SecretAccessKey"],
            "AWS_SESSION_TOKEN": assumed["Credentials"]["SessionToken"],
        }
    return session.client(
        service, region_name=region, endpoint_url=hooks.endpoint_url, config=config, **_client_keys(credentials)
    )


def _client_keys(credentials: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": credentials["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": credentials["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": credentials["AWS_SESSION_TOKEN"],
    }
