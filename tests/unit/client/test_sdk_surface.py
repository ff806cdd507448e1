"""The SDK's front door: ``from imegha import …`` gives the few types a program embedding iMegha needs, each showing
its use, and ``import imegha`` alone loads nothing (the key agent and the CLI start from this package)."""

from __future__ import annotations

import doctest
import importlib
import inspect
import subprocess
import sys

import pytest

import imegha


def test_importing_imegha_loads_none_of_the_sdk_the_cli_the_crypto_layer_or_boto3():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, imegha; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    heavy = [name for name in loaded if name.startswith(("imegha.", "imegha_", "boto", "cryptography"))]
    assert heavy == []


def test_every_exported_name_comes_from_the_module_the_front_door_names():
    assert sorted(imegha.__all__) == sorted(imegha._HOMES) and len(set(imegha.__all__)) == len(imegha.__all__)
    for name, home in imegha._HOMES.items():
        assert getattr(imegha, name) is getattr(importlib.import_module(f"imegha.{home}"), name)
    assert set(imegha.__all__) <= set(dir(imegha))


def test_a_name_the_front_door_does_not_export_is_an_attribute_error():
    with pytest.raises(AttributeError, match="Keyring"):
        imegha.Keyring  # noqa: B018


@pytest.mark.parametrize("name", imegha.__all__)
def test_each_exported_class_shows_its_use_in_its_docstring(name):
    exported = getattr(imegha, name)
    assert inspect.isclass(exported)
    docstring = inspect.getdoc(exported) or ""
    usage = [line for line in docstring[docstring.find(">>> ") :].splitlines() if line.strip()]  # and what it shows
    assert ">>> " in docstring and len(usage) >= 3, f"{name}'s docstring shows no use"
    # Each example needs a signed-in person and a platform, so none runs here (nor under --doctest-modules).
    for test in doctest.DocTestFinder(recurse=False).find(exported, name):
        assert doctest.DocTestRunner().run(test, out=lambda _: None).attempted == 0
