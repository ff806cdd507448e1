"""Step Functions: ``AWS::StepFunctions::StateMachine`` in the backend that executes it, from any form of definition.

moto's own model reads ``DefinitionString`` only, ignores
``DefinitionSubstitutions``, and creates the machine where StartExecution
cannot find it.
"""

from __future__ import annotations

import json

from imegha_local.providers.base import Provider, s3_object
from imegha_local.shims.core import LocalCloudUnsupported


class StateMachine(Provider):
    """A state machine in the executing backend, its definition from any of the template's three forms.

    moto's own model reads ``DefinitionString`` only (not ``Definition`` or
    ``DefinitionS3Location``), ignores ``DefinitionSubstitutions``, and creates the
    machine in the backend that does not execute, so StartExecution could not find it.
    """

    TYPE = "AWS::StepFunctions::StateMachine"
    NAME_PROPERTY = "StateMachineName"
    ATTRIBUTES = ("Arn", "Name", "StateMachineRevisionId")

    @classmethod
    def create(cls, name, properties, account_id, region):
        from moto.stepfunctions.responses import get_backend

        definition = properties.get("DefinitionString") or properties.get("Definition")
        if "DefinitionS3Location" in properties:
            location = properties["DefinitionS3Location"]
            definition = s3_object(account_id, location["Bucket"], location["Key"]).decode()
        if definition is None:
            raise LocalCloudUnsupported("a state machine needs a definition")
        if not isinstance(definition, str):
            definition = json.dumps(definition)
        for key, value in (properties.get("DefinitionSubstitutions") or {}).items():
            definition = definition.replace("${" + key + "}", str(value))
        machine = get_backend(account_id, region).create_state_machine(
            name=name,
            definition=definition,
            roleArn=properties.get("RoleArn"),
            tags=[{"key": tag["Key"], "value": tag["Value"]} for tag in properties.get("Tags") or []],
            loggingConfiguration=properties.get("LoggingConfiguration"),
            tracingConfiguration=properties.get("TracingConfiguration"),
            sm_type=properties.get("StateMachineType", "STANDARD"),
        )
        return cls(
            machine.arn,
            account_id,
            region,
            {"Arn": machine.arn, "Name": machine.name, "StateMachineRevisionId": getattr(machine, "revision_id", None)},
        )

    def delete(self, account_id, region):
        from moto.stepfunctions.responses import get_backend

        get_backend(account_id, region).delete_state_machine(self.physical_resource_id)
