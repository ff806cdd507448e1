"""The token signing key, as template.yaml makes it: the token function alone may sign with it (the key's own policy
says so, and leaves IAM no way to let anyone else), and no function's policy asks KMS for more than it needs."""

from __future__ import annotations

from imegha_local.templates import load_template
from tests.conftest import ROOT
from tests.iam_policy import Request, allows

RESOURCES = load_template(ROOT / "template.yaml")["Resources"]
KEY = RESOURCES["TokenSigningKey"]["Properties"]
SIGN = Request("kms:Sign", "*", {"kms:SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"})


def listed(value) -> list:
    return value if isinstance(value, list) else [value]


def function_statements() -> dict[str, list[dict]]:
    return {
        name: [
            statement
            for policy in resource["Properties"].get("Policies", [])
            if isinstance(policy, dict) and "Statement" in policy
            for statement in listed(policy["Statement"])
        ]
        for name, resource in RESOURCES.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def test_the_key_is_an_rs256_signing_key():
    assert (KEY["KeySpec"], KEY["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")


def test_only_the_token_functions_role_may_sign_and_no_iam_policy_could_let_another():
    statements = listed(KEY["KeyPolicy"]["Statement"])
    signers = [statement["Principal"] for statement in statements if allows({"Statement": [statement]}, SIGN)]
    account = next(statement for statement in statements if "root" in str(statement["Principal"]))

    assert signers == [{"AWS": {"Fn::GetAtt": ["TokenFunctionRole", "Arn"]}}]
    # IAM policies in the account grant only what the key policy lets the account delegate.
    assert not allows({"Statement": [account]}, SIGN)
    assert not allows({"Statement": [account]}, Request("kms:Verify", "*"))
    assert allows({"Statement": [account]}, Request("kms:ScheduleKeyDeletion", "*"))


def test_no_function_policy_names_a_kms_action_beyond_reading_the_public_key():
    kms_actions = {
        name: sorted(action for statement in statements for action in listed(statement["Action"]) if "kms:" in action)
        for name, statements in function_statements().items()
    }

    assert {name: actions for name, actions in kms_actions.items() if actions} == {
        "TokenKeysFunction": ["kms:GetPublicKey"]
    }
