"""The account and one's own cloud in the browser, on the local cloud, beside the CLI.

Fay changes her password in her browser: the new one signs in there and at her terminal, the old one nowhere. Gus,
who signed up in his browser, forgets his password and recovers with his 24 words (another person's words are
refused first, and nothing changes). Hana turns on two-step sign-in with the QR code her browser shows; a new
browser then asks for the app's code, and so does a recovery with her 24 words; she turns it off with her password
and a code. Ines connects her AWS account and deploys her cloud from the browser, watching
the state machine's steps as they happen; her browser signs the cloud into her key statement; she compares the
safety code with a connection as a QR code, then destroys her cloud once she has typed her iMTag. Kim reloads: the
session goes on, its keys kept in IndexedDB where no script can export them, for 12 hours; signing out wipes them. At a phone's
width, by keyboard alone, every screen is usable and nothing scrolls sideways. axe-core checks each new screen.
"""

from __future__ import annotations

import time

import pytest

from imegha.totp import otpauth_uri, totp
from imegha_crypto import b64url_decode
from imegha_crypto.primitives import ed25519_verify
from imegha_local.cloud import bootstrap_account
from tests.e2e.browser.conftest import Browser
from tests.e2e.devices import Person

pytestmark = pytest.mark.xdist_group("browser")

PHONE = {"width": 390, "height": 844}
DEPLOYED_WITHIN_MS = 240_000

