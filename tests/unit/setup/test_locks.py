"""A fresh machine installs exactly what CI tested: every lock agrees with uv.lock and carries its hashes."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

UV = ROOT / ".tools" / "uv" / "bin" / "uv"
# What `sam build` installs into each function and layer (see LAMBDA_REQUIREMENTS in the Makefile).
LAMBDA_REQUIREMENTS = ["functions", "user-cloud/functions", "layers/crypto", "layers/service"]
TOOL_REQUIREMENTS = ["uv", "sam", "checkov"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions() -> dict[str, str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    return {normalised(package["name"]): package["version"] for package in lock["package"]}


def pins(requirements: Path) -> dict[str, str]:
    return {normalised(name): version for name, version in PIN.findall(requirements.read_text())}


def disagreements(requirements: Path) -> dict[str, tuple[str, str | None]]:
    """Each pin of ``requirements`` that uv.lock does not hold: name → (pinned, locked)."""
    locked = locked_versions()
    return {
        name: (version, locked.get(name)) for name, version in pins(requirements).items() if locked.get(name) != version
    }


def direct_requirements(requirements_in: Path) -> set[str]:
    lines = (line.split("#")[0].strip() for line in requirements_in.read_text().splitlines())
    return {normalised(re.split(r"[\[<>=!~; ]", line)[0]) for line in lines if line}


def test_uv_lock_matches_pyproject():
    if not UV.exists():
        pytest.skip("uv is installed by make (.tools/uv)")
    checked = subprocess.run([str(UV), "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True)
    assert checked.returncode == 0, f"uv.lock is stale for pyproject.toml: run make lock\n{checked.stderr}"


@pytest.mark.parametrize("folder", LAMBDA_REQUIREMENTS)
def test_what_sam_build_ships_to_lambda_is_what_the_tests_ran(folder):
    requirements = ROOT / folder / "requirements.txt"

    assert direct_requirements(ROOT / folder / "requirements.in") <= pins(requirements).keys()
    assert not disagreements(requirements), f"{requirements} disagrees with uv.lock (pinned, locked): run make lock"
    assert all(
        "==" in line or line.lstrip().startswith("#") for line in requirements.read_text().splitlines() if line.strip()
    )


@pytest.mark.parametrize("tool", TOOL_REQUIREMENTS)
def test_each_tool_installs_pinned_versions_checked_by_hash(tool):
    text = (ROOT / "tools" / tool / "requirements.txt").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2].strip())

    assert pins(ROOT / "tools" / tool / "requirements.txt").keys() >= direct_requirements(
        ROOT / "tools" / tool / "requirements.in"
    )
    unhashed = [entry.split()[0] for entry in entries if "--hash=sha256:" not in entry]
    assert not unhashed


def test_statelint_installs_from_its_package_lock_with_integrity_hashes():
    manifest = json.loads((ROOT / "tools/statelint/package.json").read_text())
    lock = json.loads((ROOT / "tools/statelint/package-lock.json").read_text())
    installed = {path: entry for path, entry in lock["packages"].items() if path}

    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in manifest["dependencies"].values())
    assert (
        installed[f"node_modules/{next(iter(manifest['dependencies']))}"]["version"]
        == manifest["dependencies"]["@wmfs/statelint"]
    )
    assert all(entry.get("integrity", "").startswith("sha512-") for entry in installed.values())


def test_a_requirements_file_one_release_off_the_lock_is_named(tmp_path):
    drifted = tmp_path / "requirements.txt"
    drifted.write_text(f"boto3==0.0.1  # via -r requirements.in\nmoto[server]=={locked_versions()['moto']}\n")

    assert disagreements(drifted) == {"boto3": ("0.0.1", locked_versions()["boto3"])}


def test_the_web_module_builds_from_its_package_lock_and_ships_only_a_qr_encoder():
    manifest = json.loads((ROOT / "web/package.json").read_text())
    lock = json.loads((ROOT / "web/package-lock.json").read_text())
    installed = {path: entry for path, entry in lock["packages"].items() if path}
    pinned = manifest["devDependencies"] | manifest["dependencies"]

    # Web Crypto alone for the crypto: esbuild, TypeScript and the linter are build tools, and the app's one runtime
    # dependency is the QR encoder, which has none of its own.
    assert manifest["dependencies"] == lock["packages"][""]["dependencies"] == {"uqr": "0.1.3"}
    assert "dependencies" not in installed["node_modules/uqr"]
    assert "uqr" not in "".join(path.read_text() for path in (ROOT / "web/src/crypto").glob("*.ts"))
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in pinned.values())
    assert all(installed[f"node_modules/{name}"]["version"] == version for name, version in pinned.items())
    assert all(entry.get("integrity", "").startswith("sha512-") for entry in installed.values())
