"""CloudFormation: SAM templates expand, nested stacks' outputs resolve, failed stacks roll back, as in AWS.

moto ignores ``Transform`` (a SAM template would create nothing), skips with a
warning every type it has no model for, resolves no ``Fn::GetAtt`` of a nested
stack's outputs, gives ``Ref`` of a layer version or an event bus no value,
leaves a stack whose resource failed ``CREATE_IN_PROGRESS`` for ever, deletes a
stack's resources in no particular order, gives ``Custom::`` types a model that
only ever creates, and never looks at a stack's service role. Here the SAM
transform runs on every stack, a type nothing models fails the stack naming it,
a failed stack rolls back and says why, resources are deleted after whatever
refers to them, ``Custom::`` types are custom resources (their provider is
:mod:`imegha_local.providers.cloudformation`), a service role CloudFormation
may not assume is refused, and stack outputs that give an API's ``execute-api``
URL give the local gateway's.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import threading
from typing import Any

from imegha_local.shims.core import PARTITION, active, is_active, patch
from imegha_local.shims.policies import Principal, trust_refusal

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# What ``Custom::<Name>`` is under a name of the template's choosing.
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"


def _ref_returns_what_aws_documents() -> None:
    """``Ref`` of a layer version is its ARN, and of an event bus its name.

    moto's models of these two types have no physical id, so ``Ref`` returns the
    model object itself and whatever uses it (a function's ``Layers``, a rule's
    ``EventBusName``) fails or receives nonsense.
    """
    from moto.awslambda.models import LayerVersion
    from moto.events.models import EventBus

    LayerVersion.physical_resource_id = property(lambda layer: layer.arn)
    EventBus.physical_resource_id = property(lambda bus: bus.name)


def _nested_stack_outputs_resolve() -> None:
    """``Fn::GetAtt NestedStack.Outputs.Name`` is the nested stack's output, and a failed nested stack fails its parent.

    moto's ``AWS::CloudFormation::Stack`` accepts every attribute but resolves
    none (GetAtt logs a warning and yields nothing, so the property that used it
    silently disappears), and creates a nested stack whatever becomes of it. A
    nested stack that fails is deleted as its parent rolls back, as in AWS, not
    left standing in ``ROLLBACK_COMPLETE`` beside it.
    """
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Stack

    def get_cfn_attribute(stack: Stack, attribute: str) -> Any:
        name = attribute.removeprefix("Outputs.")
        for output in stack.outputs or []:
            if attribute.startswith("Outputs.") and output["OutputKey"] == name:
                return output["OutputValue"]
        raise ValidationError(message=f"Template error: stack {stack.name} has no attribute {attribute}")

    Stack.get_cfn_attribute = get_cfn_attribute

    @patch(Stack, "create_from_cloudformation_json")
    def create_nested(original, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        from moto.cloudformation.models import cloudformation_backends

        stack = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        if stack.status != "CREATE_COMPLETE":
            reason = getattr(stack, "stack_status_reason", None) or stack.status
            # It has rolled its own resources back; the parent's rollback deletes the nested stack itself.
            backend = cloudformation_backends[account_id][region_name]
            backend.stacks.pop(stack.stack_id, None)
            backend.deleted_stacks[stack.stack_id] = stack
            stack.status = "DELETE_COMPLETE"
            stack._add_stack_event("DELETE_COMPLETE")
            raise ValidationError(message=f"Embedded stack {stack.stack_id} was not successfully created: {reason}")
        return stack


def _cloudformation_runs_the_sam_transform() -> None:
    """CloudFormation expands ``Transform: AWS::Serverless-2016-10-31`` and refuses what it cannot create.

    In AWS the SAM transform runs inside CloudFormation, on every stack and nested
    stack; moto ignores ``Transform`` and would create nothing from a SAM template.
    Here CreateStack, UpdateStack and CreateChangeSet run aws-sam-translator
    first. moto also skips, with a mere warning, every resource type it has no
    model for, so a template would deploy with pieces silently missing: such a
    template is refused instead, naming each resource and its type.
    """
    from moto.cloudformation.models import CloudFormationBackend

    @patch(CloudFormationBackend, "create_stack")
    def create_stack(original, backend, name, template, parameters, *args, **kwargs):
        return original(
            backend, name, _expanded(template, parameters, backend.region_name), parameters, *args, **kwargs
        )

    @patch(CloudFormationBackend, "update_stack")
    def update_stack(original, backend, name, template, role_arn, parameters, tags):
        values = {p["ParameterKey"]: p.get("ParameterValue") for p in parameters or [] if "ParameterValue" in p}
        return original(backend, name, _expanded(template, values, backend.region_name), role_arn, parameters, tags)

    @patch(CloudFormationBackend, "create_change_set")
    def create_change_set(original, backend, stack_name, change_set_name, template, parameters, *args, **kwargs):
        return original(
            backend,
            stack_name,
            change_set_name,
            _expanded(template, parameters, backend.region_name),
            parameters,
            *args,
            **kwargs,
        )


def _expanded(template: str | None, parameters: dict | None, region: str) -> str | None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Stack

    if not template:
        return template
    document = Stack.parse_template(template)
    transforms = document.get("Transform") or []
    transforms = [transforms] if isinstance(transforms, str) else transforms
    if not transforms and not _unsupported_types(document, parameters):
        return template
    unknown = [name for name in transforms if name != SAM_TRANSFORM]
    if unknown:
        raise ValidationError(message=f"Transform {', '.join(unknown)} is not supported by the local cloud")
    if transforms:
        document = _sam_translate_cached(document, parameters or {}, region)
    unsupported = _unsupported_types(document, parameters)
    if unsupported:
        raise ValidationError(
            message="The local cloud cannot create "
            + "; ".join(
                f"{logical_id} ({kind}): neither moto nor imegha_local.providers models this type"
                for logical_id, kind in unsupported
            )
        )
    return json.dumps(document)


def _unsupported_types(document: dict, parameters: dict | None) -> list[tuple[str, str]]:
    """The resources of a type nothing local models, leaving out those whose condition is false (CloudFormation
    creates nothing for them: the platform's CloudFront hosting, which the local cloud serves itself)."""
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    models = get_model_map()
    return [
        (logical_id, resource.get("Type"))
        for logical_id, resource in (document.get("Resources") or {}).items()
        if resource.get("Type") not in models
        and _condition_holds(document, resource.get("Condition"), parameters or {}) is not False
        and resource.get("Type") not in NULL_MODELS
        and not str(resource.get("Type")).startswith("Custom::")
    ]


def _condition_holds(document: dict, name: str | None, parameters: dict) -> bool | None:
    """Whether the template's condition ``name`` holds with these parameters (their defaults otherwise); None when it
    is not one of the plain forms (Fn::Equals of parameters and literals, Fn::Not, Fn::And, Fn::Or, Condition)."""
    if name is None:
        return True
    declared = document.get("Parameters") or {}

    def value(term):
        if isinstance(term, dict) and set(term) == {"Ref"} and term["Ref"] in declared:
            return parameters.get(term["Ref"], declared[term["Ref"]].get("Default"))
        if isinstance(term, dict):
            raise ValueError(term)
        return term

    def holds(condition) -> bool:
        (function, arguments), *_ = condition.items()
        if function == "Condition":
            return holds((document.get("Conditions") or {})[arguments])
        if function == "Fn::Equals":
            return str(value(arguments[0])) == str(value(arguments[1]))
        if function == "Fn::Not":
            return not holds(arguments[0])
        if function == "Fn::And":
            return all(holds(argument) for argument in arguments)
        if function == "Fn::Or":
            return any(holds(argument) for argument in arguments)
        raise ValueError(function)

    try:
        return holds((document.get("Conditions") or {})[name])
    except (KeyError, ValueError, TypeError, AttributeError):
        return None


def _sam_translate(document: dict, parameters: dict, region: str) -> dict:
    import boto3
    from moto.cloudformation.exceptions import ValidationError
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import to_py27_compatible_template, undo_mark_unicode_str_in_template

    values = {key: value for key, value in parameters.items() if value is not None}
    to_py27_compatible_template(document, values)
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    try:
        translated = translator.translate(
            document, parameter_values=values, get_managed_policy_map=_aws_managed_policies
        )
    except InvalidDocumentException as error:
        raise ValidationError(message=f"Transform {SAM_TRANSFORM} failed with: {error.message}") from None
    finally:
        translator.metrics.metrics_cache.clear()  # nothing to publish them to
    return undo_mark_unicode_str_in_template(translated)


def _sam_translate_cached(document: dict, parameters: dict, region: str) -> dict:
    """The SAM transform's output, remembered on disk: the same template, parameters, region and translator
    version always translate alike, and importing the translator alone costs a second at start."""
    from importlib.metadata import version

    values = {key: value for key, value in parameters.items() if value is not None}
    key = hashlib.sha256(
        json.dumps([document, values, region, version("aws-sam-translator")], sort_keys=True).encode()
    ).hexdigest()
    cached = active().code_cache.parent / "transforms" / f"{key}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    translated = _sam_translate(document, parameters, region)
    cached.parent.mkdir(parents=True, exist_ok=True)
    staging = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}")
    staging.write_text(json.dumps(translated))
    staging.replace(cached)
    return translated


