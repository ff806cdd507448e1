"""Loading Lambda handlers in-process, as the Lambda runtime would from a CodeUri.

Every function's code directory is a separate root in AWS, so two functions may
each have an ``app.py``. In one process they would collide in ``sys.modules``;
loading keeps each function's own modules apart so that a handler always runs
the code from its own directory. (The local cloud's runtime gives each function
a process of its own instead; this is for tests and benchmarks that call a
handler directly.)
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

Handler = Callable[[dict, object], dict]


def handler_module(code_dir: Path, handler: str) -> tuple[str, str]:
    """Split a ``Handler`` setting into module and function, checking the module is in ``code_dir``.

    Lambda accepts ``package.module.function`` and ``dir/module.function``.
    """
    module_path, _, function_name = handler.rpartition(".")
    if not module_path or not function_name:
        raise ValueError(f"handler {handler!r} is not of the form module.function")
    module_name = module_path.replace("/", ".")
    relative = module_name.replace(".", "/")
    if not ((code_dir / f"{relative}.py").is_file() or (code_dir / relative / "__init__.py").is_file()):
        raise FileNotFoundError(f"handler module {module_name!r} not found in {code_dir}")
    return module_name, function_name


def load_handler(code_dir: Path, handler: str) -> Handler:
    """Import ``module.function`` from ``code_dir`` without leaking its modules to other functions."""
    code_dir = code_dir.resolve()
    module_name, function_name = handler_module(code_dir, handler)

    # Modules of the same names already imported from elsewhere (another
    # function, a test) are hidden during the import and put back after it.
    own_names = {path.stem for path in code_dir.iterdir() if path.suffix == ".py" or (path / "__init__.py").is_file()}
    hidden = {name: sys.modules.pop(name) for name in list(sys.modules) if name.partition(".")[0] in own_names}
    before = set(sys.modules)
    sys.path.insert(0, str(code_dir))
    try:
        module = importlib.import_module(module_name)
    finally:
        sys.path.remove(str(code_dir))
        for name in set(sys.modules) - before:
            if _belongs_to(sys.modules[name], code_dir):
                # Renamed rather than dropped: the handler keeps its references,
                # and the next function importing the same name gets its own.
                sys.modules[f"_imegha_fn_{_tag(code_dir)}.{name}"] = sys.modules.pop(name)
        sys.modules.update(hidden)
    return getattr(module, function_name)


def _belongs_to(module, code_dir: Path) -> bool:
    origin = getattr(module, "__file__", None)
    return origin is not None and Path(origin).resolve().is_relative_to(code_dir)


def _tag(code_dir: Path) -> str:
    return hashlib.sha256(str(code_dir).encode()).hexdigest()[:12]
