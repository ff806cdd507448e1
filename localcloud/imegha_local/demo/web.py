"""The closing chapter of ``make demo``: the web app, served by a local cloud of its own, and the sign-in of a demo
person whose conversation and group are already there.

It runs in a process of its own (``python -m imegha_local.demo.web``). In a terminal it keeps serving until Ctrl-C,
so the app can be opened in a browser; otherwise (a script, a test) it prints where and stops.
"""

from __future__ import annotations

import os
import sys
import threading

os.environ.setdefault("IMEGHA_KDF_ITERATIONS", "100000")  # the browser derives with the same cost (config.json)

from imegha.chat import Chat  # noqa: E402 - after the setting above, which the SDK reads at import
from imegha.group_chat import Groups  # noqa: E402
from imegha_local.demo import heading
from imegha_local.people import connect_everyone, give_cloud, platform_of_its_own, sign_up

PASSWORDS = {"Asha": "Asha's long demo password", "Ravi": "Ravi's long demo password"}
CONVERSATION = (
    ("Ravi", "Asha", "The lab results for bed 12 are in my iMegha cloud."),
    ("Asha", "Ravi", "Thank you. Can we go through them at 10?"),
    ("Ravi", "Asha", "Yes, 10:00 works 🩺"),
)
GROUP = "Ward round"
IN_THE_GROUP = (
    ("Asha", "Bed 12 goes home tomorrow if the morning bloods are normal."),
    ("Ravi", "I will send them to the group at 8."),
)


def main() -> None:
    with platform_of_its_own("imegha-web-demo-") as (cloud, endpoints, _):
        people = {name: give_cloud(cloud, sign_up(endpoints, name, password)) for name, password in PASSWORDS.items()}
        try:
            connect_everyone(people)
            chats = {name: Chat(person.account) for name, person in people.items()}
            for sender, recipient, text in CONVERSATION:
                chats[sender].send(recipient, text)
            groups = {name: Groups(chat) for name, chat in chats.items()}
            group_id = groups["Asha"].create(GROUP, ["Ravi"]).group_id
            groups["Ravi"].accept(group_id)
            for sender, text in IN_THE_GROUP:
                groups[sender].send(group_id, text)
            heading("9. The web app: iMChat in a browser, every message locked there before it leaves")
            print(f"  Open {cloud.web_app_url} and sign in as asha@example.org with the password")
            print(
                f"  {PASSWORDS['Asha']!r}: her conversation with Ravi and their group {GROUP!r} are there, opened in the browser."
            )
            print(
                "  (Her keys are opened in the browser as non-extractable CryptoKeys: script uses them, never reads them.)"
            )
            if sys.stdin.isatty():
                print("  The local cloud serves it until Ctrl-C.", flush=True)
                try:
                    threading.Event().wait()
                except KeyboardInterrupt:
                    pass
        finally:
            for person in people.values():
                person.account.log_out()


if __name__ == "__main__":
    main()
