"""The README's "Use it from Python" runs as written, as a doctest, against a fresh local cloud that its code finds as
a person's would after 'imegha local up' (the endpoints file in their iMegha home)."""

from __future__ import annotations

import doctest
import re

from imegha import accounts
from imegha.agent import stop_agent
from imegha.profile import Profile
from tests.conftest import ROOT
from tests.e2e.conftest import FAST_KDF_ITERATIONS
from tests.e2e.devices import agent_processes
from tests.integration.polling import eventually

SECTION = "## Use it from Python"
PROFILES = ("alice", "bob")


def readme_examples() -> list[doctest.DocTest]:
    """The section's ``pycon`` blocks, in order, as doctests sharing one namespace, each numbered as README.md is."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index(SECTION)
    end = readme.index("\n## ", start + len(SECTION))
    parser, namespace = doctest.DocTestParser(), {}
    tests = [
        parser.get_doctest(
            block.group(1), {}, f"README.md: {SECTION[3:]}", "README.md", readme.count("\n", 0, block.start(1))
        )
        for block in re.finditer(r"^```pycon\n(.*?)^```$", readme[:end], flags=re.MULTILINE | re.DOTALL)
        if block.start() > start
    ]
    assert tests, f"no pycon block under {SECTION!r}"
    for test in tests:
        test.globs = namespace  # each block goes on with what the ones before it made
    return tests


def test_the_readme_python_section_runs_against_the_local_cloud(platform, local_cloud, tmp_path, monkeypatch):
    home = tmp_path / "home"
    local_cloud.state().save(home / "local" / "endpoints.json")  # where 'imegha local up' writes it
    monkeypatch.setenv("IMEGHA_HOME", str(home))
    monkeypatch.delenv("IMEGHA_ENDPOINTS", raising=False)
    monkeypatch.setattr(accounts, "KDF_ITERATIONS", FAST_KDF_ITERATIONS)
    monkeypatch.chdir(tmp_path)
    tests = readme_examples()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    try:
        for test in tests:  # the story stops at its first failure, as a person's session would
            if runner.run(test, out=report.append, clear_globs=False).failed:
                break
    finally:
        for name in PROFILES:  # the key agents, whatever line the story stopped at
            stop_agent(Profile.named(name))
    assert runner.failures == 0, "".join(report)
    assert runner.tries == sum(len(test.examples) for test in tests) > 10
    assert eventually(lambda: not agent_processes(home), timeout_s=5), "key agents left running"
