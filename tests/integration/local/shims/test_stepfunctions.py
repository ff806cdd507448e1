"""Step Functions on the local cloud, as AWS documents it: a task calls AWS as the state machine's execution role, in
its account, or, with ``Credentials``, as the role it names in another account."""

from __future__ import annotations

import json

from tests.integration.polling import eventually


def test_tasks_act_as_the_execution_role_or_as_their_credentials_role(local_cloud, probe, other_account):
    sfn = local_cloud.client("stepfunctions")
    run = sfn.start_execution(stateMachineArn=probe["MachineArn"], input="{}")
    execution = eventually(
        lambda: (lambda e: e if e["status"] != "RUNNING" else None)(
            sfn.describe_execution(executionArn=run["executionArn"])
        )
    )

    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    output = json.loads(execution["output"])
    machine_role = probe["MachineRoleArn"].rsplit("/", 1)[1]
    assert output["own"]["Account"] == local_cloud.platform.account_id
    assert f":assumed-role/{machine_role}/" in output["own"]["Arn"]
    assert output["other"]["Account"] == other_account.account_id
    assert ":assumed-role/trusts-the-platform/" in output["other"]["Arn"]
