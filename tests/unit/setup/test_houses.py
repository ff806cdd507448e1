"""Each part of the product is a house of its own: a part imports only what sits below it, and no module imports
a module that imports it back. Read from the source (every import, at the top, in a function or for type checking)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT


@dataclass(frozen=True)
class House:
    name: str
    roots: tuple[str, ...]  # folders whose top-level modules and packages import each other by absolute name
    forbidden: frozenset[str]  # top-level names its modules must never import

    def modules(self) -> dict[str, Path]:
        found = {}
        for root in self.roots:
            for path in sorted((ROOT / root).rglob("*.py")):
                parts = path.relative_to(ROOT / root).with_suffix("").parts
                found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
        return found


LAMBDA_CODE = frozenset({"handlers", "logic", "dal"})
HOUSES = [
    House(
        "the crypto layer",
        ("layers/crypto",),
        frozenset({"imegha", "imegha_local", "imegha_service", "moto"} | LAMBDA_CODE),
    ),
    House("the service layer", ("layers/service",), frozenset({"imegha", "imegha_local", "moto"} | LAMBDA_CODE)),
    House(
        "the platform's Lambdas",
        ("functions", "layers/crypto", "layers/service"),
        frozenset({"imegha", "imegha_local", "moto"}),
    ),
    House(
        "the user cloud's Lambdas",
        ("user-cloud/functions", "layers/crypto", "layers/service"),
        frozenset({"imegha", "imegha_local", "moto"}),
    ),
    House(
        "the SDK and CLI",
        ("client",),
        frozenset({"imegha_local", "moto", "samtranslator", "jwt", "yaml"} | LAMBDA_CODE),
    ),
    House("the local cloud", ("localcloud",), frozenset(LAMBDA_CODE)),
]


def imports(path: Path, module: str) -> set[str]:
    """Every module name ``path`` (the module ``module``) imports, relative imports made absolute; for
    ``from X import Y`` both X and X.Y (Y may be a submodule)."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1] if package else []
                base = ".".join([*anchor, *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name}


def test_the_houses_list_every_python_file_of_the_product():
    housed = {path for house in HOUSES for path in house.modules().values()}
    product = {
        path
        for folder in ("client", "localcloud", "functions", "user-cloud", "layers")
        for path in (ROOT / folder).rglob("*.py")
    }
    assert product - housed == set()


@pytest.mark.parametrize("house", HOUSES, ids=lambda house: house.name)
def test_a_house_imports_nothing_it_must_not(house):
    breaches = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for module, path in house.modules().items()
        for name in imports(path, module)
        if name.split(".")[0] in house.forbidden
    )
    assert breaches == []


def test_the_platform_and_the_user_cloud_import_nothing_of_each_other():
    platform = set(House("", ("functions",), frozenset()).modules())
    user_cloud = set(House("", ("user-cloud/functions",), frozenset()).modules())
    breaches = []
    for own, other, root in ((platform, user_cloud, "functions"), (user_cloud, platform, "user-cloud/functions")):
        for module, path in House("", (root,), frozenset()).modules().items():
            breaches += [
                f"{path.relative_to(ROOT)} imports {name}"
                for name in imports(path, module)
                if name in other - own and name.split(".")[0] in LAMBDA_CODE
            ]
    assert breaches == []


@pytest.mark.parametrize("house", HOUSES, ids=lambda house: house.name)
def test_no_module_imports_a_module_that_imports_it_back(house):
    modules = house.modules()
    imported = {module: imports(path, module) & modules.keys() - {module} for module, path in modules.items()}
    cycles = sorted(
        {
            tuple(sorted((a, b)))
            for a, names in imported.items()
            for b in names
            if a in imported.get(b, set()) and not _is_package_of(a, b) and not _is_package_of(b, a)
        }
    )
    assert cycles == []


def _is_package_of(package: str, module: str) -> bool:
    """A package's __init__ importing its own submodules (to export them) is how a package shows its front door."""
    return module.startswith(package + ".")


def test_no_file_of_the_local_cloud_is_over_600_lines():
    """A file that needs more to say what it says is several ideas: one AWS service's shims or providers a module."""
    longest = max((ROOT / "localcloud").rglob("*.py"), key=lambda path: len(path.read_text().splitlines()))
    assert len(longest.read_text().splitlines()) <= 600, longest
