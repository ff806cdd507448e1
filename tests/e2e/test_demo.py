"""`make demo` tells its story to the end, and every check it shows comes out as it should."""

import subprocess
import sys

from tests.conftest import ROOT


def test_the_demo_runs_and_its_checks_hold():
    result = subprocess.run(
        [sys.executable, "-m", "imegha_local.demo"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stderr
    assert "Same DEK on the new device: True" in result.stdout
    assert "Bob opens the same bytes from Alice's bucket: True" in result.stdout
    assert "refused (DecryptionError)" in result.stdout
    assert result.stdout.count("Patient 4711") == 1, "the plaintext shows on the person's side only"
    assert "GET /me without a token: 401" in result.stdout
    assert "The execution SUCCEEDED: RecordInProgress" in result.stdout
    assert "GET /health on DrAsha's cloud with her Cognito token: 401" in result.stdout
    assert "GET /health with that: 200" in result.stdout
    assert "Carol is told of it 0 times" in result.stdout
    assert "the words people said appear in them 0 times" in result.stdout
    assert "Bob's copy is byte for byte Alice's file: True" in result.stdout
    assert "Bob asks again: refused (HTTP 403" in result.stdout
    assert "The audit chain verifies on her device: True" in result.stdout
    assert "the file's text and name appear in them 0 times" in result.stdout
    assert "and sign in as asha@example.org with the password" in result.stdout.splitlines()[-3]
