"""The internals of CloudFormation, which deploys every template."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, added, attribute, class_, function, method, prop

INTERNALS: tuple[Internal, ...] = (
    # moto.cloudformation
    class_("moto.cloudformation.exceptions.UnformattedGetAttTemplateException", None, "providers.base.Provider"),
    class_(
        "moto.cloudformation.exceptions.ValidationError",
        "name_or_id, message",
        "shims.cloudformation._nested_stack_outputs_resolve",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
    ),
    method(
        "moto.cloudformation.models.CloudFormationBackend.create_change_set",
        "self, stack_name, change_set_name, template, parameters, description, change_set_type, notification_arns, "
        "tags, role_arn",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
    ),
    method(
        "moto.cloudformation.models.CloudFormationBackend.create_stack",
        "self, name, template, parameters, notification_arns, tags, role_arn, enable_termination_protection, "
        "timeout_in_mins, stack_policy_body",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
        "shims.cloudformation._cloudformation_assumes_only_a_service_role_that_trusts_it",
    ),
    attribute(
        "moto.cloudformation.models.CloudFormationBackend.deleted_stacks",
        "shims.cloudformation._nested_stack_outputs_resolve",
    ),
    attribute(
        "moto.cloudformation.models.CloudFormationBackend.stacks", "shims.cloudformation._nested_stack_outputs_resolve"
    ),
    method(
        "moto.cloudformation.models.CloudFormationBackend.update_stack",
        "self, name, template, role_arn, parameters, tags",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
        "shims.cloudformation._cloudformation_assumes_only_a_service_role_that_trusts_it",
    ),
    class_(
        "moto.cloudformation.models.Event",
        "stack_id, stack_name, logical_resource_id, physical_resource_id, resource_type, resource_status, "
        "resource_status_reason, resource_properties",
        "shims.cloudformation._cloudformation_rolls_back_failed_stacks",
    ),
    method(
        "moto.cloudformation.models.Stack._add_stack_event",
        "self, resource_status, resource_status_reason, resource_properties",
        "shims.cloudformation._nested_stack_outputs_resolve",
        "shims.cloudformation._cloudformation_rolls_back_failed_stacks",
    ),
    method(
        "moto.cloudformation.models.Stack.create_from_cloudformation_json",
        "resource_name, cloudformation_json, account_id, region_name, **kwargs",
        "shims.cloudformation._nested_stack_outputs_resolve",
    ),
    method(
        "moto.cloudformation.models.Stack.create_resources",
        "self",
        "shims.cloudformation._cloudformation_rolls_back_failed_stacks",
    ),
    attribute(
        "moto.cloudformation.models.Stack.events", "shims.cloudformation._cloudformation_rolls_back_failed_stacks"
    ),
    added("moto.cloudformation.models.Stack.get_cfn_attribute", "shims.cloudformation._nested_stack_outputs_resolve"),
    prop(
        "moto.cloudformation.models.Stack.outputs",
        "shims.cloudformation._stack_outputs_name_the_local_gateway",
        "shims.cloudformation._nested_stack_outputs_resolve",
    ),
    method(
        "moto.cloudformation.models.Stack.parse_template",
        "template",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
        "shims.cloudformation._cloudformation_reads_json_templates_as_json",
    ),
    attribute(
        "moto.cloudformation.models.Stack.resource_map", "shims.cloudformation._cloudformation_rolls_back_failed_stacks"
    ),
    prop(
        "moto.cloudformation.models.Stack.stack_resources",
        "shims.cloudformation._conditioned_out_resources_do_not_exist",
    ),
    attribute(
        "moto.cloudformation.models.cloudformation_backends", "shims.cloudformation._nested_stack_outputs_resolve"
    ),
    attribute("moto.cloudformation.parsing.NULL_MODELS", "shims.cloudformation._cloudformation_runs_the_sam_transform"),
    method(
        "moto.cloudformation.parsing.ResourceMap._delete_resource",
        "self, parsed_resource, resource_json",
        "shims.cloudformation._cloudformation_deletes_dependents_first",
    ),
    attribute(
        "moto.cloudformation.parsing.ResourceMap._parsed_resources",
        "shims.cloudformation._cloudformation_deletes_dependents_first",
    ),
    attribute(
        "moto.cloudformation.parsing.ResourceMap._resource_json_map",
        "shims.cloudformation._cloudformation_deletes_dependents_first",
    ),
    method(
        "moto.cloudformation.parsing.ResourceMap.delete",
        "self",
        "shims.cloudformation._cloudformation_rolls_back_failed_stacks",
        "shims.cloudformation._cloudformation_deletes_dependents_first",
    ),
    function("moto.cloudformation.parsing.get_model_list", "", "providers.register"),
    method(
        "moto.cloudformation.parsing.get_model_map.cache_clear",
        "",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
        "providers.register",
    ),
    method("moto.cloudformation.parsing.get_name_type_map.cache_clear", "", "providers.register"),
    function(
        "moto.cloudformation.parsing.parse_and_create_resource",
        "logical_id, resource_json, resources_map, account_id, region_name",
        "shims.cloudformation._cloudformation_rolls_back_failed_stacks",
        # It passes a resource's LogicalId, StackId and ResourceType to the model as keyword arguments.
        "providers.cloudformation.CustomResource",
    ),
    function(
        "moto.cloudformation.parsing.resource_class_from_type",
        "resource_type",
        "shims.cloudformation._custom_types_are_custom_resources",
    ),
)
