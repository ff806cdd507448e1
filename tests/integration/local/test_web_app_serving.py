"""The web app on the local cloud: served with the template's security headers, and the one origin whose pages may
call the platform's API and users' clouds (CORS as API Gateway applies it, from the templates)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from imegha_local.web_app import security_headers

STRANGER = "https://evil.example"


def ask(method: str, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def preflight(url: str, origin: str, method: str, headers: str) -> dict[str, str]:
    return ask(
        "OPTIONS",
        url,
        {"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
    )[1]


@pytest.fixture(scope="module")
def user_cloud_api(local_cloud, platform) -> str:
    return local_cloud.deploy_user_cloud().stack.outputs["CloudApiUrl"]


def test_the_app_is_served_with_the_templates_headers_and_where_to_find_the_platform(local_cloud, platform):
    status, headers, body = ask("GET", f"{local_cloud.web_app_url}/config.json", {})

    assert status == 200
    config = json.loads(body)
    assert config["platformApiUrl"] == platform.outputs["PlatformApiUrl"]
    assert config["userPoolClientId"] == platform.outputs["UserPoolClientId"]
    expected = security_headers([local_cloud.gateway_url, local_cloud.endpoint_url])
    assert [(name, headers[name.lower()]) for name, _ in expected] == expected
    policy = headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert f"connect-src 'self' {local_cloud.gateway_url} {local_cloud.endpoint_url};" in policy
    assert ask("GET", f"{local_cloud.web_app_url}/../template.yaml", {})[0] == 404


def test_the_platform_api_answers_the_apps_origin_and_no_other(local_cloud, platform):
    api, app = platform.outputs["PlatformApiUrl"], local_cloud.web_app_url

    allowed = preflight(f"{api}/me/keys", app, "PUT", "authorization,content-type,x-imegha-signature")
    assert allowed["access-control-allow-origin"] == app
    assert "x-imegha-signature" in allowed["access-control-allow-headers"]
    status, refused, _ = ask("GET", f"{api}/me", {"Origin": app})
    assert (status, refused["access-control-allow-origin"]) == (401, app)  # the gateway's own refusal, readable
    assert preflight(f"{api}/me", STRANGER, "GET", "authorization")["access-control-allow-origin"] == app


def test_a_users_cloud_answers_the_apps_origin_with_the_history_grant_header_and_no_other(local_cloud, user_cloud_api):
    app = local_cloud.web_app_url
    url = f"{user_cloud_api}/conversations/dm-1/messages"

    allowed = preflight(url, app, "GET", "authorization,x-imegha-history-grant")
    assert allowed["access-control-allow-origin"] == app
    assert "x-imegha-history-grant" in allowed["access-control-allow-headers"]
    assert "access-control-allow-origin" not in preflight(url, STRANGER, "GET", "authorization")
    status, refused, _ = ask("GET", url, {"Origin": app})
    assert (status, refused["access-control-allow-origin"]) == (401, app)
    assert "access-control-allow-origin" not in ask("GET", url, {"Origin": STRANGER})[1]


def test_users_buckets_answer_the_apps_origin_by_the_templates_rule_and_no_other(local_cloud, platform):
    app, url = local_cloud.web_app_url, f"{local_cloud.endpoint_url}/imegha-files/files/1/2?partNumber=1"

    allowed = preflight(url, app, "PUT", "content-type")
    assert allowed["access-control-allow-origin"] == app
    status, refused, _ = ask(
        "OPTIONS",
        url,
        {"Origin": STRANGER, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"},
    )
    assert status == 403 and "access-control-allow-origin" not in refused
    assert "access-control-allow-origin" not in ask("GET", url, {"Origin": STRANGER})[1]
