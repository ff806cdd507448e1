"""What one moto internal is (:class:`Internal`), how a list of them is written, and how one is checked."""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["module", "class", "function", "method", "property", "attribute", "added"]


@dataclass(frozen=True)
class Internal:
    """``path`` (dotted, from its module) is a ``kind`` of thing, with ``parameters`` where a shim calls or replaces
    it; ``used_by`` names the shims, providers or functions (``module.name``, from ``imegha_local``) that rely on it.

    ``added`` is what a shim adds and moto must not have: were moto to gain it, the shim would hide moto's own.
    """

    path: str
    kind: Kind
    parameters: str | None
    used_by: tuple[str, ...]


def module(path: str, *used_by: str) -> Internal:
    return Internal(path, "module", None, used_by)


def class_(path: str, parameters: str | None, *used_by: str) -> Internal:
    return Internal(path, "class", parameters, used_by)


def function(path: str, parameters: str, *used_by: str) -> Internal:
    return Internal(path, "function", parameters, used_by)


def method(path: str, parameters: str, *used_by: str) -> Internal:
    return Internal(path, "method", parameters, used_by)


def prop(path: str, *used_by: str) -> Internal:
    return Internal(path, "property", None, used_by)


def attribute(path: str, *used_by: str) -> Internal:
    return Internal(path, "attribute", None, used_by)


def added(path: str, *used_by: str) -> Internal:
    return Internal(path, "added", None, used_by)


def discrepancy(internal: Internal) -> str | None:
    """How the installed library differs from what ``internal`` says, or None when it is as listed."""
    owner_path, _, name = internal.path.rpartition(".")
    try:
        owner = _resolve(owner_path)
    except (ImportError, AttributeError) as error:
        return f"{owner_path} is gone ({error})"
    present = hasattr(owner, name) or (inspect.isclass(owner) and _set_on_instances(owner, name))
    if internal.kind == "added":
        return f"{internal.path} exists now: the shim would replace it" if present else None
    if not present:
        return f"{internal.path} is gone"
    found = getattr(owner, name, None)
    kind = _kind(owner, name, found)
    if kind != internal.kind:
        return f"{internal.path} is a {kind} now, not a {internal.kind}"
    if internal.parameters is not None and parameters(found) != internal.parameters:
        return f"{internal.path} takes ({parameters(found)}) now, not ({internal.parameters})"
    return None


def parameters(target: Any) -> str:
    """The parameter names of a callable (a class: its constructor's), ``*args`` and ``**kwargs`` marked."""
    marks = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    return ", ".join(
        marks.get(parameter.kind, "") + parameter.name for parameter in inspect.signature(target).parameters.values()
    )


def _resolve(path: str) -> Any:
    found: Any = importlib.import_module(path.split(".")[0])
    for part in path.split(".")[1:]:
        if inspect.ismodule(found) and not hasattr(found, part):
            importlib.import_module(f"{found.__name__}.{part}")  # a submodule its package does not import
        found = getattr(found, part)
    return found


def _set_on_instances(cls: type, name: str) -> bool:
    """Whether the class (or a base from the same library) gives its instances ``name``: assigned to ``self``,
    declared as a field or annotated."""
    library = cls.__module__.split(".")[0]
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] != library:
            continue
        if name in getattr(klass, "__dataclass_fields__", {}) or name in vars(klass).get("__annotations__", {}):
            return True
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        if re.search(rf"\bself\.{re.escape(name)}\s*(:[^=\n]*)?=[^=]", source):
            return True
    return False


def _kind(owner: Any, name: str, found: Any) -> Kind:
    if inspect.ismodule(found):
        return "module"
    if inspect.isclass(found):
        return "class"
    if inspect.isclass(owner) and isinstance(inspect.getattr_static(owner, name, None), property):
        return "property"
    if callable(found):
        return "function" if inspect.ismodule(owner) else "method"
    return "attribute"
