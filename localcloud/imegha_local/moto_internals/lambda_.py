"""The internals of Lambda, whose functions run in the local runtime."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, added, attribute, class_, function, method

INTERNALS: tuple[Internal, ...] = (
    # moto.awslambda
    class_(
        "moto.awslambda.exceptions.InvalidParameterValueException",
        "message",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.lambda_._lambda_reads_code_only_from_its_own_region",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.create_function",
        "self, spec",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.delete_function",
        "self, function_name, qualifier",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.invoke",
        "self, function_name, qualifier, body, headers, response_headers",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.layers_versions_by_arn",
        "self, layer_version_arn",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.send_dynamodb_items",
        "self, function_arn, items, source",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.send_kinesis_message",
        "self, function_name, kinesis_stream, kinesis_partition_key, kinesis_sequence_number, kinesis_data, "
        "kinesis_shard_id",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.send_sns_message",
        "self, function_name, message, subject, qualifier",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.send_sqs_batch",
        "self, function_arn, messages, queue_arn",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaFunction.__init__",
        "self, account_id, spec, region, version",
        "shims.lambda_._lambda_reads_code_only_from_its_own_region",
    ),
    method(
        "moto.awslambda.models.LambdaFunction._get_layers_data",
        "self, layers_versions_arns",
        "shims.lambda_._cloudformation_keeps_lambda_layers",
    ),
    attribute("moto.awslambda.models.LambdaFunction.code_bytes", "shims.lambda_._lambda_runs_in_the_local_runtime"),
    method(
        "moto.awslambda.models.LambdaFunction.create_from_cloudformation_json",
        "resource_name, cloudformation_json, account_id, region_name, **kwargs",
        "shims.lambda_._cloudformation_keeps_lambda_layers",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
    ),
    added(
        "moto.awslambda.models.LambdaFunction.dead_letter_config",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
    ),
    attribute(
        "moto.awslambda.models.LambdaFunction.environment_vars", "shims.lambda_._lambda_runs_in_the_local_runtime"
    ),
    method(
        "moto.awslambda.models.LambdaFunction.invoke",
        "self, body, request_headers, response_headers",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    attribute(
        "moto.awslambda.models.LambdaFunction.layers",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.lambda_._cloudformation_keeps_lambda_layers",
    ),
    method(
        "moto.awslambda.models.LambdaFunction.update_configuration",
        "self, config_updates",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaFunction.update_function_code",
        "self, updated_spec",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    attribute("moto.awslambda.models.LayerVersion.code_bytes", "shims.lambda_._lambda_runs_in_the_local_runtime"),
    method(
        "moto.awslambda.models.LayerVersion.__init__",
        "self, spec, account_id, region",
        "shims.lambda_._lambda_reads_code_only_from_its_own_region",
    ),
    method(
        "moto.awslambda.models.LayerVersion.create_from_cloudformation_json",
        "resource_name, cloudformation_json, account_id, region_name, **kwargs",
        "shims.lambda_._cloudformation_keeps_lambda_layers",
    ),
    added(
        "moto.awslambda.models.LayerVersion.physical_resource_id",
        "shims.cloudformation._ref_returns_what_aws_documents",
    ),
    function(
        "moto.awslambda.utils.get_backend",
        "account_id, region",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.lambda_._cloudformation_keeps_lambda_layers",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
)
