"""What AWS documents, shown on the local cloud through the AWS APIs: each of the shims' behaviours.

One probe stack (``probe/probe.yaml``) is deployed per module; each test drives
it as a client of AWS would, never by calling a shim.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import datetime

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from imegha_local.cloud import Account
from tests.integration.polling import eventually

PROBE = __import__("pathlib").Path(__file__).parent / "probe" / "probe.yaml"


@pytest.fixture(scope="module")
def other_account(local_cloud) -> Account:
    return local_cloud.create_account()


@pytest.fixture(scope="module")
def probe(local_cloud, other_account) -> dict[str, str]:
    """The probe stack in the platform's account; its state machine may act in ``other_account`` through a role."""
    iam = local_cloud.client("iam", other_account)
    role = iam.create_role(RoleName="trusts-the-platform", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                       "Principal": {"AWS": f"arn:aws:iam::{local_cloud.platform.account_id}:root"}}],
    }))["Role"]
    return local_cloud.deploy(PROBE, "probe", {"OtherAccountRoleArn": role["Arn"]}).outputs


def records(local_cloud, table: str) -> dict[str, dict]:
    items = local_cloud.client("dynamodb").scan(TableName=table)["Items"]
    return {item["id"]["S"]: json.loads(item["event"]["S"]) for item in items}


# --- Lambda ------------------------------------------------------------------------------


def test_invoke_runs_the_handler_from_its_code_uri_with_its_environment_layer_and_role(local_cloud, probe):
    answer = local_cloud.client("lambda").invoke(FunctionName=probe["WhoAmI"], Payload=b'{"hello": "world"}')

    result = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer
    assert result["event"] == {"hello": "world"}
    assert result["setting"] == "set by the template"
    assert result["layer"] == "from the probe layer"
    assert result["account"] == local_cloud.platform.account_id
    assert ":assumed-role/" in result["arn"] and "WhoAmIRole" in result["arn"]


def test_an_event_invocation_returns_at_once_and_runs_in_the_background(local_cloud, probe):
    functions = local_cloud.client("lambda")
    recorder = next(f["FunctionName"] for f in functions.list_functions()["Functions"] if "Recorder" in f["FunctionName"])
    marker = str(uuid.uuid4())

    answer = functions.invoke(FunctionName=recorder, InvocationType="Event", Payload=json.dumps({"id": marker}))

    assert answer["StatusCode"] == 202
    assert eventually(lambda: f"direct:{marker}" in records(local_cloud, probe["RecordsTable"]))


