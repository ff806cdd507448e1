"""Devices: register or unregister a device's push token, so the platform can ring it ("you have a new message")."""

from __future__ import annotations

import argparse

from . import Handler, Subparsers, emit
from .accounts import account_for, guarded

PLATFORMS = ("apns", "fcm")


def register(subparsers: Subparsers) -> None:
    devices = subparsers.add_parser("devices", help="this account's devices that receive push notifications")
    commands = devices.add_subparsers(dest="devices_command", metavar="COMMAND", required=True)

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("device_id", help="the device's id: 8 to 64 letters, digits, '_' or '-'")
        parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        parser.add_argument("--profile", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        parser.set_defaults(handler=handler)
        return parser

    enrol = add(
        "register",
        register_command,
        "register (or renew) a device's push token; pushes name who did something, never what was said",
    )
    enrol.add_argument("--platform", required=True, choices=PLATFORMS, help="the push service the token is from")
    enrol.add_argument("--token", required=True, help="the token the push service gave the device")
    add("unregister", unregister_command, "stop pushes to a device")


@guarded
def register_command(args: argparse.Namespace) -> None:
    registered = account_for(args).platform().register_device(args.device_id, args.platform, args.token)
    emit(
        args,
        registered | {"registered": True},
        f"Device {args.device_id} registered for push notifications ({args.platform})."
        + (
            ""
            if registered["pushes"]
            else " The platform has no push service for this kind of device set up yet: "
            "the token is kept, and nothing is pushed to it."
        ),
    )


@guarded
def unregister_command(args: argparse.Namespace) -> None:
    account_for(args).platform().unregister_device(args.device_id)
    emit(
        args,
        {"deviceId": args.device_id, "registered": False},
        f"Device {args.device_id} unregistered: the platform no longer pushes to it.",
    )
