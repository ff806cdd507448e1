"""What `sam local invoke -e events/<file>.json --env-vars env.json` reads stays in step with the templates and tests."""

from __future__ import annotations

import json
from pathlib import Path

from imegha_local.templates import load_template
from tests.conftest import EVENTS, ROOT

TESTS = ROOT / "tests"
TEMPLATES = [ROOT / "template.yaml", *sorted((ROOT / "user-cloud").rglob("*.yaml"))]


def functions() -> dict[str, dict]:
    """Every Lambda function the templates declare, by logical id, with its properties."""
    declared = {}
    for template in TEMPLATES:
        for name, resource in (load_template(template).get("Resources") or {}).items():
            if resource.get("Type") == "AWS::Serverless::Function":
                declared[name] = resource.get("Properties", {})
    return declared


def test_every_sample_event_is_used_by_a_test():
    sources = "\n".join(path.read_text() for path in TESTS.rglob("*.py") if path != Path(__file__))

    unused = sorted(event.name for event in EVENTS.glob("*.json") if event.name not in sources)

    assert unused == []


def test_env_json_names_only_the_templates_functions_and_every_one_whose_environment_refers_to_a_resource():
    environment = json.loads((ROOT / "env.json").read_text())
    declared = functions()
    referring = {
        name
        for name, properties in declared.items()
        if any(not isinstance(value, str) for value in properties.get("Environment", {}).get("Variables", {}).values())
    }

    assert set(environment) - {"Parameters"} <= set(declared)
    assert referring <= set(environment)