@functools.cache
def _aws_managed_policies() -> dict[str, str]:
    """AWS managed policy name -> ARN, for templates naming a policy by name (as SAM allows)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return {
        name: f"arn:{PARTITION}:iam::aws:policy{policy.get('Path', '/')}{name}"
        for name, policy in json.loads(aws_managed_policies_data).items()
    }


def _cloudformation_reads_json_templates_as_json() -> None:
    """A JSON template is parsed as JSON.

    moto parses every template with PyYAML's pure-Python loader first (JSON is
    YAML), which takes a tenth of a second for a 50 KB template, on every
    CreateStack, nested stack and ``has_template`` check. Not a behaviour AWS
    documents; the local cloud's start and each test module's fresh cloud
    depend on it being quick.
    """
    from moto.cloudformation.models import Stack

    yaml_first = Stack.parse_template

    def parse_template(template: str) -> dict:
        if isinstance(template, str) and template.lstrip().startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                return json.loads(template)
        return yaml_first(template)

    Stack.parse_template = staticmethod(parse_template)


def _cloudformation_rolls_back_failed_stacks() -> None:
    """A stack whose resource fails to create is rolled back and says why.

    In AWS, CreateStack returns at once; a resource that fails is ``CREATE_FAILED``
    with its reason, the resources made so far are deleted and the stack ends in
    ``ROLLBACK_COMPLETE``. moto creates resources inside the CreateStack call and
    lets an exception escape as an internal error, leaving the half-built stack in
    ``CREATE_IN_PROGRESS`` for ever.
    """
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Event, Stack

    @patch(parsing, "parse_and_create_resource")
    def create_resource(original, logical_id, resource_json, *args, **kwargs):
        try:
            return original(logical_id, resource_json, *args, **kwargs)
        except Exception as error:
            error.__dict__.setdefault("failed_resources", []).append((logical_id, resource_json.get("Type")))
            raise

    @patch(Stack, "create_resources")
    def create_resources(original, stack):
        try:
            original(stack)
        except Exception as error:  # noqa: BLE001 - any failure is the resource's, reported as CloudFormation does
            logical_id, kind = (
                getattr(error, "failed_resources", None) or [(stack.name, "AWS::CloudFormation::Stack")]
            )[-1]
            reason = str(getattr(error, "message", "") or error) or type(error).__name__
            stack.events.append(Event(stack.stack_id, stack.name, logical_id, "", kind, "CREATE_FAILED", reason, None))
            stack.status = "ROLLBACK_IN_PROGRESS"
            stack.stack_status_reason = f"The following resource(s) failed to create: [{logical_id}]. {reason}"
            try:
                stack.resource_map.delete()
                stack.status, cleanup = "ROLLBACK_COMPLETE", None
            except Exception as failure:  # noqa: BLE001 - what could not be deleted stays, as in AWS
                stack.status, cleanup = "ROLLBACK_FAILED", f"could not delete everything: {failure}"
            stack._add_stack_event(stack.status, resource_status_reason=cleanup)


def _cloudformation_deletes_dependents_first() -> None:
    """A stack's resources are deleted after every resource that refers to them, as CloudFormation orders them.

    CloudFormation deletes in the reverse of the order it creates: a resource
    goes only once nothing left in the stack names it (``DependsOn``, ``Ref``,
    ``Fn::GetAtt``, ``Fn::Sub``). moto tries every resource in any order, again
    and again while fewer remain, so a custom resource could be asked to delete
    itself after its function and role were gone, and a bucket deleted before
    the resource that empties it. Here resources go dependents first, for
    deletions and rollbacks alike, and the first that cannot be deleted stops
    the deletion (moto's own retries hid the reason).
    """
    from moto.cloudformation import parsing

    @patch(parsing.ResourceMap, "delete")
    def delete(original, resources):
        templates = resources._resource_json_map
        for logical_id in _deletion_order(templates):
            parsed = resources._parsed_resources.get(logical_id)
            if templates[logical_id].get("DeletionPolicy") == "Retain" or parsed is None or isinstance(parsed, str):
                continue
            resources._delete_resource(parsed, templates[logical_id])
            resources._parsed_resources.pop(logical_id)


def _deletion_order(resources: dict[str, dict]) -> list[str]:
    """Logical ids, each after every resource that refers to it (in a cycle, which AWS refuses, in name order)."""
    refers_to = {name: _references(body, resources.keys()) - {name} for name, body in resources.items()}
    order: list[str] = []
    while refers_to:
        free = sorted(name for name in refers_to if not any(name in named for named in refers_to.values()))
        for name in free or sorted(refers_to):
            order.append(name)
            del refers_to[name]
    return order


def _references(body: Any, names: Any) -> set[str]:
    """The logical ids in ``names`` that a resource's template refers to."""
    found: set[str] = set()
    if isinstance(body, dict):
        depends = body.get("DependsOn", [])
        found.update([depends] if isinstance(depends, str) else depends)
        if isinstance(body.get("Ref"), str):
            found.add(body["Ref"])
        attribute = body.get("Fn::GetAtt")
        if attribute:
            found.add(attribute.split(".")[0] if isinstance(attribute, str) else attribute[0])
        substituted = body.get("Fn::Sub")
        if substituted:
            text = substituted if isinstance(substituted, str) else substituted[0]
            found.update(re.findall(r"\$\{([^}!.]+)", text))
        for value in body.values():
            found |= _references(value, names)
    elif isinstance(body, list):
        for value in body:
            found |= _references(value, names)
    return found & set(names)


def _custom_types_are_custom_resources() -> None:
    """``Custom::<Name>`` is ``AWS::CloudFormation::CustomResource`` under a name the template chose.

    moto gives every ``Custom::`` type a model of its own, which sends the
    function a Create request without waiting for its answer, and never sends
    Update or Delete. Here those types are made by the custom resource provider,
    as ``AWS::CloudFormation::CustomResource`` is.
    """
    from moto.cloudformation import parsing

    @patch(parsing, "resource_class_from_type")
    def resource_class_from_type(original, resource_type):
        return original(CUSTOM_RESOURCE if resource_type.startswith("Custom::") else resource_type)


def _cloudformation_assumes_only_a_service_role_that_trusts_it() -> None:
    """CreateStack and UpdateStack given a ``RoleARN`` that CloudFormation may not assume are refused.

    CloudFormation acts as a stack's service role for every operation on the
    stack, and refuses a role that does not exist or whose trust policy does not
    let ``cloudformation.amazonaws.com`` assume it, working for this account
    (``aws:SourceAccount``). moto records the role and never reads it. Here its
    trust policy is checked as STS checks it (:mod:`.policies`), the stack's
    account as the source account. The local cloud does not then act as the
    role: what its policies allow is not evaluated for what CloudFormation does
    (the README lists the gap).
    """
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend

    def refuse_unless_assumable(backend, role_arn: str | None) -> None:
        cloudformation = Principal.service("cloudformation.amazonaws.com")
        if role_arn and trust_refusal(role_arn, cloudformation, source_account=backend.account_id):
            raise ValidationError(message=f"Role {role_arn} is invalid or cannot be assumed")

    for method in ("create_stack", "update_stack"):

        @patch(CloudFormationBackend, method)
        def with_role(original, backend, *args, **kwargs):
            refuse_unless_assumable(backend, kwargs.get("role_arn"))
            return original(backend, *args, **kwargs)


def _stack_outputs_name_the_local_gateway() -> None:
    """Stack outputs that give an API's ``execute-api`` URL give the local gateway's URL for it.

    Templates build their API's URL from the API id and the region
    (``https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Stage}``); no DNS
    resolves that name locally, so whoever reads the outputs (the CLI, the deploy
    state machine) gets the address where the local gateway serves that stage.
    """
    from moto.cloudformation.models import Stack

    original = Stack.outputs.fget

    def outputs(stack: Stack) -> list[dict] | None:
        if is_active() and stack.status.startswith("ROLLBACK"):
            return None  # nothing to resolve them from (moto would try to create the missing resources)
        listed = original(stack)
        if not listed or not is_active():
            return listed
        return [{**output, "OutputValue": local_url(str(output["OutputValue"]))} for output in listed]

    Stack.outputs = property(outputs)


def _conditioned_out_resources_do_not_exist() -> None:
    """A resource whose ``Condition`` is false is not in the stack, for every call that lists or names resources.

    moto keeps such a resource in the stack's resource map as ``None``, so
    ``DescribeStackResource`` of any resource listed after it fails with a 500
    (the platform's web-app hosting is conditioned out on the local cloud).
    """
    from moto.cloudformation.models import Stack

    original = Stack.stack_resources.fget

    def stack_resources(stack: Stack) -> list:
        return [resource for resource in original(stack) if resource is not None]

    Stack.stack_resources = property(stack_resources)


def local_url(value: str) -> str:
    """``value`` with each AWS invoke URL of a locally served API replaced by the local gateway's."""
    for aws_url, local in sorted(active().api_urls.items(), key=lambda item: -len(item[0])):
        value = value.replace(aws_url, local)
    return value
