"""The web app on the local cloud: the build in ``web/dist/app`` served with the headers CloudFront adds in AWS.

The headers come from the platform's template, ``WebAppHeadersPolicy`` (one
source of truth), with two local differences: ``connect-src`` names where the
local cloud answers (its gateway, for the platform's and users' clouds' APIs,
and its embedded AWS, for Cognito and presigned S3 URLs) instead of AWS's
hosts, and ``upgrade-insecure-requests`` is left out, since nothing local
speaks TLS. ``/config.json`` tells the app where the platform is: in AWS it
is published beside the build (see the README), here it is made from the
platform stack's outputs.
"""

from __future__ import annotations

import functools
import json
import mimetypes
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from imegha_local.serving import BackgroundServer
from imegha_local.templates import load_template

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "web" / "dist" / "app"
PLATFORM_TEMPLATE = ROOT / "template.yaml"
HEADERS_POLICY = "WebAppHeadersPolicy"


def security_headers(connect_src: list[str], template: Path = PLATFORM_TEMPLATE) -> list[tuple[str, str]]:
    """The response headers policy of ``template`` as headers, its ``connect-src`` replaced by ``connect_src``."""
    config = load_template(template)["Resources"][HEADERS_POLICY]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    policy = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    policy = policy["Fn::Sub"] if isinstance(policy, dict) else policy
    policy = (
        policy[0] if isinstance(policy, list) else policy
    )  # its variables name AWS's hosts: connect-src is replaced
    directives = []
    for directive in (" ".join(part.split()) for part in policy.split(";")):
        name = directive.split(" ", 1)[0]
        if name == "connect-src":
            directive = " ".join(["connect-src", "'self'", *connect_src])
        if name != "upgrade-insecure-requests":
            directives.append(directive)
    hsts = security["StrictTransportSecurity"]
    headers = [
        ("Content-Security-Policy", "; ".join(directives)),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", security["FrameOptions"]["FrameOption"]),
        ("Referrer-Policy", security["ReferrerPolicy"]["ReferrerPolicy"]),
        (
            "Strict-Transport-Security",
            f"max-age={hsts['AccessControlMaxAgeSec']}"
            + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else "")
            + ("; preload" if hsts.get("Preload") else ""),
        ),
    ]
    headers += [(item["Header"], item["Value"]) for item in config.get("CustomHeadersConfig", {}).get("Items", [])]
    return headers


def bucket_cors(origin: str, template: Path = ROOT / "user-cloud" / "storage.yaml") -> dict:
    """The CORS rule of a user's bucket as ``template`` declares it, for the web app at ``origin``."""
    (rule,) = load_template(template)["Resources"]["FilesBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    return rule | {
        "AllowedOrigins": [origin if value == {"Ref": "WebAppOrigin"} else value for value in rule["AllowedOrigins"]]
    }


class WebAppServer(BackgroundServer):
    """Serves the build on ``host:port`` (0: any free port) with the template's headers and a ``config.json``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, build: Path = BUILD):
        self.build = build
        self.headers: list[tuple[str, str]] = []
        self.config: dict[str, Any] = {}
        self._server = ThreadingHTTPServer((host, port), functools.partial(_Handler, self))
        self._server.daemon_threads = True

    def configure(self, *, gateway_url: str, aws_endpoint_url: str, region: str, outputs: dict[str, str]) -> None:
        """Point the app at a deployed platform: its CSP's connect-src and its config.json."""
        self.headers = security_headers([gateway_url, aws_endpoint_url])
        self.config = {
            "platformApiUrl": outputs["PlatformApiUrl"],
            "userPoolClientId": outputs["UserPoolClientId"],
            "region": region,
            "cognitoEndpoint": aws_endpoint_url + "/",
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, app: WebAppServer, *args: Any) -> None:
        self.app = app
        super().__init__(*args)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == "/config.json" and self.app.config:
            config = self.app.config
            # The PBKDF2 cost the CLI uses here too (IMEGHA_KDF_ITERATIONS, lowered by the tests): a person signs in
            # with the same secret in the browser and in a terminal.
            if os.environ.get("IMEGHA_KDF_ITERATIONS"):
                config = config | {"kdfIterations": int(os.environ["IMEGHA_KDF_ITERATIONS"])}
            self._send(200, json.dumps(config).encode(), "application/json")
            return
        target = (self.app.build / (path.lstrip("/") or "index.html")).resolve()
        if not target.is_relative_to(self.app.build.resolve()) or not target.is_file():
            self._send(404, b"Not Found", "text/plain; charset=utf-8")
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(200, target.read_bytes(), kind + ("; charset=utf-8" if kind.startswith("text/") else ""))

    do_HEAD = do_GET

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        for name, value in self.app.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
        """Silent, as the gateway is."""
