"""Where moto differs from AWS in ways iMegha depends on, each gap closed by one named shim, one module per service.

moto is an excellent model of AWS's APIs, but several behaviours that a real
deployment relies on are stubbed, skipped or not modelled at all. Each function
named ``_<behaviour>`` restores one documented AWS behaviour, says why it is
needed, and patches as little as it can; each module opens with what it restores
for its service. :func:`install` applies them all, listed below, once per
process (moto's state is process-wide); :func:`activate` points them at the
running local cloud (its Lambda runtime, gateway and endpoint), and until then
moto behaves as moto (:mod:`.core`).

The tests (``tests/integration/local/shims``) show each behaviour as AWS
documents it, through the AWS APIs, never by calling a shim. Every part of moto a
shim patches, calls or reads is listed once in :mod:`imegha_local.moto_internals`,
which a unit test checks against the installed moto.
"""

from __future__ import annotations

import threading

from imegha_local.shims import (
    botocore,
    cloudformation,
    cognito,
    dynamodb,
    eventbridge,
    iam,
    kms,
    lambda_,
    moto_server,
    s3,
    sns,
    stepfunctions,
    sts,
)
from imegha_local.shims.core import Hooks, LocalCloudUnsupported, activate, deactivate
from imegha_local.shims.sts import forget_credentials, signing_key

__all__ = ["Hooks", "LocalCloudUnsupported", "activate", "deactivate", "forget_credentials", "install", "signing_key"]

# In the order they are applied: where two patch the same method, the later wraps the earlier.
SHIMS = (
    botocore._botocore_decodes_each_data_file_once,
    botocore._moto_lists_regions_once_per_service,
    lambda_._lambda_runs_in_the_local_runtime,
    moto_server._state_dump_reads_functions_without_docker,
    lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue,
    lambda_._cloudformation_keeps_lambda_layers,
    lambda_._lambda_reads_code_only_from_its_own_region,
    cloudformation._ref_returns_what_aws_documents,
    eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions,
    eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names,
    cloudformation._nested_stack_outputs_resolve,
    sts._assume_role_honours_trust_policies,
    stepfunctions._step_functions_tasks_use_their_role,
    stepfunctions._step_functions_sdk_tasks_name_eventbridge_as_aws_does,
    cognito._cognito_invokes_lambda_triggers,
    cognito._cognito_resends_confirmation_codes,
    cognito._cognito_revokes_refresh_tokens,
    cognito._cognito_hides_whether_a_user_exists,
    cognito._cognito_checks_authenticator_codes,
    cloudformation._cloudformation_runs_the_sam_transform,
    cloudformation._cloudformation_reads_json_templates_as_json,
    cloudformation._cloudformation_rolls_back_failed_stacks,
    cloudformation._cloudformation_deletes_dependents_first,
    cloudformation._custom_types_are_custom_resources,
    cloudformation._cloudformation_assumes_only_a_service_role_that_trusts_it,
    iam._cross_account_roles_are_held_to_their_policies,
    s3._bucket_policies_apply_the_statements_whose_conditions_hold,
    s3._s3_honours_presigned_urls_as_signed,
    s3._cloudformation_makes_buckets_versioned_as_declared,
    sns._sns_delivers_to_subscribed_mobile_endpoints,
    sns._sns_publishes_to_a_mobile_endpoint_as_its_platform_reads_it,
    kms._cloudformation_makes_keys_of_their_spec_and_usage,
    cloudformation._stack_outputs_name_the_local_gateway,
    cloudformation._conditioned_out_resources_do_not_exist,
    dynamodb._dynamodb_throttles_and_conflicts_as_faults_inject,
)

_installed = False
_install_lock = threading.Lock()


def install() -> None:
    """Apply every shim to moto, once per process."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from moto.core.config import default_user_config

        # Step Functions executes state machines for real (moto's interpreter from LocalStack).
        default_user_config["stepfunctions"]["execute_state_machine"] = True
        for shim in SHIMS:
            shim()
        _installed = True