# What IndexedDB keeps, as the page sees it: each key's flags, and whether exportKey gave anything back.
KEPT_KEYS = """async () => {
  const db = await new Promise((resolve, reject) => {
    const opening = indexedDB.open("imegha");
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
  const kept = await new Promise((resolve, reject) => {
    const asked = db.transaction("session").objectStore("session").get("current");
    asked.onsuccess = () => resolve(asked.result);
    asked.onerror = () => reject(asked.error);
  });
  db.close();
  const keys = {};
  for (const name of ["dataKey", "exchangeKey", "identityKey"]) {
    const key = kept[name];
    let exported = "refused";
    for (const format of ["raw", "pkcs8", "jwk"]) {
      try { await crypto.subtle.exportKey(format, key); exported = format; } catch {}
    }
    keys[name] = { type: key.constructor.name, extractable: key.extractable, exported };
  }
  const signature = await crypto.subtle.sign("Ed25519", kept.identityKey, new TextEncoder().encode("kept"));
  return { userId: kept.userId, keys, signature: Array.from(new Uint8Array(signature)) };
}"""
# The kept session, as if the password had opened it `ago` milliseconds earlier.
BACKDATE_OPENING = """async (ago) => {
  const db = await new Promise((resolve, reject) => {
    const opening = indexedDB.open("imegha");
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
  const store = db.transaction("session", "readwrite").objectStore("session");
  await new Promise((resolve, reject) => {
    const asked = store.get("current");
    asked.onsuccess = () => {
      const put = store.put({ ...asked.result, openedAt: Date.now() - ago }, "current");
      put.onsuccess = resolve;
      put.onerror = () => reject(put.error);
    };
    asked.onerror = () => reject(asked.error);
  });
  db.close();
}"""
DATABASES = "async () => (await indexedDB.databases()).map((database) => database.name)"
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_a_password_changed_in_the_browser_signs_in_there_and_at_the_terminal_and_the_old_one_nowhere(
    chromium, app_url, screenshots, person, new_device
):
    fay = person("Fay")
    new_password = "Fay's brand-new long password"
    at_fay = Browser(chromium, app_url, "Fay", screenshots)
    at_fay.sign_in(fay)
    at_fay.open_screen("Your account")
    page = at_fay.page
    page.get_by_role("heading", name="Change your password").wait_for()
    at_fay.screen("account")

    page.get_by_label("Current password").fill("not Fay's password at all")
    page.get_by_label("New password (at least 12 characters)").fill(new_password)
    page.get_by_label("Password again").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    page.get_by_text("the current password is wrong").wait_for(timeout=30_000)
    page.get_by_label("Current password").fill(fay.password)
    page.get_by_role("button", name="Change password").click()
    page.get_by_text("Your password is changed").wait_for(timeout=30_000)

    at_fay.sign_out()
    page.get_by_label("Email").fill(fay.email)
    page.get_by_label("Password").fill(fay.password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("The email or password is not right.").wait_for(timeout=30_000)
    at_fay.sign_in(fay, new_password)
    at_fay.close()

    laptop = new_device("Fay's laptop")
    assert fay.log_in(laptop).status != 0
    assert fay.log_in(laptop, new_password).status == 0


def test_a_person_who_signed_up_in_the_browser_recovers_there_with_the_24_words_and_no_one_elses(
    chromium, app_url, screenshots, person, new_device
):
    someone_else = person("Lea")
    at_gus = Browser(chromium, app_url, "Gus", screenshots)
    gus = Person("Gus", "gus@example.org", "Gus's own long password", new_device("Gus"))
    phrase = " ".join(at_gus.sign_up(gus))
    at_gus.sign_out()
    new_password = "Gus's password after recovery"

    page = at_gus.page
    page.get_by_role("button", name="Forgot your password? Use your recovery phrase").click()
    page.get_by_role("heading", name="Recover with your 24 words").wait_for()
    at_gus.screen("recover")
    page.get_by_label("Email").fill(gus.email)
    page.get_by_label("Your recovery phrase (24 words)").fill(someone_else.phrase)
    page.get_by_label("New password (at least 12 characters)").fill(new_password)
    page.get_by_label("Password again").fill(new_password)
    page.get_by_role("button", name="Check the phrase").click()
    page.get_by_text("your password still signs in").wait_for(timeout=30_000)
    assert "Recovery refused" in page.get_by_role("alert").first.inner_text()
    assert gus.log_in(new_device("Gus's check")).status == 0  # nothing changed: the old password signs in

    page.get_by_label("Your recovery phrase (24 words)").fill(phrase)
    page.get_by_role("button", name="Check the phrase").click()
    page.get_by_role("heading", name="Set your new password").wait_for(timeout=30_000)
    at_gus.screen("recover-code")
    page.get_by_label("The code we emailed you").fill("000000")  # the local cloud's Cognito takes any code
    page.get_by_role("button", name="Set the password and sign in").click()
    page.get_by_text("Signed in as Gus").wait_for(timeout=30_000)
    at_gus.close()

    laptop = new_device("Gus's laptop")
    assert gus.log_in(laptop).status != 0
    assert gus.log_in(laptop, new_password).status == 0


def test_two_step_sign_in_turned_on_in_the_browser_with_its_qr_code_is_asked_for_by_a_new_browser(
    chromium, app_url, screenshots, person, new_device
):
    hana = person("Hana")
    at_hana = Browser(chromium, app_url, "Hana", screenshots)
    at_hana.sign_in(hana)
    at_hana.open_screen("Your account")
    page = at_hana.page
    page.get_by_text("Two-step sign-in is off.").wait_for(timeout=15_000)
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    qr = page.get_by_role("img", name="QR code of the setup key for your authenticator app")
    qr.wait_for(timeout=15_000)
    assert int(qr.get_attribute("data-modules")) >= 21
    secret = page.get_by_test_id("two-step-secret").inner_text().strip()
    page.get_by_text("The setup link (for an app on this device)").click()
    assert page.get_by_test_id("two-step-uri").inner_text().strip() == otpauth_uri(secret, hana.email)
    at_hana.screen("two-step-qr")
    page.get_by_label("Code from your authenticator app").fill(a_wrong_code(secret))
    page.get_by_role("button", name="Turn it on").click()
    page.get_by_text("That is not the code your authenticator app shows now").wait_for(timeout=15_000)
    page.get_by_label("Code from your authenticator app").fill(totp(secret))
    page.get_by_role("button", name="Turn it on").click()
    page.get_by_text("Two-step sign-in is on").wait_for(timeout=15_000)
    at_hana.close()
    assert hana.device.imegha("mfa", "status").json == {"enabled": True}

    elsewhere = Browser(chromium, app_url, "Hana elsewhere", screenshots)
    page = elsewhere.page
    page.get_by_label("Email").fill(hana.email)
    page.get_by_label("Password").fill(hana.password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("This account asks for the code from its authenticator app.").wait_for(timeout=30_000)
    page.get_by_label("Code from your authenticator app").fill(totp(secret))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as Hana").wait_for(timeout=30_000)
    elsewhere.sign_out()

    # Recovering with the 24 words then needs the app's code too: the reset sets the password, the code signs in.
    new_password = "Hana's password after recovery"
    page.get_by_role("button", name="Forgot your password? Use your recovery phrase").click()
    page.get_by_label("Email").fill(hana.email)
    page.get_by_label("Your recovery phrase (24 words)").fill(hana.phrase)
    page.get_by_label("New password (at least 12 characters)").fill(new_password)
    page.get_by_label("Password again").fill(new_password)
    page.get_by_role("button", name="Check the phrase").click()
    page.get_by_label("The code we emailed you").fill("000000")  # the local cloud's Cognito takes any code
    page.get_by_role("button", name="Set the password and sign in").click()
    page.get_by_text("Your new password is set. This account also asks for the code").wait_for(timeout=30_000)
    page.get_by_label("Code from your authenticator app").fill(totp(secret))
    page.get_by_role("button", name="Set the password and sign in").click()
    page.get_by_text("Signed in as Hana").wait_for(timeout=30_000)

    # Off again: the password and a current code, which Cognito checks in a sign-in of its own.
    elsewhere.open_screen("Your account")
    page.get_by_text("Two-step sign-in is on").wait_for(timeout=15_000)
    elsewhere.screen("two-step-on")
    page.get_by_role("textbox", name="Password", exact=True).fill(new_password)
    page.get_by_label("Code from your authenticator app").fill(a_wrong_code(secret))
    page.get_by_role("button", name="Turn it off").click()
    page.get_by_text("That is not the code your authenticator app shows now").wait_for(timeout=15_000)
    page.get_by_label("Code from your authenticator app").fill(totp(secret))
    page.get_by_role("button", name="Turn it off").click()
    page.get_by_text("Two-step sign-in is off.").wait_for(timeout=15_000)
    elsewhere.close()
    assert hana.log_in(new_device("Hana's laptop"), new_password).status == 0  # no code asked for


def test_a_cloud_connected_deployed_and_destroyed_in_the_browser_with_its_steps_shown_as_they_happen(
    chromium, app_url, screenshots, person, local_cloud, platform_view
):
    ines = person("Ines")
    at_ines = Browser(chromium, app_url, "Ines", screenshots)
    at_ines.sign_in(ines)
    at_ines.open_screen("Your cloud")
    page = at_ines.page
    page.get_by_text("Your AWS account is not connected yet.").wait_for(timeout=15_000)
    page.get_by_role("button", name="Get your ExternalId").click()
    external_id = page.get_by_test_id("external-id").inner_text().strip()
    assert external_id.startswith("imegha-")
    at_ines.screen("cloud-connect")

    # Her part, in her own AWS account: the bootstrap stack, launched with her ExternalId.
    _, bootstrap = bootstrap_account(local_cloud.endpoint_url, local_cloud.platform.account_id, external_id)
    role_arn = bootstrap.outputs["DeploymentRoleArn"]
    page.get_by_label("Deployment role (its ARN)").fill(role_arn)
    page.get_by_role("button", name="Connect", exact=True).click()
    page.get_by_label("Where your cloud's alarms go").fill("ines.alarms@example.org")
    page.get_by_role("button", name="Deploy my cloud").click()
    steps = page.get_by_test_id("deploy-steps")
    steps.locator('[data-step="CreateOrUpdateStack"]').wait_for(timeout=DEPLOYED_WITHIN_MS)
    assert not page.get_by_text("Your cloud is ready").is_visible()  # a step shown while the deployment goes on
    page.get_by_text("Your cloud is ready").wait_for(timeout=DEPLOYED_WITHIN_MS)
    shown = steps.locator("li").evaluate_all("items => items.map((item) => item.dataset.step)")
    assert (
        shown[:3] == ["RecordInProgress", "AnnounceStarted", "CreateOrUpdateStack"] and shown[-1] == "RecordSucceeded"
    )
    page.get_by_text("Your cloud is deployed in your own AWS account.").wait_for()
    at_ines.screen("cloud-deploy")

    record = platform_view.table("DeploymentsTable").get_item(Key={"userId": ines.user_id, "deploymentId": "cloud"})
    assert record["Item"]["alarmEmail"] == "ines.alarms@example.org"
    statement = platform_view.directory_entry(ines.user_id)["keyStatement"]["body"]
    cloud = ines.device.imegha("cloud", "status").json
    assert statement["cloudUrl"] == cloud["cloudApiUrl"] and statement["cloudConfirmed"] == "account"

    # With a connection, the safety code they compare, as digits and as a QR code.
    joan = person("Joan").with_cloud()
    assert joan.device.imegha("connect", "Ines").status == 0 and ines.device.imegha("accept", "Joan").status == 0
    at_ines.open_screen("Conversations")
    at_ines.conversation("Joan")
    page.get_by_text("Safety code with Joan").click()
    code = page.get_by_test_id("safety-code").inner_text()
    assert code == ines.device.imegha("verify", "Joan").json["safetyCode"]
    page.get_by_role("img", name="Safety code with Joan as a QR code").wait_for()
    at_ines.screen("safety-code-qr")

    # Destroying asks for her iMTag, typed.
    at_ines.open_screen("Your cloud")
    page.get_by_label("Type Ines to confirm").fill("ines?")
    page.get_by_role("button", name="Destroy my cloud").click()
    page.get_by_text("Type your iMTag, Ines, exactly: nothing was deleted.").wait_for()
    at_ines.screen("cloud-destroy")
    page.get_by_label("Type Ines to confirm").fill("Ines")
    page.get_by_role("button", name="Destroy my cloud").click()
    page.get_by_text("Your cloud is deleted.").wait_for(timeout=DEPLOYED_WITHIN_MS)
    assert "DestroyStack" in steps.locator("li").evaluate_all("items => items.map((item) => item.dataset.step)")
    assert platform_view.directory_entry(ines.user_id)["keyStatement"]["body"]["cloudUrl"] is None
    at_ines.close()


def test_a_reload_keeps_the_session_with_keys_no_script_can_export_and_signing_out_wipes_them(
    chromium, app_url, screenshots, person, platform_view
):
    kim = person("Kim")
    at_kim = Browser(chromium, app_url, "Kim", screenshots)
    page = at_kim.page

    # At a phone's width, by keyboard alone: focus starts on the email; Tab moves on; Enter signs in.
    page.set_viewport_size(PHONE)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the sign-in screen scrolls sideways at 390 px"
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(kim.email)
    page.keyboard.press("Tab")
    page.keyboard.type(kim.password)
    page.keyboard.press("Enter")
    page.get_by_text("Signed in as Kim").wait_for(timeout=30_000)
    for screen, heading in (
        ("Your account", "Change your password"),
        ("Your cloud", "How it stands"),
        ("Conversations", "Conversations"),
    ):
        focused = tab_to(page, screen)
        assert focused, f"Tab never reached {screen}"
        page.keyboard.press("Enter")
        page.get_by_role("heading", name=heading).wait_for(timeout=15_000)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{screen} scrolls sideways at 390 px"
        at_kim.screen(f"{screen.lower().replace(' ', '-')}-phone")

    page.reload()
    page.get_by_text("Signed in as Kim").wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="Sign in").count() == 0
    kept = page.evaluate(KEPT_KEYS)
    assert kept["userId"] == kim.user_id
    for name, key in kept["keys"].items():
        assert (key["type"], key["extractable"], key["exported"]) == ("CryptoKey", False, "refused"), name
    identity = platform_view.directory_entry(kim.user_id)["keyStatement"]["body"]["identityKey"]
    assert ed25519_verify(b64url_decode(identity), bytes(kept["signature"]), b"kept")  # her own key, still usable

    # Twelve hours after the password opened the keys, the kept session is gone: the next load asks for it again.
    page.evaluate(BACKDATE_OPENING, 12 * 3600 * 1000 + 60_000)
    page.reload()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert "imegha" not in page.evaluate(DATABASES)

    at_kim.sign_in(kim)
    page.reload()
    page.get_by_text("Signed in as Kim").wait_for(timeout=30_000)
    at_kim.sign_out()
    assert "imegha" not in page.evaluate(DATABASES)
    page.reload()
    page.get_by_role("heading", name="Sign in").wait_for()
    at_kim.close()


def a_wrong_code(secret: str) -> str:
    """Six digits that are not the app's code now, nor a step either side (which Cognito also accepts)."""
    accepted = {totp(secret, time.time() + offset) for offset in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def tab_to(page, name: str, presses: int = 30) -> bool:
    """Press Tab until the button named ``name`` has the focus (and is on screen); whether it got there."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return True
    return False
