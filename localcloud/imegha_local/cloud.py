"""The local cloud: an embedded AWS on 127.0.0.1, with the platform and users' clouds deployed from their templates.

moto runs in server mode in this process; its gaps are closed by
:mod:`imegha_local.shims` and :mod:`imegha_local.providers`; Lambdas run in
:mod:`imegha_local.runtime` and APIs are served by :mod:`imegha_local.gateway`.

Deploying works as ``sam deploy`` does, through the AWS APIs only: package the
template's local code (:mod:`imegha_local.packaging`), then CreateStack, where
CloudFormation runs the SAM transform. Accounts are separate as in AWS: the
platform has one, each user's cloud another, and the platform reaches a user's
account by AssumeRole with that user's ExternalId. The functions at module
level need only the endpoint, so the CLI can use them against a running cloud
from another process; :class:`LocalCloud` is the cloud itself.

The running cloud writes its endpoints and the platform's credentials to a state
file (:func:`state_path`), where the CLI and SDK find it.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import secrets
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from imegha_local.faults import FaultInjector, FaultRates
from imegha_local.packaging import ArtifactBucket, PackagingError, package_template
from imegha_local.serving import MotoServer
from imegha_local.web_app import WebAppServer, bucket_cors

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_TEMPLATE = ROOT / "template.yaml"
USER_CLOUD_TEMPLATE = ROOT / "user-cloud" / "user-cloud.yaml"
BOOTSTRAP_TEMPLATE = ROOT / "user-cloud" / "bootstrap-role.yaml"
RELEASE_TEMPLATE = ROOT / "release" / "user-cloud-artifacts.yaml"
DEFAULT_PORT = 4747  # the embedded AWS; the gateway listens on the next port
REGION = "us-east-1"
PLATFORM_ACCOUNT = "111111111111"
PLATFORM_STACK = "imegha-platform"
USER_CLOUD_STACK = "imegha-user-cloud"
BOOTSTRAP_STACK = "imegha-bootstrap"
RELEASE_STACK = "imegha-user-cloud-artifacts"
ADMIN_USER = "imegha-local-admin"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
CLIENT_CONFIG = Config(
    s3={"addressing_style": "path"},  # so presigned URLs name the endpoint, and any HTTP client can use them
    retries={"max_attempts": 2, "mode": "standard"},
)


class LocalCloudError(Exception):
    """The local cloud cannot start or cannot deploy; the message says what and why."""


def local_home() -> Path:
    return Path(os.environ.get("IMEGHA_HOME") or Path.home() / ".imegha") / "local"


def state_path() -> Path:
    """Where the running local cloud describes itself: ``$IMEGHA_LOCAL_STATE``, else ``~/.imegha/local/endpoints.json``."""
    return Path(os.environ.get("IMEGHA_LOCAL_STATE") or local_home() / "endpoints.json")


# --- Accounts and stacks, through the AWS APIs only --------------------------------


@dataclass(frozen=True)
class Account:
    """An AWS account of the local cloud, and credentials in it."""

    account_id: str
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def client(self, service: str, endpoint_url: str, region: str = REGION, config: Config | None = None):
        return boto3.client(service, **self._as_me(endpoint_url, region, config))

    def resource(self, service: str, endpoint_url: str, region: str = REGION, config: Config | None = None):
        return boto3.resource(service, **self._as_me(endpoint_url, region, config))

    def _as_me(self, endpoint_url: str, region: str, config: Config | None) -> dict:
        """Where and as whom a client calls; ``config`` adds to (or overrides) the local cloud's usual one."""
        return {
            "region_name": region,
            "endpoint_url": endpoint_url,
            "config": CLIENT_CONFIG.merge(config) if config else CLIENT_CONFIG,
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
            "aws_session_token": self.session_token,
        }


@dataclass(frozen=True)
class DeployedStack:
    account_id: str
    name: str
    stack_id: str
    outputs: dict[str, str]


@dataclass(frozen=True)
class UserCloud:
    """A user's cloud in an account of its own, deployed by the platform through the user's deployment role."""

    account: Account  # the user's own credentials in their account
    role_arn: str
    external_id: str
    stack: DeployedStack


