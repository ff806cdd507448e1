"""The moto internals the local cloud relies on are still there, as ``imegha_local.moto_internals`` lists them,
and that list names every moto name the local cloud's modules import, patch or reach into.

A moto release that moves one fails here, naming the shim that depends on it,
rather than as a 500 in the middle of a deploy.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from imegha_local import moto_internals
from imegha_local.moto_internals import INTERNALS

LOCAL_CLOUD = Path(moto_internals.__file__).parent.parent
TRACKED = ("moto", "botocore")  # botocore: only what is reached into (``X.attr``), not its public imports


@pytest.fixture(scope="module")
def discrepancies() -> dict[str, str | None]:
    """Each listed internal's discrepancy, checked in a fresh interpreter: moto as installed, before any shim
    replaces a part of it (in this process, the local cloud's tests may have installed them already)."""
    script = (
        "import json; from imegha_local.moto_internals import INTERNALS, discrepancy; "
        "print(json.dumps({internal.path: discrepancy(internal) for internal in INTERNALS}))"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


@pytest.mark.parametrize("internal", INTERNALS, ids=lambda internal: internal.path)
def test_moto_still_has_what_the_local_cloud_relies_on(internal, discrepancies):
    assert discrepancies[internal.path] is None, (
        f"{', '.join(internal.used_by)} relies on it: {discrepancies[internal.path]}"
    )


def test_each_internal_is_listed_once_and_names_what_relies_on_it():
    paths = [internal.path for internal in INTERNALS]
    assert len(paths) == len(set(paths))
    for internal in INTERNALS:
        assert internal.used_by, internal.path
        for user in internal.used_by:
            assert _named(user) is not None, f"{internal.path}: {user} does not exist"


def test_every_moto_name_the_local_cloud_imports_patches_or_reaches_into_is_listed():
    uses = [use for source in sorted(LOCAL_CLOUD.rglob("*.py")) for use in _uses(source)]
    unread = [where for path, where in uses if path is None]
    unlisted = sorted(f"{path} ({where})" for path, where in uses if path and not _listed(path))

    assert not unread, f"patches whose target this test cannot read: {unread}"
    assert not unlisted, f"used, but not in imegha_local.moto_internals: {unlisted}"


def test_a_patch_of_an_unlisted_moto_name_is_found_wherever_in_the_local_cloud_it_is(tmp_path):
    shim = tmp_path / "shims" / "s3.py"
    shim.parent.mkdir()
    shim.write_text(
        "from imegha_local.shims.core import patch\n\n\n"
        "def _s3_does_what_moto_does_not():\n"
        "    from moto.s3.models import FakeBucket\n\n"
        "    @patch(FakeBucket, 'not_a_listed_internal')\n"
        "    def replaced(original, bucket):\n"
        "        return original(bucket)\n"
    )

    unlisted = [path for path, _ in _uses(shim) if path and not _listed(path)]

    assert unlisted == ["moto.s3.models.FakeBucket.not_a_listed_internal"]


def _named(user: str) -> object | None:
    """What a ``used_by`` name (``module.name``, the module's path from ``imegha_local``) names, or None."""
    parts = user.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            found = importlib.import_module(".".join(["imegha_local", *parts[:split]]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            found = getattr(found, name, None)
        return found
    return None


def _listed(path: str) -> bool:
    """Whether checking the list checks ``path``: it is listed, or a listed path goes through it, or it is a part
    of a listed callable, property or attribute (``Stack.outputs.fget`` of the property ``Stack.outputs``).
    A module's ``__name__`` and ``__path__`` are the module."""
    owner, _, name = path.rpartition(".")
    if name in ("__name__", "__path__"):
        path = owner
    return any(
        internal.path == path
        or internal.path.startswith(f"{path}.")
        or (path.startswith(f"{internal.path}.") and internal.kind not in ("module", "class"))
        for internal in INTERNALS
    )


def _uses(source: Path):
    """(dotted path, where) of each moto import, and of each attribute of an imported moto or botocore name
    read, assigned or patched (``patch(Owner, "name")``, ``setattr(Owner, "name", ...)``)."""
    tree = ast.parse(source.read_text())
    module_imports = _imports([node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)])
    for top in tree.body:
        names = module_imports | _imports(list(ast.walk(top)))
        inner = {id(node.value) for node in ast.walk(top) if isinstance(node, ast.Attribute)}
        for node in ast.walk(top):
            where = f"{source.parent.name}/{source.name}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Import | ast.ImportFrom):
                yield from ((path, where) for path in _imports([node]).values() if path.startswith("moto"))
            elif isinstance(node, ast.Attribute) and id(node) not in inner:
                path = _dotted(node, names)
                if path:
                    yield path, where
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("patch", "setattr"):
                owner, attributes = _dotted(node.args[0], names), _patched_names(node, top)
                if node.func.id == "patch" and not (owner and attributes):
                    yield None, where
                yield from ((f"{owner}.{attribute}", where) for attribute in attributes if owner)


def _imports(nodes: list[ast.AST]) -> dict[str, str]:
    """The names these import statements bind to moto or botocore, with the dotted path each names."""
    names = {}
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in TRACKED:
            names |= {alias.asname or alias.name: f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                package = alias.name.split(".")[0]
                if package in TRACKED:  # ``import moto.x as y`` binds y to moto.x; ``import moto.x`` binds moto
                    names[alias.asname or package] = alias.name if alias.asname else package
    return names


def _dotted(node: ast.AST, names: dict[str, str]) -> str | None:
    """``Owner.a.b`` (or ``Owner``) as a dotted path, when ``Owner`` is an imported name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in names:
        return ".".join([names[node.id], *parts])
    return None


def _patched_names(call: ast.Call, top: ast.AST) -> list[str]:
    """The attribute names a patch call changes: a constant, or each value of a loop over literals (none for a
    name computed otherwise: ``setattr`` adding what moto lacks, listed by hand as ``added``)."""
    name = call.args[1] if len(call.args) > 1 else None
    if isinstance(name, ast.Constant):
        return [name.value]
    if not isinstance(name, ast.Name):
        return []
    for loop in ast.walk(top):
        if isinstance(loop, ast.For) and any(call is node for node in ast.walk(loop)):
            targets = [loop.target] if isinstance(loop.target, ast.Name) else list(getattr(loop.target, "elts", []))
            position = next((i for i, target in enumerate(targets) if getattr(target, "id", None) == name.id), None)
            if position is not None:
                values = ast.literal_eval(loop.iter)
                return [value if isinstance(loop.target, ast.Name) else value[position] for value in values]
    return []
