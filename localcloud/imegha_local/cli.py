"""``imegha local``: run the local cloud in the foreground, or say whether one runs.

The CLI finds this module as the ``imegha.local_cloud`` entry point (see
``imegha.commands.local``): ``register`` adds ``imegha local``, and
``bootstrap_account`` plays the user's part of ``imegha cloud connect --local``.
Importing it is cheap and fails, as the CLI expects, when what the local cloud
needs is not installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import signal
import sys
import threading
import time

from imegha.commands import CommandError, emit

# What `imegha[local]` adds; looked up, not imported, so that every CLI start stays quick.
for _needed in ("moto", "samtranslator", "jwt", "yaml"):
    if importlib.util.find_spec(_needed) is None:
        raise ModuleNotFoundError(f"the local cloud needs {_needed}: pip install 'imegha[local]'", name=_needed)


def bootstrap_account(*args, **kwargs):
    """:func:`imegha_local.cloud.bootstrap_account`, imported when asked for (it imports moto)."""
    from imegha_local.cloud import bootstrap_account

    return bootstrap_account(*args, **kwargs)


def register(subparsers: argparse._SubParsersAction) -> None:
    local = subparsers.add_parser("local", help="the local cloud: all of iMegha on this machine, no AWS account")
    commands = local.add_subparsers(dest="local_command", metavar="COMMAND", required=True)

    up = commands.add_parser("up", help="start the local cloud with the platform deployed; Ctrl-C stops it")
    up.add_argument(
        "--port", type=int, default=None, help="port of the embedded AWS (default 4747); the gateway takes the next one"
    )
    up.add_argument("--verbose", action="store_true", help="show every Lambda invocation and API request live")
    up.set_defaults(handler=up_command)

    status = commands.add_parser("status", help="say whether a local cloud runs, and where")
    status.set_defaults(handler=status_command)
    for command in (up, status):
        # Accepted after the subcommand too, as for every command ("imegha local up --json").
        command.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def up_command(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    from imegha_local.cloud import DEFAULT_PORT, LocalCloud, LocalCloudError, running_cloud, state_path

    other = running_cloud()
    if other is not None:
        raise CommandError(f"a local cloud already runs (pid {other.pid}, {other.aws_endpoint_url})")
    cloud = LocalCloud(DEFAULT_PORT if args.port is None else args.port, verbose=args.verbose)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        cloud.start()
        cloud.deploy_platform()
        state = cloud.state()
        state.save(state_path())
        ready_s = time.perf_counter() - started
        emit(
            args,
            {"ready_s": round(ready_s, 3), "state_file": str(state_path()), **vars(state)},
            lambda: _describe(state, ready_s),
        )
        sys.stdout.flush()
        stopping.wait()
    except LocalCloudError as error:
        raise CommandError(str(error)) from None
    except KeyboardInterrupt:
        pass
    finally:
        state_path().unlink(missing_ok=True)
        cloud.stop()
    if not args.json:
        print("local cloud stopped", flush=True)


def status_command(args: argparse.Namespace) -> None:
    from imegha_local.cloud import running_cloud, state_path

    state = running_cloud()
    if state is None:
        raise CommandError("no local cloud runs (start one with 'imegha local up')")
    emit(args, {"running": True, "state_file": str(state_path()), **vars(state)}, lambda: _describe(state))


def _describe(state, ready_s: float | None = None) -> str:
    heading = f"iMegha local cloud ready in {ready_s:.1f} s" if ready_s is not None else "iMegha local cloud"
    return "\n".join(
        [
            heading,
            f"  AWS endpoint   {state.aws_endpoint_url}   (the platform is account {state.platform_account_id})",
            f"  API gateway    {state.gateway_url}",
            f"  Platform API   {state.platform_api_url}",
            f"  User pool      {state.user_pool_id}   app client {state.user_pool_client_id}",
            f"  Web app        {state.web_app_url}   (open it in a browser; 'make web' builds it)",
            f"  Log            {state.log_path}",
            "Ctrl-C stops it." if ready_s is not None else f"  pid            {state.pid}",
        ]
    )
