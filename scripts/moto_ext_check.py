"""Checks the APIs scripts/moto_ext.py adds to moto, with boto3, against a running server.

Usage: .venv/bin/python scripts/moto_ext_check.py http://127.0.0.1:PORT
Prints each check; exits non-zero at the first failure.
"""

import sys
from datetime import datetime, timedelta, timezone

import boto3
from botocore.exceptions import ClientError

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/hybrid-nodes"


def check(what: str, ok: bool, detail: object = "") -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if not ok and detail != "" else ""))
    if not ok:
        sys.exit(1)


def error_code(call, *args, **kwargs) -> str | None:
    try:
        call(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def check_access_entries(eks) -> None:
    eks.create_cluster(
        name="hybrid",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks-cluster",
        resourcesVpcConfig={"subnetIds": ["subnet-1", "subnet-2"]},
    )
    created = eks.create_access_entry(clusterName="hybrid", principalArn=ROLE, type="HYBRID_LINUX", tags={"a": "1"})
    entry = created["accessEntry"]
    arn = entry["accessEntryArn"]
    check(
        "create HYBRID_LINUX access entry",
        entry["type"] == "HYBRID_LINUX"
        and entry["username"] == "system:node:{{SessionName}}"
        and entry["kubernetesGroups"] == []
        and arn.startswith(f"arn:aws:eks:{REGION}:{ACCOUNT}:access-entry/hybrid/role/{ACCOUNT}/hybrid-nodes/")
        and isinstance(entry["createdAt"], datetime),
        entry,
    )
    described = eks.describe_access_entry(clusterName="hybrid", principalArn=ROLE)["accessEntry"]
    check("describe it", described["accessEntryArn"] == arn and described["tags"] == {"a": "1"}, described)
    listed = eks.list_access_entries(clusterName="hybrid")["accessEntries"]
    check("list entries", listed == [ROLE], listed)
    updated = eks.update_access_entry(clusterName="hybrid", principalArn=ROLE, username="system:node:custom")
    check("update username", updated["accessEntry"]["username"] == "system:node:custom", updated)

    eks.tag_resource(resourceArn=arn, tags={"b": "2"})
    tags = eks.list_tags_for_resource(resourceArn=arn)["tags"]
    check("tag the entry by ARN", tags == {"a": "1", "b": "2"}, tags)
    eks.untag_resource(resourceArn=arn, tagKeys=["a"])
    tags = eks.list_tags_for_resource(resourceArn=arn)["tags"]
    check("untag the entry by ARN", tags == {"b": "2"}, tags)
    cluster_arn = eks.describe_cluster(name="hybrid")["cluster"]["arn"]
    eks.tag_resource(resourceArn=cluster_arn, tags={"c": "3"})
    check("cluster tagging still works", eks.list_tags_for_resource(resourceArn=cluster_arn)["tags"] == {"c": "3"})

    code = error_code(eks.create_access_entry, clusterName="hybrid", principalArn=ROLE, type="HYBRID_LINUX")
    check("duplicate principal -> ResourceInUseException", code == "ResourceInUseException", code)
    other = f"arn:aws:iam::{ACCOUNT}:role/other"
    code = error_code(
        eks.create_access_entry, clusterName="hybrid", principalArn=other, type="HYBRID_LINUX", kubernetesGroups=["g"]
    )
    check("kubernetesGroups with HYBRID_LINUX -> InvalidParameterException", code == "InvalidParameterException", code)
    code = error_code(eks.create_access_entry, clusterName="nope", principalArn=other)
    check("unknown cluster -> ResourceNotFoundException", code == "ResourceNotFoundException", code)
    standard = eks.create_access_entry(clusterName="hybrid", principalArn=other, kubernetesGroups=["g"])["accessEntry"]
    check(
        "STANDARD entry defaults",
        standard["type"] == "STANDARD" and standard["username"] == other and standard["kubernetesGroups"] == ["g"],
        standard,
    )
    page = eks.list_access_entries(clusterName="hybrid", maxResults=1)
    rest = eks.list_access_entries(clusterName="hybrid", maxResults=1, nextToken=page["nextToken"])
    check("list pagination", page["accessEntries"] + rest["accessEntries"] == sorted([ROLE, other]), (page, rest))

    eks.delete_access_entry(clusterName="hybrid", principalArn=ROLE)
    code = error_code(eks.describe_access_entry, clusterName="hybrid", principalArn=ROLE)
    check("describe deleted -> ResourceNotFoundException", code == "ResourceNotFoundException", code)
    code = error_code(eks.delete_access_entry, clusterName="hybrid", principalArn=ROLE)
    check("delete deleted -> ResourceNotFoundException", code == "ResourceNotFoundException", code)

    eks.delete_cluster(name="hybrid")
    eks.create_cluster(
        name="hybrid",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks-cluster",
        resourcesVpcConfig={"subnetIds": ["subnet-1"]},
    )
    listed = eks.list_access_entries(clusterName="hybrid")["accessEntries"]
    check("deleting the cluster deletes its entries", listed == [], listed)


def check_activations(ssm) -> None:
    expires = datetime.now(timezone.utc) + timedelta(days=7)
    created = ssm.create_activation(
        IamRole="hybrid-ssm",
        Description="hybrid nodes",
        DefaultInstanceName="node",
        RegistrationLimit=3,
        ExpirationDate=expires,
        Tags=[{"Key": "a", "Value": "1"}],
    )
    activation_id, code = created["ActivationId"], created["ActivationCode"]
    check("create activation", len(activation_id) == 36 and len(code) == 20, created)
    second = ssm.create_activation(IamRole="other-role")["ActivationId"]

    found = ssm.describe_activations(Filters=[{"FilterKey": "ActivationIds", "FilterValues": [activation_id]}])
    items = found["ActivationList"]
    a = items[0] if items else {}
    check(
        "describe by ActivationIds",
        len(items) == 1
        and a["ActivationId"] == activation_id
        and a["IamRole"] == "hybrid-ssm"
        and a["Description"] == "hybrid nodes"
        and a["DefaultInstanceName"] == "node"
        and a["RegistrationLimit"] == 3
        and a["RegistrationsCount"] == 0
        and a["Expired"] is False
        and abs((a["ExpirationDate"] - expires).total_seconds()) < 2
        and isinstance(a["CreatedDate"], datetime)
        and a["Tags"] == [{"Key": "a", "Value": "1"}]
        and "ActivationCode" not in a,
        found,
    )
    by_role = ssm.describe_activations(Filters=[{"FilterKey": "IamRole", "FilterValues": ["other-role"]}])
    ids = [x["ActivationId"] for x in by_role["ActivationList"]]
    check("describe by IamRole", ids == [second], ids)
    defaults = by_role["ActivationList"][0]
    check("RegistrationLimit defaults to 1", defaults["RegistrationLimit"] == 1, defaults)
    page = ssm.describe_activations(MaxResults=1)
    rest = ssm.describe_activations(MaxResults=1, NextToken=page["NextToken"])
    ids = [x["ActivationId"] for x in page["ActivationList"] + rest["ActivationList"]]
    check("describe pagination", ids == [activation_id, second] and "NextToken" not in rest, (page, rest))

    ssm.add_tags_to_resource(ResourceType="Activation", ResourceId=activation_id, Tags=[{"Key": "b", "Value": "2"}])
    tags = ssm.list_tags_for_resource(ResourceType="Activation", ResourceId=activation_id)["TagList"]
    check("tag the activation", sorted(t["Key"] for t in tags) == ["a", "b"], tags)
    ssm.remove_tags_from_resource(ResourceType="Activation", ResourceId=activation_id, TagKeys=["a"])
    tags = ssm.list_tags_for_resource(ResourceType="Activation", ResourceId=activation_id)["TagList"]
    check("untag the activation", tags == [{"Key": "b", "Value": "2"}], tags)

    ssm.delete_activation(ActivationId=activation_id)
    left = [x["ActivationId"] for x in ssm.describe_activations()["ActivationList"]]
    check("delete activation", left == [second], left)
    code = error_code(ssm.delete_activation, ActivationId=activation_id)
    check("delete unknown -> InvalidActivation", code == "InvalidActivation", code)


CA_PEM = """-----BEGIN CERTIFICATE-----
MIIBkTCB+wIJAMlyFqk69v+9MA0GCSqGSIb3DQEBCwUAMBExDzANBgNVBAMMBm9u
cHJlbTAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEwMDAwMDBaMBExDzANBgNVBAMM
Bm9ucHJlbTBcMA0GCSqGSIb3DQEBAQUAA0sAMEgCQQC7
-----END CERTIFICATE-----"""


def check_roles_anywhere(ra) -> None:
    created = ra.create_trust_anchor(
        name="onprem-ca",
        source={"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": CA_PEM}},
        enabled=True,
        tags=[{"key": "a", "value": "1"}],
    )["trustAnchor"]
    anchor_id, anchor_arn = created["trustAnchorId"], created["trustAnchorArn"]
    check(
        "create trust anchor",
        anchor_arn == f"arn:aws:rolesanywhere:{REGION}:{ACCOUNT}:trust-anchor/{anchor_id}"
        and created["enabled"] is True
        and created["source"]["sourceType"] == "CERTIFICATE_BUNDLE"
        and created["source"]["sourceData"]["x509CertificateData"] == CA_PEM
        and isinstance(created["createdAt"], datetime),
        created,
    )
    got = ra.get_trust_anchor(trustAnchorId=anchor_id)["trustAnchor"]
    check("get trust anchor", got["name"] == "onprem-ca", got)
    updated = ra.update_trust_anchor(trustAnchorId=anchor_id, name="onprem-ca-2")["trustAnchor"]
    check("update trust anchor name", updated["name"] == "onprem-ca-2", updated)
    disabled = ra.disable_trust_anchor(trustAnchorId=anchor_id)["trustAnchor"]
    check("disable trust anchor", disabled["enabled"] is False, disabled)
    enabled = ra.enable_trust_anchor(trustAnchorId=anchor_id)["trustAnchor"]
    check("enable trust anchor", enabled["enabled"] is True, enabled)
    listed = [t["trustAnchorId"] for t in ra.list_trust_anchors()["trustAnchors"]]
    check("list trust anchors", listed == [anchor_id], listed)
    code = error_code(
        ra.create_trust_anchor, name="bad", source={"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": "x"}}
    )
    check("a source that is not a certificate -> ValidationException", code == "ValidationException", code)

    role = f"arn:aws:iam::{ACCOUNT}:role/hybrid-nodes"
    profile = ra.create_profile(name="hybrid-nodes", roleArns=[role], enabled=True, durationSeconds=3600)["profile"]
    profile_id = profile["profileId"]
    check(
        "create profile",
        profile["roleArns"] == [role]
        and profile["enabled"] is True
        and profile["durationSeconds"] == 3600
        and profile["profileArn"].endswith(f":profile/{profile_id}"),
        profile,
    )
    updated = ra.update_profile(profileId=profile_id, durationSeconds=7200)["profile"]
    check("update profile", updated["durationSeconds"] == 7200 and updated["roleArns"] == [role], updated)
    check("disable profile", ra.disable_profile(profileId=profile_id)["profile"]["enabled"] is False)
    listed = [p["profileId"] for p in ra.list_profiles()["profiles"]]
    check("list profiles", listed == [profile_id], listed)
    code = error_code(ra.create_profile, name="bad", roleArns=["not-an-arn"])
    check("a role that is not an ARN -> ValidationException", code == "ValidationException", code)

    ra.tag_resource(resourceArn=anchor_arn, tags=[{"key": "b", "value": "2"}])
    tags = ra.list_tags_for_resource(resourceArn=anchor_arn)["tags"]
    check("tag the trust anchor", sorted(t["key"] for t in tags) == ["a", "b"], tags)
    ra.untag_resource(resourceArn=anchor_arn, tagKeys=["a"])
    tags = ra.list_tags_for_resource(resourceArn=anchor_arn)["tags"]
    check("untag the trust anchor", tags == [{"key": "b", "value": "2"}], tags)

    ra.delete_profile(profileId=profile_id)
    code = error_code(ra.get_profile, profileId=profile_id)
    check("get deleted profile -> ResourceNotFoundException", code == "ResourceNotFoundException", code)
    ra.delete_trust_anchor(trustAnchorId=anchor_id)
    code = error_code(ra.get_trust_anchor, trustAnchorId=anchor_id)
    check("get deleted trust anchor -> ResourceNotFoundException", code == "ResourceNotFoundException", code)
    check("nothing left", ra.list_trust_anchors()["trustAnchors"] == [] and ra.list_profiles()["profiles"] == [])


def main() -> None:
    endpoint = sys.argv[1]
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    check_access_entries(session.client("eks", endpoint_url=endpoint))
    check_activations(session.client("ssm", endpoint_url=endpoint))
    check_roles_anywhere(session.client("rolesanywhere", endpoint_url=endpoint))
    print("all checks passed")


if __name__ == "__main__":
    main()
