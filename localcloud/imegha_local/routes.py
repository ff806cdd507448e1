"""Choosing the route for a request as API Gateway does.

Paths are compared segment by segment. A literal segment beats a ``{variable}``,
which beats a greedy ``{proxy+}`` (one or more segments, only last); the first
segment where two candidates differ decides. For the same path an exact method
beats ``ANY``. An HTTP API's ``$default`` route takes what nothing else matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote

DEFAULT_ROUTE = "$default"
_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2


class Route(Protocol):
    method: str
    path: str


@dataclass(frozen=True)
class _Segment:
    kind: int
    text: str  # the literal, or the variable's name


@dataclass(frozen=True)
class Match:
    route: Route
    path_parameters: dict[str, str]


class RouteTable:
    def __init__(self, routes: Iterable[Route]):
        self._routes: list[tuple[Route, tuple[_Segment, ...]]] = []
        self._default: Route | None = None
        for route in routes:
            if route.path == DEFAULT_ROUTE:
                self._default = route
            else:
                self._routes.append((route, _parse(route.path)))

    def match(self, method: str, path: str) -> Match | None:
        """The route for ``method`` and the raw (percent-encoded) ``path``, or None."""
        segments = [unquote(segment) for segment in path.split("/") if segment]
        best: tuple[tuple, Match] | None = None
        for route, template in self._routes:
            if route.method.upper() not in (method, "ANY"):
                continue
            parameters = _bind(template, segments)
            if parameters is None:
                continue
            rank = (tuple(segment.kind for segment in template), route.method.upper() == "ANY")
            if best is None or rank < best[0]:
                best = (rank, Match(route, parameters))
        if best is not None:
            return best[1]
        return Match(self._default, {}) if self._default is not None else None


def route_key(route: Route) -> str:
    """How API Gateway names a route: "GET /users/{iMTag}", or "$default"."""
    return route.path if route.path == DEFAULT_ROUTE else f"{route.method.upper()} {route.path}"


def _parse(path: str) -> tuple[_Segment, ...]:
    segments = []
    for text in (segment for segment in path.split("/") if segment):
        if text.startswith("{") and text.endswith("+}"):
            segments.append(_Segment(_GREEDY, text[1:-2]))
        elif text.startswith("{") and text.endswith("}"):
            segments.append(_Segment(_VARIABLE, text[1:-1]))
        else:
            segments.append(_Segment(_LITERAL, text))
    if any(segment.kind == _GREEDY for segment in segments[:-1]):
        raise ValueError(f"route {path!r}: a greedy variable must be the last segment")
    return tuple(segments)


def _bind(template: tuple[_Segment, ...], segments: list[str]) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for index, part in enumerate(template):
        if part.kind == _GREEDY:
            rest = segments[index:]
            if not rest:
                return None
            parameters[part.text] = "/".join(rest)
            return parameters
        if index >= len(segments):
            return None
        if part.kind == _LITERAL and part.text != segments[index]:
            return None
        if part.kind == _VARIABLE:
            parameters[part.text] = segments[index]
    return parameters if len(template) == len(segments) else None
