"""What the fuzzer sends to one route: a :class:`Plan` (who asks, path parameters, query, headers, body), drawn by
:func:`plans` from the route's catalogue entry, and sent and judged by :func:`exercise`.

The property, for every route: a 2xx only for a well-formed request by someone allowed (a valid caller of that
API; the cloud's owner where only the owner may; a body valid against the route's schema; never for a route that
needs an identity signature, which the fuzzer never makes); otherwise a 4xx whose JSON body says why
(``message``); never a 5xx; and a refused request leaves every table and bucket as it was.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from imegha_crypto import SIGNATURE_HEADER
from imegha_local.snapshots import changed, stored_state
from tests.fuzz.bodies import ODD_TEXT, bodies, well_formed
from tests.fuzz.catalog import Route
from tests.fuzz.world import CALLERS, OWNER, VALID, Answer, FuzzWorld

ID_NAMES = ("alice", "bob", "carol", "folder", "album", "file", "share", "conversation", "group", "imtag")
CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "multipart/form-data; boundary=x",
)
FORM_FIELDS = ("grant_type", "audience", "requested_token_type", "subject_token")
FORM_VALUES = (
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:ietf:params:oauth:token-type:access_token",
    "@alice",
    "@bob",
    "@carol",
)
SETTLE_POLL_S, SETTLE_READINGS, SETTLE_LIMIT_S = 0.05, 3, 10.0

header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=200)
odd_values = st.sampled_from(
    ["..", ".", "0", "-1", "0007", "99999999999999999999999", "1" + "0" * 40, "A" * 3000, "%00", "\x00", " ", "١٢", "²"]
)
path_values = st.one_of(
    st.sampled_from([f"@{name}" for name in ID_NAMES]),
    st.from_regex(r"[A-Za-z0-9_-]{16,64}", fullmatch=True),
    st.sampled_from(["folders", "albums", "files", "1", "0"]),
    odd_values,
    ODD_TEXT,
    st.text(min_size=1, max_size=80),
)
query_values = st.one_of(
    st.integers(-(2**70), 2**70).map(str), st.sampled_from([f"@{name}" for name in ID_NAMES]), odd_values, header_text
)


@dataclass(frozen=True)
class Plan:
    caller: str
    garbage_token: str
    path: tuple[tuple[str, str], ...]  # each parameter's value; "@name" is the world's id of that name
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    content_type: str | None
    body: bytes
    form: tuple[tuple[str, str], ...] | None = None  # a form route's fields, encoded at sending


@st.composite
def plans(draw: st.DrawFn, route: Route) -> Plan:
    # Valid callers as often as the rest together: past the authorizer is where a handler's own bugs are.
    caller = draw(st.sampled_from(sorted(VALID[route.api])) | st.sampled_from(CALLERS[route.api]))
    garbage = draw(header_text.filter(str.strip) | st.just("Bearer ") | header_text.map("Bearer {}".format))
    path = tuple((name, draw(path_values)) for name in route.parameters)
    query_names = st.sampled_from(route.query) | st.text(min_size=1, max_size=8) if route.query else st.text(max_size=8)
    query = tuple(draw(st.lists(st.tuples(query_names, query_values), max_size=3)))
    header_names = (*route.headers, *((SIGNATURE_HEADER,) if route.signed else ()), "X-Forwarded-For", "Accept")
    headers = tuple(draw(st.lists(st.tuples(st.sampled_from(header_names), header_text), max_size=2)))
    form = None
    if route.form:
        form = tuple(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(FORM_FIELDS) | st.text(max_size=10),
                        st.sampled_from(FORM_VALUES) | st.text(max_size=30),
                    ),
                    max_size=4,
                )
            )
        )
    body = b"" if form is not None else draw(bodies(route.schema))
    default_type = "application/x-www-form-urlencoded" if route.form else "application/json"
    content_type = draw(st.sampled_from([default_type, default_type, None, *CONTENT_TYPES]))
    return Plan(caller, garbage, path, query, headers, content_type, body, form)


def _resolved(world: FuzzWorld, value: str) -> str:
    return world.ids.get(value[1:], value) if value.startswith("@") else value


def request_of(world: FuzzWorld, route: Route, plan: Plan) -> tuple[str, dict[str, str], bytes]:
    """The URL, headers and body ``plan`` sends to ``route``."""
    values = {name: _resolved(world, value) for name, value in plan.path}
    path = "/".join(
        quote(values[part[1:-1]].encode("utf-8", "surrogatepass"), safe="") if part.startswith("{") else part
        for part in route.path.split("/")
    )
    url = world.base_url(route.api).rstrip("/") + path
    if plan.query:
        url += "?" + _form([(name, _resolved(world, value)) for name, value in plan.query])
    headers = dict(plan.headers)
    authorization = world.authorization(route.api, plan.caller, plan.garbage_token)
    if authorization is not None:
        headers["Authorization"] = authorization
    if plan.content_type is not None:
        headers["Content-Type"] = plan.content_type
    body = plan.body
    if plan.form is not None:
        body = _form([(name, _resolved(world, value)) for name, value in plan.form]).encode()
    return url, headers, body


def _form(fields: list[tuple[str, str]]) -> str:
    """URL-encoded, lone surrogates and all (as the bytes a careless client would send)."""
    return urlencode(fields, encoding="utf-8", errors="surrogatepass")


def exercise(world: FuzzWorld, route: Route, plan: Plan) -> Answer:
    """Send ``plan`` to ``route`` and assert the property; returns the answer."""
    url, headers, body = request_of(world, route, plan)
    before = stored_state()
    answer = world.send(route.method, url, headers, body)
    what = f"{route} as {plan.caller}: {answer.status} {answer.body[:300]!r}"
    assert answer.status < 500, f"a server error: {what}"
    assert 200 <= answer.status < 300 or 400 <= answer.status < 500, f"neither an answer nor a refusal: {what}"
    if answer.status >= 400:
        assert _reason(answer), f"a refusal without a reason (a JSON body with a message): {what}"
        moved = changed(before, stored_state())
        assert not moved, f"a refused request changed {moved}: {what}"
        return answer
    assert route.gateway.public or plan.caller in VALID[route.api], f"answered a caller it must refuse: {what}"
    assert not (route.owner_only and plan.caller != OWNER), f"answered someone not the cloud's owner: {what}"
    assert not route.signed, f"answered a request without its identity signature: {what}"
    if route.schema is not None and not (route.body_optional and not body):
        assert well_formed(route.schema, body), f"accepted a body its schema refuses: {what}"
    if route.method != "GET":
        settle()
    return answer


def _reason(answer: Answer) -> bool:
    try:
        document = json.loads(answer.body)
    except ValueError:
        return False
    return isinstance(document, dict) and isinstance(document.get("message"), str) and bool(document["message"])


def settle() -> None:
    """Wait until what an accepted request set off (events, their Lambdas) has finished writing: the stored state
    unchanged over a few readings."""
    deadline = time.monotonic() + SETTLE_LIMIT_S
    readings = [stored_state()]
    while time.monotonic() < deadline:
        time.sleep(SETTLE_POLL_S)
        readings = [*readings[-(SETTLE_READINGS - 1) :], stored_state()]
        if len(readings) == SETTLE_READINGS and all(reading == readings[0] for reading in readings):
            return
