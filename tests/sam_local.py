"""Loading a Lambda as `sam local invoke` runs it: its template's CodeUri and Handler, the template's literal
environment variables, then env.json's (its Parameters, then the function's own)."""

from __future__ import annotations

import json
from pathlib import Path

from imegha_local.functions import load_handler
from imegha_local.templates import load_template
from tests.conftest import ROOT

SAM_ENVIRONMENT = json.loads((ROOT / "env.json").read_text())


def sam_handler(monkeypatch, template: Path, function: str):
    loaded = load_template(template)
    properties = loaded["Resources"][function]["Properties"]
    declared = {
        **loaded.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}),
        **properties.get("Environment", {}).get("Variables", {}),
    }
    literal = {name: value for name, value in declared.items() if isinstance(value, str)}
    for name, value in (literal | SAM_ENVIRONMENT["Parameters"] | SAM_ENVIRONMENT[function]).items():
        monkeypatch.setenv(name, value)
    return load_handler((template.parent / properties.get("CodeUri", "functions/")).resolve(), properties["Handler"])
