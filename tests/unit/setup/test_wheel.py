"""The wheel a user installs works on its own: every package in it, the CLI without the local cloud's extra."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile

import pytest

from tests.conftest import ROOT
from tests.unit.setup.test_locks import UV

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed_without_extras(tmp_path_factory):
    """The wheel built (from the sdist, so nothing stale in build/ slips in) from pyproject.toml, installed with the locked versions into a venv of its own."""
    if not UV.exists():
        pytest.skip("uv is installed by make (.tools/uv)")
    work = tmp_path_factory.mktemp("wheel")
    run = lambda *command: subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)  # noqa: E731
    run(str(UV), "build", "--quiet", "--out-dir", str(work / "dist"))
    run(
        str(UV),
        "export",
        "--quiet",
        "--frozen",
        "--no-hashes",
        "--no-emit-project",
        "--all-extras",
        "--all-groups",
        "-o",
        str(work / "constraints.txt"),
    )
    run(str(UV), "venv", "--quiet", "--python", sys.executable, str(work / "venv"))
    wheel = next((work / "dist").glob("imegha-*.whl"))
    run(
        str(UV),
        "pip",
        "install",
        "--quiet",
        "--python",
        str(work / "venv/bin/python"),
        "--constraints",
        str(work / "constraints.txt"),
        str(wheel),
    )
    return wheel, work / "venv"


def imegha(venv, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin/imegha"), *arguments], capture_output=True, text=True, cwd=venv)


def test_the_wheel_holds_every_package_the_source_tree_has(installed_without_extras):
    wheel, _ = installed_without_extras
    in_wheel = {name.rsplit("/", 1)[0] for name in zipfile.ZipFile(wheel).namelist() if name.endswith("/__init__.py")}
    in_tree = {
        str(init.parent.relative_to(root))
        for root in (ROOT / "client", ROOT / "layers/crypto", ROOT / "layers/service", ROOT / "localcloud")
        for init in root.glob("imegha*/**/__init__.py")
    }

    assert "imegha/commands" in in_wheel
    assert in_wheel == in_tree


def test_the_cli_alone_installs_without_the_local_clouds_dependencies(installed_without_extras):
    _, venv = installed_without_extras
    importable = subprocess.run([str(venv / "bin/python"), "-c", "import moto"], capture_output=True, text=True)
    assert importable.returncode != 0

    helped = imegha(venv, "--help")
    assert helped.returncode == 0, helped.stderr
    assert "usage: imegha" in helped.stdout
    versioned = imegha(venv, "--version")
    assert versioned.returncode == 0, versioned.stderr
    assert (
        versioned.stdout.strip()
        == f"imegha {tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']['version']}"
    )


def test_the_local_cloud_without_its_extra_says_how_to_install_it(installed_without_extras):
    _, venv = installed_without_extras
    answered = imegha(venv, "local", "status")

    assert answered.returncode != 0
    assert "Traceback" not in answered.stderr
    assert "imegha[local]" in answered.stderr