def test_a_function_whose_role_lambda_cannot_assume_is_refused(local_cloud, probe):
    role = local_cloud.client("iam").create_role(RoleName="not-for-lambda", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}],
    }))["Role"]
    with pytest.raises(ClientError) as refusal:
        local_cloud.client("lambda").create_function(
            FunctionName="wrong-role", Runtime="python3.12", Role=role["Arn"], Handler="app.whoami",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    assert refusal.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "cannot be assumed by Lambda" in refusal.value.response["Error"]["Message"]


def test_the_embedded_aws_dumps_its_state_lambda_functions_included_without_docker(local_cloud, probe):
    bucket = f"dumped-{uuid.uuid4().hex[:8]}"
    local_cloud.client("s3").create_bucket(Bucket=bucket)

    with urllib.request.urlopen(f"{local_cloud.endpoint_url}/moto-api/data.json") as answer:
        status, dump = answer.status, json.loads(answer.read())

    assert status == 200
    assert bucket in {stored["name"] for stored in dump["s3"]["FakeBucket"]}
    assert probe["WhoAmI"] in {function["function_name"] for function in dump["awslambda"]["LambdaFunction"]}


# --- CloudFormation --------------------------------------------------------------------------


def test_getatt_of_a_nested_stack_output_resolves_in_outputs_and_properties(local_cloud, probe):
    assert probe["NestedGreeting"] == "hello probe"
    answer = json.loads(local_cloud.client("lambda").invoke(FunctionName=probe["WhoAmI"])["Payload"].read())
    assert answer["nested_greeting"] == "hello probe"


# --- EventBridge --------------------------------------------------------------------------------


def put_event(local_cloud, detail_type: str, detail: dict) -> str:
    entries = local_cloud.client("events").put_events(Entries=[{
        "EventBusName": "probe-bus", "Source": "probe.test", "DetailType": detail_type, "Detail": json.dumps(detail),
    }])
    assert entries["FailedEntryCount"] == 0
    return entries["Entries"][0]["EventId"]


def test_a_rules_lambda_target_receives_the_event(local_cloud, probe):
    event_id = put_event(local_cloud, "to-lambda", {"deploymentId": "d-1"})

    received = eventually(lambda: records(local_cloud, probe["RecordsTable"]).get(f"probe.test:{event_id}"))
    assert received["detail-type"] == "to-lambda"
    assert received["detail"] == {"deploymentId": "d-1"}
    assert received["account"] == local_cloud.platform.account_id
    datetime.strptime(received["time"], "%Y-%m-%dT%H:%M:%SZ")  # ISO 8601, as EventBridge sends it


def test_another_account_puts_events_on_the_bus_only_once_its_policy_names_that_account(local_cloud, probe):
    sender = local_cloud.create_account()
    bus_arn = local_cloud.client("events").describe_event_bus(Name="probe-bus")["Arn"]
    entry = {"EventBusName": bus_arn, "Source": "user.cloud", "DetailType": "to-lambda", "Detail": '{"n": 3}'}

    with pytest.raises(ClientError) as refusal:
        local_cloud.client("events", sender).put_events(Entries=[entry])
    assert refusal.value.response["Error"]["Code"] == "AccessDeniedException"

    local_cloud.client("events").put_permission(EventBusName="probe-bus", Action="events:PutEvents",
                                                Principal=sender.account_id, StatementId="sender")
    event_id = local_cloud.client("events", sender).put_events(Entries=[entry])["Entries"][0]["EventId"]
    received = eventually(lambda: records(local_cloud, probe["RecordsTable"]).get(f"user.cloud:{event_id}"))
    assert received["account"] == sender.account_id, "the sender's account, not the bus owner's"

    local_cloud.client("events").remove_permission(EventBusName="probe-bus", StatementId="sender")
    with pytest.raises(ClientError):
        local_cloud.client("events", sender).put_events(Entries=[entry])


def test_a_rules_topic_target_publishes_the_event(local_cloud, probe):
    event_id = put_event(local_cloud, "to-topic", {"n": 1})

    sqs = local_cloud.client("sqs")
    messages = eventually(lambda: sqs.receive_message(QueueUrl=probe["QueueUrl"]).get("Messages"))
    delivered = json.loads(messages[0]["Body"])
    assert delivered["id"] == event_id and delivered["detail"] == {"n": 1}


def test_a_rules_state_machine_target_starts_an_execution_with_the_event(local_cloud, probe):
    event_id = put_event(local_cloud, "to-state-machine", {"n": 2})

    sfn = local_cloud.client("stepfunctions")

    def finished():
        runs = sfn.list_executions(stateMachineArn=probe["MachineArn"])["executions"]
        return [sfn.describe_execution(executionArn=run["executionArn"]) for run in runs
                if run["status"] != "RUNNING"]

    execution = eventually(finished)[0]
    assert json.loads(execution["input"])["id"] == event_id
    assert execution["status"] == "SUCCEEDED", execution.get("error")


# --- Step Functions ---------------------------------------------------------------------------------


def test_tasks_act_as_the_execution_role_or_as_their_credentials_role(local_cloud, probe, other_account):
    sfn = local_cloud.client("stepfunctions")
    run = sfn.start_execution(stateMachineArn=probe["MachineArn"], input="{}")
    execution = eventually(lambda: (lambda e: e if e["status"] != "RUNNING" else None)(
        sfn.describe_execution(executionArn=run["executionArn"])))

    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    output = json.loads(execution["output"])
    machine_role = probe["MachineRoleArn"].rsplit("/", 1)[1]
    assert output["own"]["Account"] == local_cloud.platform.account_id
    assert f":assumed-role/{machine_role}/" in output["own"]["Arn"]
    assert output["other"]["Account"] == other_account.account_id
    assert ":assumed-role/trusts-the-platform/" in output["other"]["Arn"]


# --- STS -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deployment_role(local_cloud, other_account) -> str:
    """A role in another account that the platform may assume with one ExternalId only (the bootstrap's shape)."""
    return local_cloud.client("iam", other_account).create_role(
        RoleName="deployment", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:aws:iam::{local_cloud.platform.account_id}:root"},
                "Condition": {"StringEquals": {"sts:ExternalId": "imegha-right"}},
            }],
        }))["Role"]["Arn"]


@pytest.mark.parametrize("external_id", ["imegha-wrong", None], ids=["wrong", "missing"])
def test_assume_role_without_the_right_external_id_is_denied(local_cloud, deployment_role, external_id):
    extra = {"ExternalId": external_id} if external_id else {}
    with pytest.raises(ClientError) as refusal:
        local_cloud.client("sts").assume_role(RoleArn=deployment_role, RoleSessionName="deploy", **extra)
    assert refusal.value.response["Error"]["Code"] == "AccessDenied"


