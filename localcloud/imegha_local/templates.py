"""Reading CloudFormation/SAM templates, short-form intrinsics included.

The templates are the one source of truth for what exists; everything local
(the cloud, the tests) reads them through here.
"""

from __future__ import annotations

from pathlib import Path

import yaml

_SHORT_FORM_FUNCTIONS = (
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "Condition",
)


class _TemplateLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML with CloudFormation's ``!Tag`` shorthands turned into their long ``Fn::`` forms (parsed by libyaml
    where PyYAML has it: ten times faster than the pure-Python parser, and every deployment reads ten templates)."""


def _long_form(name: str):
    def construct(loader: yaml.SafeLoader, node: yaml.Node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if name == "Ref" or name == "Condition":
            return {name: value}
        if name == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{name}": value}

    return construct


for _name in (*_SHORT_FORM_FUNCTIONS, "Ref", "GetAtt"):
    _TemplateLoader.add_constructor(f"!{_name}", _long_form(_name))


def load_template(path: Path) -> dict:
    with open(path, encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_TemplateLoader)  # noqa: S506 - SafeLoader subclass