def create_account(endpoint_url: str, region: str = REGION, account_id: str | None = None) -> Account:
    """A fresh account, with an administrator's access key (moto maps every request to an account by its key)."""
    account_id = account_id or str(secrets.randbelow(9 * 10**11) + 10**11)
    iam = boto3.client(
        "iam",
        region_name=region,
        endpoint_url=endpoint_url,
        config=CLIENT_CONFIG,
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",
    )

    def in_account(request, **_) -> None:
        request.headers["x-moto-account-id"] = account_id

    iam.meta.events.register("before-send.iam.*", in_account)
    iam.create_user(UserName=ADMIN_USER)
    key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
    return Account(account_id, key["AccessKeyId"], key["SecretAccessKey"])


def deploy_stack(
    endpoint_url: str,
    account: Account,
    template: Path,
    stack_name: str,
    parameters: dict[str, str] | None = None,
    *,
    artifacts: Account | None = None,
    role_arn: str | None = None,
    region: str = REGION,
) -> DeployedStack:
    """Package ``template`` into the artifact bucket of ``artifacts`` (default: the deploying account), then create
    or update the stack as ``account``, CloudFormation acting as ``role_arn`` if given. Raises
    :class:`LocalCloudError` naming the resource that failed and why."""
    uploader_account = artifacts or account
    uploader = ArtifactBucket(
        uploader_account.client("s3", endpoint_url, region), f"imegha-artifacts-{uploader_account.account_id}-{region}"
    )
    try:
        body = package_template(template, uploader.upload, region)
    except PackagingError as error:
        raise LocalCloudError(f"{template.name}: {error}") from None
    declared = body.get("Parameters") or {}
    cloudformation = account.client("cloudformation", endpoint_url, region)
    request = {
        "StackName": stack_name,
        "TemplateBody": json.dumps(body),
        "Parameters": [
            {"ParameterKey": key, "ParameterValue": str(value)}
            for key, value in (parameters or {}).items()
            if key in declared
        ],
        "Capabilities": CAPABILITIES,
    } | ({"RoleARN": role_arn} if role_arn else {})
    try:
        try:
            cloudformation.create_stack(**request)
        except ClientError as error:
            if error.response["Error"]["Code"] != "AlreadyExistsException":
                raise
            cloudformation.update_stack(**request)
    except ClientError as error:
        # Deploying what already stands is no failure (as 'sam deploy' and 'aws cloudformation deploy' take it).
        if "No updates are to be performed" not in error.response["Error"]["Message"]:
            raise LocalCloudError(f"{template.name}: {error.response['Error']['Message']}") from None
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    if stack["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        raise LocalCloudError(
            f"{template.name}: stack {stack_name} is {stack['StackStatus']}: "
            + "; ".join(_failures(cloudformation, stack_name))
        )
    return DeployedStack(
        account.account_id,
        stack_name,
        stack["StackId"],
        {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs") or []},
    )


def _failures(cloudformation, stack_name: str) -> list[str]:
    events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
    return [
        f"{event['LogicalResourceId']} ({event['ResourceType']}): {event.get('ResourceStatusReason')}"
        for event in events
        if event["ResourceStatus"].endswith("_FAILED")
    ] or ["no resource reported a failure"]


def publish_user_cloud(
    endpoint_url: str, platform: Account, platform_outputs: dict[str, str], template: Path = USER_CLOUD_TEMPLATE
) -> list[str]:
    """Publish user-cloud.yaml (or another release of it) in every region users may choose (the platform's
    ``UserCloudRegions``), where the deploy state machine reads it, as the README's release steps do for real AWS:
    the region's artifacts bucket (release/user-cloud-artifacts.yaml, a stack of the platform's account there),
    ``sam package`` into it, then the packaged template under its key. Returns the templates' URLs."""
    return [
        _publish_in(endpoint_url, platform, platform_outputs, template, region.strip())
        for region in platform_outputs["UserCloudRegions"].split(",")
    ]


def _publish_in(
    endpoint_url: str, platform: Account, platform_outputs: dict[str, str], template: Path, region: str
) -> str:
    release = deploy_stack(
        endpoint_url,
        platform,
        RELEASE_TEMPLATE,
        RELEASE_STACK,
        {"Stage": platform_outputs["Stage"]},
        region=region,
    )
    bucket = release.outputs["UserCloudArtifactsBucketName"]
    artifacts = ArtifactBucket(platform.client("s3", endpoint_url, region), bucket, prefix="user-cloud/")
    try:
        packaged = package_template(template, artifacts.upload, region)
    except PackagingError as error:
        raise LocalCloudError(f"{template.name}: {error}") from None
    key = platform_outputs["UserCloudTemplateKey"]
    platform.client("s3", endpoint_url, region).put_object(Bucket=bucket, Key=key, Body=json.dumps(packaged).encode())
    return f"https://s3.{region}.amazonaws.com/{bucket}/{key}"


def assume_deployment_role(
    endpoint_url: str, platform: Account, role_arn: str, external_id: str | None, region: str = REGION
) -> Account:
    """The platform's session in a user's account, as production gets it: AssumeRole with the user's ExternalId."""
    arguments = {"RoleArn": role_arn, "RoleSessionName": "imegha-deployment", "DurationSeconds": 3600}
    if external_id is not None:
        arguments["ExternalId"] = external_id
    credentials = platform.client("sts", endpoint_url, region).assume_role(**arguments)["Credentials"]
    return Account(
        role_arn.split(":")[4], credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )


def bootstrap_account(
    endpoint_url: str,
    platform_account_id: str,
    external_id: str,
    region: str = REGION,
    platform_region: str = REGION,
) -> tuple[Account, DeployedStack]:
    """The user's part of connecting their AWS account, played on the local cloud: a fresh account, with the
    bootstrap stack launched in it, in ``region`` (where their cloud is to stand), with the ExternalId the platform
    gave them."""
    user = create_account(endpoint_url, region)
    bootstrap = deploy_stack(
        endpoint_url,
        user,
        BOOTSTRAP_TEMPLATE,
        BOOTSTRAP_STACK,
        {"PlatformAccountId": platform_account_id, "ExternalId": external_id, "PlatformRegion": platform_region},
        region=region,
    )
    return user, bootstrap


def deploy_user_cloud(
    endpoint_url: str, platform: Account, platform_outputs: dict[str, str], owner: str, region: str = REGION
) -> UserCloud:
    """A fresh account for ``owner``, set up as the user would (the bootstrap stack), and their cloud deployed in it
    by the platform through the deployment role, CloudFormation acting as the bootstrap's role for it; the code and
    nested templates come from the platform's bucket.
    A shortcut for tests that need a user's cloud, not its deployment: the deploy state machine does this for real
    (``POST /deployments``)."""
    external_id = f"imegha-{uuid.uuid4()}"
    user, bootstrap = bootstrap_account(endpoint_url, platform.account_id, external_id, region)
    role_arn = bootstrap.outputs["DeploymentRoleArn"]
    deployer = assume_deployment_role(endpoint_url, platform, role_arn, external_id, region)
    # Whose tokens the cloud accepts, where the platform keeps it for its deployments: its API's execute-api URL.
    issuer = platform.client("ssm", endpoint_url, region).get_parameter(Name=platform_outputs["TokenIssuerParameter"])
    stack = deploy_stack(
        endpoint_url,
        deployer,
        USER_CLOUD_TEMPLATE,
        USER_CLOUD_STACK,
        user_cloud_parameters(platform_outputs, bootstrap.outputs, owner, issuer["Parameter"]["Value"]),
        artifacts=platform,
        role_arn=bootstrap.outputs["CloudFormationRoleArn"],
        region=region,
    )
    return UserCloud(user, role_arn, external_id, stack)


def user_cloud_parameters(
    platform_outputs: dict[str, str], bootstrap_outputs: dict[str, str], owner: str, issuer: str
) -> dict[str, str]:
    """What the platform gives a user's cloud (each passed only if the template declares it)."""
    return {
        "PlatformIssuer": issuer,
        "PlatformDoorbellUrl": platform_outputs.get("DoorbellUrl", ""),
        "PlatformDoorbellArn": platform_outputs.get("DoorbellArn", ""),
        "OwnerUserId": owner,
        "PermissionsBoundaryArn": bootstrap_outputs.get("CloudBoundaryArn", ""),
        "WebAppOrigin": platform_outputs.get("WebAppUrl", ""),
    }


# --- The running cloud ------------------------------------------------------------------


@dataclass
class LocalState:
    """What the state file says: how to reach the running cloud, and its platform."""

    pid: int
    region: str
    aws_endpoint_url: str
    gateway_url: str
    log_path: str
    platform_account_id: str
    platform_credentials: dict[str, str]
    outputs: dict[str, str] = field(default_factory=dict)
    # The names imegha.endpoints.Endpoints reads.
    platform_api_url: str | None = None
    user_pool_id: str | None = None
    user_pool_client_id: str | None = None
    web_app_url: str | None = None

    @property
    def platform(self) -> Account:
        return Account(self.platform_account_id, **self.platform_credentials)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        staging = path.with_suffix(".tmp")
        staging.write_text(json.dumps(asdict(self), indent=2))
        staging.chmod(0o600)  # it holds the platform's (local) credentials
        staging.replace(path)


def running_cloud(path: Path | None = None) -> LocalState | None:
    """The running local cloud's state, or None if none runs (a state file whose process is gone counts as none)."""
    path = path or state_path()
    try:
        document = json.loads(path.read_text())
        os.kill(document["pid"], 0)
    except (FileNotFoundError, ProcessLookupError, json.JSONDecodeError, KeyError):
        return None
    return LocalState(**{name: document.get(name) for name in LocalState.__dataclass_fields__})


class LocalCloud:
    """The embedded AWS, the Lambda runtime and the gateway, in this process.

    ``start()`` binds the ports and creates the platform's account; ``deploy_platform()`` deploys ``template.yaml``
    there; ``reset()`` forgets every account and resource (moto's state is process-wide: one local cloud per
    process). ``faults``: injected on purpose (:mod:`imegha_local.faults`), never while deploying.
    """

    def __init__(
        self,
        port: int = DEFAULT_PORT,
        *,
        gateway_port: int | None = None,
        host: str = "127.0.0.1",
        region: str = REGION,
        home: Path | None = None,
        verbose: bool = False,
        faults: FaultInjector | None = None,
    ):
        self.host, self.port, self.region, self.verbose = host, port, region, verbose
        self.faults = faults or FaultInjector(FaultRates.from_environment(), spared=frozenset({PLATFORM_ACCOUNT}))
        self.gateway_port = gateway_port if gateway_port is not None else (port + 1 if port else 0)
        # The web app's, next to the gateway's (a fixed port keeps its origin, which users' clouds are deployed with).
        self.web_app_port = self.gateway_port + 1 if self.gateway_port else 0
        self.home = home or local_home()
        self.log_path = self.home / "local-cloud.log"
        self.platform: Account | None = None
        self.platform_stack: DeployedStack | None = None
        self._server = None
        self._runtime = None
        self._gateway = None
        self._web_app = None

    # Lifecycle --------------------------------------------------------------

    def start(self) -> LocalCloud:
        from imegha_local import providers, shims

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server would log every request
        shims.install()
        providers.register()
        self._server = _bind_moto(self.host, self.port)
        self.port = self._server.port
        try:
            self._open()
        except BaseException:
            self._server.stop()
            raise
        return self

    def stop(self) -> None:
        self._close()
        if self._server is not None:
            self._server.stop()
            self._server = None

    def suspend(self) -> None:
        """Stop the runtime and the gateway, and let moto be plain moto, until ``reset()`` (for tests that share
        the process with other users of moto)."""
        self._close()

    def reset(self) -> None:
        """Forget every account and resource: a fresh cloud on the same ports, with a fresh runtime."""
        from moto.moto_api._internal.models import moto_api_backend

        from imegha_local import shims

        self._close()
        moto_api_backend.reset()
        shims.forget_credentials()
        self._open()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def _open(self) -> None:
        from imegha_local import shims
        from imegha_local.gateway import LocalGateway, PortInUse
        from imegha_local.runtime import LambdaRuntime

        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._runtime = LambdaRuntime(self.endpoint_url, self.log_path, self.verbose, self.faults)
        try:
            self._gateway = LocalGateway(self._runtime, self.host, self.gateway_port, shims.signing_key)
        except PortInUse as error:
            self._runtime.close()
            raise LocalCloudError(f"the local gateway cannot listen: {error}") from None
        self._gateway.start()
        self.gateway_port = int(self._gateway.url.rsplit(":", 1)[1])
        try:
            self._web_app = WebAppServer(self.host, self.web_app_port)
        except OSError as error:
            self._gateway.stop()
            self._runtime.close()
            raise LocalCloudError(f"the web app cannot be served on port {self.web_app_port}: {error}") from None
        self._web_app.start()
        self.web_app_port = int(self._web_app.url.rsplit(":", 1)[1])
        self._server.bucket_cors = bucket_cors(self._web_app.url)
        shims.activate(shims.Hooks(self.endpoint_url, self._runtime, self._gateway, self.home / "code"))
        self.platform = create_account(self.endpoint_url, self.region, PLATFORM_ACCOUNT)
        self.platform_stack = None

    def _close(self) -> None:
        from imegha_local import shims

        shims.deactivate()
        if self._web_app is not None:
            self._web_app.stop()
            self._web_app = None
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None

    # What runs on it ----------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def gateway_url(self) -> str:
        return self._gateway.url

    @property
    def web_app_url(self) -> str:
        """Where the web app is served (web/dist/app, built by 'make web'), the origin the APIs let call them."""
        return self._web_app.url

    def served_api(self, url: str):
        """What the gateway serves at the API base URL ``url`` (an :class:`imegha_local.api_specs.ApiSpec`), or None."""
        return self._gateway.api_at(url)

    def client(self, service: str, account: Account | None = None, config: Config | None = None):
        """A client for the embedded AWS, as the platform (or ``account``)."""
        return (account or self.platform).client(service, self.endpoint_url, self.region, config)

    def resource(self, service: str, account: Account | None = None, config: Config | None = None):
        """A boto3 resource for the embedded AWS, as the platform (or ``account``)."""
        return (account or self.platform).resource(service, self.endpoint_url, self.region, config)

    def deploy_platform(
        self,
        template: Path = PLATFORM_TEMPLATE,
        parameters: dict[str, str] | None = None,
        stack_name: str = PLATFORM_STACK,
    ) -> DeployedStack:
        """Deploy the platform and, as its release does, publish the user cloud's template for it to deploy."""
        if template == PLATFORM_TEMPLATE:
            parameters = self._phone_applications() | {"WebAppOrigin": self.web_app_url} | (parameters or {})
        with self.faults.paused():
            self.platform_stack = deploy_stack(
                self.endpoint_url, self.platform, template, stack_name, parameters, region=self.region
            )
            if "UserCloudRegions" in self.platform_stack.outputs:
                publish_user_cloud(self.endpoint_url, self.platform, self.platform_stack.outputs)
        if "WebAppUrl" in self.platform_stack.outputs:
            self._web_app.configure(
                gateway_url=self.gateway_url,
                aws_endpoint_url=self.endpoint_url,
                region=self.region,
                outputs=self.platform_stack.outputs,
            )
        return self.platform_stack

    def _phone_applications(self) -> dict[str, str]:
        """The SNS platform applications an operator makes with Apple's and Google's credentials (no stack can),
        made here with stand-ins: the platform's template parameters that name them."""
        sns = self.client("sns")
        made = {
            platform: sns.create_platform_application(
                Name=f"imegha-{platform.lower()}", Platform=platform, Attributes={"PlatformCredential": "local-cloud"}
            )
            for platform in ("APNS", "GCM")
        }
        return {
            "ApnsPlatformApplicationArn": made["APNS"]["PlatformApplicationArn"],
            "FcmPlatformApplicationArn": made["GCM"]["PlatformApplicationArn"],
        }

    def deploy(
        self, template: Path, stack_name: str, parameters: dict[str, str] | None = None, account: Account | None = None
    ) -> DeployedStack:
        """Deploy any template, as the platform or as ``account``."""
        with self.faults.paused():
            deployer = account or self.platform
            return deploy_stack(self.endpoint_url, deployer, template, stack_name, parameters, region=self.region)

    def create_account(self) -> Account:
        return create_account(self.endpoint_url, self.region)

    def deploy_user_cloud(self, owner: str = "local-user") -> UserCloud:
        if self.platform_stack is None:
            raise LocalCloudError("deploy the platform first: a user's cloud trusts the platform's pool and bus")
        with self.faults.paused():
            return deploy_user_cloud(self.endpoint_url, self.platform, self.platform_stack.outputs, owner, self.region)

    def state(self) -> LocalState:
        outputs = self.platform_stack.outputs if self.platform_stack else {}
        return LocalState(
            pid=os.getpid(),
            region=self.region,
            aws_endpoint_url=self.endpoint_url,
            gateway_url=self.gateway_url,
            log_path=str(self.log_path),
            platform_account_id=self.platform.account_id,
            platform_credentials={
                "access_key_id": self.platform.access_key_id,
                "secret_access_key": self.platform.secret_access_key,
            },
            outputs=outputs,
            platform_api_url=outputs.get("PlatformApiUrl"),
            user_pool_id=outputs.get("UserPoolId"),
            user_pool_client_id=outputs.get("UserPoolClientId"),
            web_app_url=outputs.get("WebAppUrl"),
        )


def _bind_moto(host: str, port: int) -> MotoServer:
    try:
        server = MotoServer(host, port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise LocalCloudError(
                f"port {port} on {host} is already in use (another 'imegha local up'?): "
                "stop what holds it, or choose another with --port"
            ) from None
        raise
    server.start()
    return server