def test_assume_role_with_the_right_external_id_acts_in_the_other_account(local_cloud, deployment_role, other_account):
    credentials = local_cloud.client("sts").assume_role(
        RoleArn=deployment_role, RoleSessionName="deploy", ExternalId="imegha-right")["Credentials"]
    session = Account(other_account.account_id, credentials["AccessKeyId"], credentials["SecretAccessKey"],
                      credentials["SessionToken"])

    identity = session.client("sts", local_cloud.endpoint_url).get_caller_identity()
    assert identity["Account"] == other_account.account_id
    assert identity["Arn"].endswith(":assumed-role/deployment/deploy")


def test_a_principal_the_trust_policy_does_not_name_is_denied_even_with_the_external_id(local_cloud, deployment_role):
    stranger = local_cloud.create_account()
    with pytest.raises(ClientError) as refusal:
        local_cloud.client("sts", stranger).assume_role(
            RoleArn=deployment_role, RoleSessionName="deploy", ExternalId="imegha-right")
    assert refusal.value.response["Error"]["Code"] == "AccessDenied"


# --- Cognito ------------------------------------------------------------------------------------------


def public_cognito(local_cloud):
    return boto3.client("cognito-idp", region_name=local_cloud.region, endpoint_url=local_cloud.endpoint_url,
                        config=Config(signature_version=UNSIGNED))


def test_a_failing_pre_sign_up_trigger_refuses_the_sign_up_and_creates_no_user(local_cloud, probe):
    with pytest.raises(ClientError) as refusal:
        public_cognito(local_cloud).sign_up(ClientId=probe["UserPoolClientId"], Username="eve@elsewhere.net",
                                            Password="Long-enough-passw0rd")

    assert refusal.value.response["Error"]["Code"] == "UserLambdaValidationException"
    assert refusal.value.response["Error"]["Message"] == (
        "PreSignUp failed with error eve@elsewhere.net may not sign up here.")
    users = local_cloud.client("cognito-idp").list_users(UserPoolId=probe["UserPoolId"])["Users"]
    assert not [user for user in users if {"Name": "email", "Value": "eve@elsewhere.net"} in user["Attributes"]]


def test_confirming_a_sign_up_runs_the_post_confirmation_trigger(local_cloud, probe):
    public = public_cognito(local_cloud)
    signed_up = public.sign_up(ClientId=probe["UserPoolClientId"], Username="asha@example.org",
                               Password="Long-enough-passw0rd")
    public.confirm_sign_up(ClientId=probe["UserPoolClientId"], Username="asha@example.org", ConfirmationCode="1")

    received = records(local_cloud, probe["RecordsTable"])[f"PostConfirmation_ConfirmSignUp:{signed_up['UserSub']}"]
    assert received["request"]["userAttributes"]["email"] == "asha@example.org"
    assert received["request"]["userAttributes"]["sub"] == signed_up["UserSub"]
    assert received["userPoolId"] == probe["UserPoolId"]


def test_a_new_confirmation_code_goes_only_to_a_sign_up_not_yet_confirmed(local_cloud, probe):
    public = public_cognito(local_cloud)
    client = probe["UserPoolClientId"]
    public.sign_up(ClientId=client, Username="noor@example.org", Password="Long-enough-passw0rd")

    resent = public.resend_confirmation_code(ClientId=client, Username="noor@example.org")
    public.confirm_sign_up(ClientId=client, Username="noor@example.org", ConfirmationCode="1")
    with pytest.raises(ClientError) as confirmed:
        public.resend_confirmation_code(ClientId=client, Username="noor@example.org")
    with pytest.raises(ClientError) as nobody:
        public.resend_confirmation_code(ClientId=client, Username="nobody@example.org")

    assert resent["CodeDeliveryDetails"] == {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    assert confirmed.value.response["Error"] == {"Code": "InvalidParameterException", "Message": "User is already confirmed."}
    assert nobody.value.response["Error"]["Code"] == "UserNotFoundException"


def test_a_revoked_refresh_token_renews_nothing_and_the_users_other_sessions_go_on(local_cloud, probe):
    public = public_cognito(local_cloud)
    client = probe["UserPoolClientId"]
    public.sign_up(ClientId=client, Username="lena@example.org", Password="Long-enough-passw0rd")
    public.confirm_sign_up(ClientId=client, Username="lena@example.org", ConfirmationCode="1")

    def signed_in() -> str:
        return public.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
            "USERNAME": "lena@example.org", "PASSWORD": "Long-enough-passw0rd"})["AuthenticationResult"]["RefreshToken"]

    def renewed(refresh_token: str) -> dict:
        return public.initiate_auth(ClientId=client, AuthFlow="REFRESH_TOKEN_AUTH",
                                    AuthParameters={"REFRESH_TOKEN": refresh_token})["AuthenticationResult"]

    phone, laptop = signed_in(), signed_in()
    assert renewed(phone)["IdToken"]

    public.revoke_token(ClientId=client, Token=phone)

    with pytest.raises(ClientError) as revoked:
        renewed(phone)
    assert revoked.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": "Refresh Token has been revoked"}
    assert renewed(laptop)["IdToken"]


