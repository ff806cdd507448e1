"""A group conversation in the browser, beside a person at a terminal, on the local cloud.

Ana makes a group in her browser with Ben (in his browser) and Cora (who uses the CLI alone): its name is sealed in
the browser, Ben's invitation waits apart until he accepts it, Cora accepts at her terminal. They write both ways,
browser to terminal and terminal to browser; a message that arrives while Ana is elsewhere counts as unread on the
group. Ana removes Cora (a new key, in one request): Cora's terminal reads nothing said after, while Ben's browser
does; Ana adds her back with the history, and the terminal then reads what she missed, through the grant the browser
signed. Ana also marks Ben verified by typing the safety code the two compared. Then every table, queue and log of
the platform and the three clouds is read for the words they used and the group's name: none is there. axe-core
finds nothing serious on the group screens. A platform that then adds a ghost member finds Ben's browser refusing the
group whole.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from imegha_crypto import b64url_decode
from imegha_local.people import everything_held
from tests.e2e.browser.conftest import Browser, said
from tests.integration.chat_world import replay_message
from tests.integration.polling import eventually

pytestmark = pytest.mark.xdist_group("browser")

ARRIVES_WITHIN_S = 15


def texts(typed) -> list[str | None]:
    return [line.get("text") for line in typed.json["messages"]]


def remove(page, imtag: str) -> None:
    """The admin removes ``imtag`` from a group of three, confirming, and waits for the new roster."""
    page.get_by_text("Members (3)").click()
    page.get_by_role("button", name=f"Remove {imtag}").click()
    page.get_by_role("button", name=f"Remove {imtag}: yes, with a new key for everyone who stays").click()
    page.get_by_text("Members (2)").wait_for(timeout=30_000)


def add_back_with_the_history(page, imtag: str) -> None:
    page.get_by_text("Members (2)").click()
    page.get_by_label("Add someone by iMTag").fill(imtag)
    page.get_by_label("Let them read what was said before they joined").check()
    page.get_by_role("button", name="Add to the group").click()
    page.get_by_text("Members (3)").wait_for(timeout=30_000)


def test_a_group_made_in_the_browser_with_a_person_at_a_terminal_loses_a_member_who_then_reads_nothing_new(
    chromium, local_cloud, platform, platform_view, screenshots, person
):
    ana, ben, cora = (person(name).with_cloud() for name in ("Ana", "Ben", "Cora"))
    ana.connected_with(ben)
    ana.connected_with(cora)
    name = said("Tumour board")
    words = [name]

    at_ana = Browser(chromium, local_cloud.web_app_url, "Ana", screenshots)
    at_ana.sign_in(ana)
    at_ben = Browser(chromium, local_cloud.web_app_url, "Ben", screenshots)
    at_ben.sign_in(ben)
    page = at_ana.page

    # Ana compares the safety code with Ben (read to each other) and marks him verified.
    at_ana.conversation("Ben")
    page.get_by_text("Safety code with Ben").click()
    page.get_by_label("Digits you and Ben read to each other").fill("00000 " * 12)
    page.get_by_role("button", name="Mark as verified").click()
    page.get_by_text("Those are not the digits of the key").wait_for()
    code = ben.device.imegha("verify", "Ana").json["safetyCode"]
    page.get_by_label("Digits you and Ben read to each other").fill(code)
    page.get_by_role("button", name="Mark as verified").click()
    page.get_by_text("Safety code with Ben (verified)").wait_for()

    # Ana makes the group; Ben sees the invitation apart and accepts it; Cora accepts at her terminal.
    page.get_by_role("button", name="New group").click()
    page.get_by_label("Group name").fill(name)
    page.get_by_label("Ben", exact=True).check()
    page.get_by_label("Cora", exact=True).check()
    at_ana.screen("new-group")
    page.get_by_role("button", name="Create group").click()
    page.get_by_role("heading", name=f"Group: {name}").wait_for(timeout=30_000)
    (group,) = [g["groupId"] for g in cora.device.imegha("group", "ls").json["groups"] if g["name"] == name]

    invitations = at_ben.page.get_by_role("heading", name="Group invitations")
    invitations.wait_for(timeout=ARRIVES_WITHIN_S * 1000)
    at_ben.page.get_by_role("button", name=f"{name} (invitation)").click()
    at_ben.page.get_by_role("heading", name=f"Group: {name}").wait_for()
    at_ben.screen("group-invitation")
    at_ben.page.get_by_role("button", name="Accept the invitation").click()
    at_ben.page.get_by_role("button", name="Accept the invitation").wait_for(state="detached")
    assert invitations.count() == 0
    assert cora.device.imegha("group", "accept", group).json["invited"] is False

    # Browser to browser and to the terminal; the terminal to both browsers.
    first = said("The biopsy is back 🩺")
    words.append(first)
    at_ana.type_and_send(f"{first}\nsecond line")
    at_ana.shows(f"{first}\nsecond line")
    at_ben.shows(f"{first}\nsecond line", timeout_s=ARRIVES_WITHIN_S)
    assert eventually(lambda: texts(cora.device.imegha("group", "read", group)) == [f"{first}\nsecond line"])
    from_cora = said("Staging CT on Monday")
    words.append(from_cora)
    at_ana.conversation("Ben")  # Ana is elsewhere: Cora's message counts as unread on the group
    posted = cora.device.imegha("group", "send", group, from_cora).json
    at_ben.shows(from_cora, timeout_s=ARRIVES_WITHIN_S)
    group_item = page.get_by_role("button", name=name, exact=False).filter(has_text="1 unread")
    group_item.wait_for(timeout=ARRIVES_WITHIN_S * 1000)
    group_item.click()
    at_ana.shows(from_cora)
    from_ben = said("I will book the CT")
    words.append(from_ben)
    at_ben.type_and_send(from_ben)
    at_ana.shows(from_ben, timeout_s=ARRIVES_WITHIN_S)
    latencies, turns = [], []
    for turn in range(4):
        sender, recipient = (at_ana, at_ben) if turn % 2 == 0 else (at_ben, at_ana)
        line = said(f"turn {turn}")
        words.append(line)
        turns.append(line)
        started = sender.type_and_send(line)
        recipient.shows(line, timeout_s=ARRIVES_WITHIN_S)
        latencies.append(time.perf_counter() - started)
    print(f"\ngroup message, send -> the other browser's screen: {', '.join(f'{s * 1000:.0f} ms' for s in latencies)}")

    # Ana removes Cora: a new epoch. What is said next reaches Ben's browser, never Cora's terminal.
    remove(page, "Cora")
    after = said("Cora is off the case now")
    words.append(after)
    at_ana.type_and_send(after)
    at_ana.shows(after)
    at_ben.shows(after, timeout_s=ARRIVES_WITHIN_S)
    before_removal = [f"{first}\nsecond line", from_cora, from_ben, *turns]
    assert texts(cora.device.imegha("group", "read", group)) == before_removal
    assert cora.device.imegha("group", "send", group, "still here?").status == 1

    # Ana adds Cora back with the history: Cora's terminal reads what she missed, by the grant the browser signed.
    add_back_with_the_history(page, "Cora")
    assert texts(cora.device.imegha("group", "read", group)) == [*before_removal, after]

    # Ana removes Ben, whose browser drops the group and shows nothing said meanwhile (what he had, it reads again from
    # the keys his cloud kept); she adds him back with the history: his browser reads what he missed, showing Ana's
    # cloud the grant as the CLI does.
    remove(page, "Ben")
    meanwhile = said("Ben is away this week")
    words.append(meanwhile)
    at_ana.type_and_send(meanwhile)
    at_ana.shows(meanwhile)
    assert eventually(lambda: texts(cora.device.imegha("group", "read", group))[-1] == meanwhile)
    at_ben.page.get_by_role("heading", name=f"Group: {name}").wait_for(
        state="detached", timeout=ARRIVES_WITHIN_S * 1000
    )
    assert meanwhile not in at_ben.page.inner_text("body")
    at_ben.page.get_by_role("button", name="Read what you had").click()  # what his own cloud kept the keys of
    at_ben.shows(after)
    assert meanwhile not in at_ben.page.inner_text("body")
    at_ben.screen("group-former")
    add_back_with_the_history(page, "Ben")
    grants: list[str] = []
    at_ben.page.on("request", lambda request: grants.append(request.headers.get("x-imegha-history-grant") or ""))
    at_ben.page.get_by_role("button", name=f"{name} (invitation)").click(timeout=ARRIVES_WITHIN_S * 1000)
    at_ben.shows(meanwhile)
    # The header is the admin's grant written as the CLI writes it (Python's json.dumps, then base64url), byte for byte.
    shown = {b64url_decode(grant) for grant in grants if grant}
    assert len(shown) == 1
    (header,) = shown
    grant = json.loads(header)
    assert header == json.dumps(grant).encode()
    assert (grant["type"], grant["body"]["member"], grant["body"]["groupId"]) == ("group-history", ben.user_id, group)

    # Cora's cloud, taken over, copies her message to Ana alone into the group: Ana's browser refuses it, with why.
    for_ana = said("for Ana's eyes only")
    words.append(for_ana)
    sent = cora.device.imegha("chat", "send", "Ana", for_ana).json
    dynamodb = local_cloud.client("dynamodb", cora.own_account())
    (table,) = dynamodb.list_tables()["TableNames"]
    replay_message(
        dynamodb,
        table,
        sent["conversationId"],
        sent["sequence"],
        into=group,
        at=posted["sequence"] + 1,
        recipient=ana.user_id,
    )
    at_ana.conversation("Ben")
    page.get_by_role("button", name=name).click()
    refused = page.get_by_test_id("messages").locator("li.message.refused")
    refused.wait_for()
    assert "Refused: this message did not verify" in refused.inner_text()
    assert for_ana not in page.inner_text("body")
    page.get_by_text("Members (3)").click()
    at_ana.screen("group")
    page.set_viewport_size({"width": 390, "height": 844})
    at_ana.screen("group-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the group screen scrolls sideways at 390 px"

    # A platform adds a ghost member to the group: Ben's browser finds the member list is not the one Ana signed, says
    # so, and shows nothing of the group.
    platform_view.table("ConnectionsTable").update_item(
        Key={"userId": f"GROUP#{group}", "peerId": "GROUP"},
        UpdateExpression="SET members = list_append(members, :ghost)",
        ExpressionAttributeValues={":ghost": [str(uuid.uuid4())]},
    )
    at_ben.page.get_by_role("button", name=f"{name} (invitation)").click()
    at_ben.page.get_by_role("heading", name="This group does not check out").wait_for()
    assert at_ben.page.get_by_role("alert").filter(has_text="are not the ones its admin signed for").count() == 1
    assert meanwhile not in at_ben.page.inner_text("body")
    assert at_ben.page.get_by_role("textbox", name="Message").count() == 0

    for browser in (at_ana, at_ben):
        browser.close()
    held = everything_held(
        local_cloud, [local_cloud.platform, *(someone.own_account() for someone in (ana, ben, cora))]
    )
    assert "CONV#" in held
    for word in words:
        assert word not in held
