"""The internals of Step Functions."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, attribute, class_, function, method, module

INTERNALS: tuple[Internal, ...] = (
    # moto.stepfunctions
    module("moto.stepfunctions.parser", "shims.stepfunctions._step_functions_tasks_use_their_role"),
    class_(
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials.StateCredentials",
        "role_arn",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    attribute(
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service.StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES",
        "shims.stepfunctions._step_functions_sdk_tasks_name_eventbridge_as_aws_does",
    ),
    attribute(
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk._SERVICE_ERROR_NAMES",
        "shims.stepfunctions._step_functions_sdk_tasks_name_eventbridge_as_aws_does",
    ),
    method(
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task.StateTask._eval_state_credentials",
        "self, env",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    attribute(
        "moto.stepfunctions.parser.asl.eval.environment.Environment.aws_execution_details",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    attribute(
        "moto.stepfunctions.parser.asl.eval.evaluation_details.AWSExecutionDetails.role_arn",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    function(
        "moto.stepfunctions.parser.asl.utils.boto_client.boto_client_for",
        "region, service, state_credentials",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    method(
        "moto.stepfunctions.parser.models.StepFunctionsParserBackend.create_state_machine",
        "self, name, definition, roleArn, tags, publish, loggingConfiguration, tracingConfiguration, "
        "encryptionConfiguration, version_description, sm_type",
        "providers.stepfunctions.StateMachine",
    ),
    method(
        "moto.stepfunctions.parser.models.StepFunctionsParserBackend.delete_state_machine",
        "self, arn",
        "providers.stepfunctions.StateMachine",
    ),
    method(
        "moto.stepfunctions.parser.models.StepFunctionsParserBackend.start_execution",
        "self, state_machine_arn, name, execution_input, trace_header",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
    ),
    function(
        "moto.stepfunctions.responses.get_backend",
        "account, region",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
        "providers.stepfunctions.StateMachine",
    ),
)