def test_a_client_that_prevents_user_existence_errors_answers_for_nobody_as_for_anyone(local_cloud, probe):
    discreet = local_cloud.client("cognito-idp").create_user_pool_client(
        UserPoolId=probe["UserPoolId"], ClientName="discreet", PreventUserExistenceErrors="ENABLED")["UserPoolClient"]

    answer = public_cognito(local_cloud).resend_confirmation_code(ClientId=discreet["ClientId"], Username="nobody@example.org")

    assert answer["CodeDeliveryDetails"] == {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def test_a_topic_delivers_to_the_mobile_endpoints_its_filter_policies_let_through(local_cloud):
    from moto.sns.models import sns_backends

    sns = local_cloud.client("sns")
    apns = sns.create_platform_application(Name="phones", Platform="APNS", Attributes={})["PlatformApplicationArn"]
    topic = sns.create_topic(Name=f"pushes-{uuid.uuid4().hex[:8]}")["TopicArn"]
    phones = {}
    for person in ("asha", "ben"):
        phones[person] = sns.create_platform_endpoint(PlatformApplicationArn=apns, Token=f"{person}-token-0123456789")["EndpointArn"]
        sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=phones[person], ReturnSubscriptionArn=True,
                      Attributes={"FilterPolicy": json.dumps({"recipient": [person]})})

    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "for anyone", "APNS": json.dumps({"aps": {"alert": "for an iPhone"}})}),
                MessageAttributes={"recipient": {"DataType": "String", "StringValue": "asha"}})

    received = {person: list(sns_backends[local_cloud.platform.account_id][local_cloud.region]
                             .platform_endpoints[arn].messages.values()) for person, arn in phones.items()}
    assert received == {"asha": [json.dumps({"aps": {"alert": "for an iPhone"}})], "ben": []}


def test_signing_in_as_nobody_through_a_discreet_client_fails_as_a_wrong_password_does(local_cloud, probe):
    public = public_cognito(local_cloud)
    discreet = local_cloud.client("cognito-idp").create_user_pool_client(
        UserPoolId=probe["UserPoolId"], ClientName="discreet-sign-in", PreventUserExistenceErrors="ENABLED",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    public.sign_up(ClientId=discreet, Username="omar@example.org", Password="Long-enough-passw0rd")
    public.confirm_sign_up(ClientId=discreet, Username="omar@example.org", ConfirmationCode="1")

    def refusal(client_id: str, username: str, password: str) -> dict:
        with pytest.raises(ClientError) as refused:
            public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": username, "PASSWORD": password})
        return refused.value.response["Error"]

    wrong_password = refusal(discreet, "omar@example.org", "Not-his-passw0rd")
    assert refusal(discreet, "nobody@example.org", "Not-his-passw0rd") == wrong_password == {
        "Code": "NotAuthorizedException", "Message": "Incorrect username or password."}
    assert refusal(probe["UserPoolClientId"], "nobody@example.org", "Not-his-passw0rd")["Code"] == "UserNotFoundException"


def test_a_clients_first_s3_call_leaves_the_s3_model_as_botocore_and_moto_load_it(local_cloud):
    """botocore rewrites an S3 operation's requestUri in the model its client holds (``/{Bucket}`` → ``''``);
    the decoded-once data files must not pass that edit to the next loader, moto's own S3 router included."""
    from botocore.loaders import Loader
    from moto.core.utils import get_service_model

    local_cloud.client("s3").create_bucket(Bucket=f"model-{uuid.uuid4().hex[:8]}")

    assert Loader().load_service_model("s3", "service-2")["operations"]["CreateBucket"]["http"]["requestUri"] == "/{Bucket}"
    assert get_service_model("s3").operation_model("CreateBucket").http["requestUri"] == "/{Bucket}"
