"""The web app's hosting, as the templates declare it: a private bucket only CloudFront reads, a strict
Content-Security-Policy and the other security headers on every answer, and CORS that lets the app's origin alone
(never '*') call the platform's API, users' clouds' APIs and their buckets."""

from __future__ import annotations

from imegha_local.templates import load_template
from tests.conftest import ROOT

PLATFORM = load_template(ROOT / "template.yaml")
RESOURCES = PLATFORM["Resources"]
API = load_template(ROOT / "user-cloud" / "api.yaml")["Resources"]
STORAGE = load_template(ROOT / "user-cloud" / "storage.yaml")["Resources"]


def csp(regions: str = PLATFORM["Parameters"]["UserCloudRegions"]["Default"]) -> dict[str, list[str]]:
    """The policy's directives, its users' clouds' hosts resolved for ``regions`` (the other variables left as
    ``${…}``)."""
    config = RESOURCES["WebAppHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    policy, variables = config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    for name, value in variables.items():
        policy = policy.replace(f"${{{name}}}", _resolved(value, {"UserCloudRegions": regions}))
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in directives}


def _resolved(value, parameters: dict[str, str]):
    """Enough of Fn::Join, Fn::Split and Ref to read the policy's variables."""
    if isinstance(value, dict):
        ((function, argument),) = value.items()
        if function == "Ref":
            return parameters[argument]
        if function == "Fn::Split":
            return _resolved(argument[1], parameters).split(argument[0])
        if function == "Fn::Join":
            parts = _resolved(argument[1], parameters)
            return argument[0].join(_resolved(part, parameters) for part in parts)
        raise NotImplementedError(function)
    if isinstance(value, list):
        return [item for part in value for item in _listed(_resolved(part, parameters))]
    return value


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def test_the_build_sits_in_a_private_bucket_that_this_distribution_alone_reads():
    bucket = RESOURCES["WebAppBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    (allow,) = [
        statement
        for statement in RESOURCES["WebAppBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
    ]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert "${WebAppDistribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    origin = RESOURCES["WebAppDistribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebAppOriginAccessControl", "Id"]}
    behaviour = RESOURCES["WebAppDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "WebAppHeadersPolicy"}


def test_the_content_security_policy_allows_the_apps_own_script_alone_and_no_framing():
    policy = csp()
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    everything = " ".join(value for values in policy.values() for value in values)
    assert "unsafe-inline" not in everything and "unsafe-eval" not in everything
    hosts = [host for host in policy["connect-src"] if host != "'self'"]
    assert hosts and all(host.startswith("https://") for host in hosts)
    assert all(host.endswith((".${AWS::URLSuffix}", ".amazonaws.com")) for host in hosts)


def test_the_app_may_reach_users_clouds_and_buckets_in_every_region_they_may_choose_and_no_other():
    hosts = csp("us-east-1,eu-central-1")["connect-src"]

    for region in ("us-east-1", "eu-central-1"):
        assert f"https://*.execute-api.{region}.amazonaws.com" in hosts
        assert f"https://*.s3.{region}.amazonaws.com" in hosts
    assert not [host for host in hosts if "ap-south-1" in host]


def test_every_answer_carries_hsts_nosniff_deny_and_no_referrer():
    security = RESOURCES["WebAppHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["ContentTypeOptions"]["Override"] is True
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"


def test_the_platform_api_lets_the_apps_origin_alone_read_its_answers():
    api = RESOURCES["PlatformApi"]["Properties"]
    allowed = api["Cors"]["AllowOrigin"]["Fn::Sub"]
    assert allowed[0] == "'${Origin}'" and "*" not in str(allowed)
    assert "x-imegha-signature" in api["Cors"]["AllowHeaders"]
    assert api["Auth"]["AddDefaultAuthorizerToCorsPreflight"] is False
    for refusal in ("DEFAULT_4XX", "DEFAULT_5XX"):
        headers = api["GatewayResponses"][refusal]["ResponseParameters"]["Headers"]
        assert headers["Access-Control-Allow-Origin"]["Fn::Sub"] == allowed
    origin = PLATFORM["Globals"]["Function"]["Environment"]["Variables"]["WEB_APP_ORIGIN"]
    assert origin == {
        "Fn::If": ["ServesWebApp", {"Fn::Sub": "https://${WebAppDistribution.DomainName}"}, {"Ref": "WebAppOrigin"}]
    }


def test_a_users_cloud_api_and_bucket_let_the_apps_origin_alone_in_with_the_headers_it_needs():
    cors = API["CloudApi"]["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == [{"Ref": "WebAppOrigin"}]
    assert "x-imegha-history-grant" in cors["AllowHeaders"]
    (rule,) = STORAGE["FilesBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == [{"Ref": "WebAppOrigin"}]
    assert rule["ExposedHeaders"] == ["ETag"]
