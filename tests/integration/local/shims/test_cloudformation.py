"""CloudFormation on the local cloud, as AWS documents it: a nested stack's outputs resolve wherever a template
names them (``Fn::GetAtt Nested.Outputs.X``), in its own outputs and in its resources' properties."""

from __future__ import annotations

import json


def test_getatt_of_a_nested_stack_output_resolves_in_outputs_and_properties(local_cloud, probe):
    assert probe["NestedGreeting"] == "hello probe"
    answer = json.loads(local_cloud.client("lambda").invoke(FunctionName=probe["WhoAmI"])["Payload"].read())
    assert answer["nested_greeting"] == "hello probe"
