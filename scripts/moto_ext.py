"""Run the moto AWS emulator with the APIs tether needs that moto lacks.

moto 5.2.5 implements none of these, and the EKS Hybrid Nodes reference stack uses them:

* EKS access entries: CreateAccessEntry, DescribeAccessEntry, UpdateAccessEntry,
  DeleteAccessEntry and ListAccessEntries; TagResource, UntagResource and ListTagsForResource
  also accept an access entry's ARN. Entries live on their cluster, so deleting the cluster
  deletes them.
* SSM hybrid activations: CreateActivation, DescribeActivations (filters and pagination) and
  DeleteActivation; AddTagsToResource, RemoveTagsFromResource and ListTagsForResource accept
  ResourceType "Activation".
* IAM Roles Anywhere (the whole service, as far as hybrid nodes need it): CreateTrustAnchor,
  GetTrustAnchor, UpdateTrustAnchor, DeleteTrustAnchor, EnableTrustAnchor, DisableTrustAnchor,
  ListTrustAnchors; the same for profiles (CreateProfile ... ListProfiles); TagResource,
  UntagResource and ListTagsForResource. Request and response shapes follow the Roles Anywhere
  API reference (REST-JSON, camelCase members, `trustAnchor`/`profile` wrappers, tags as
  key/value lists); a missing object is a 404 ResourceNotFoundException, bad input a 400
  ValidationException.

The operations are added to moto's own EKS and SSM backends and response classes at import
time; moto routes a request to a response method by the operation name it finds in botocore's
service model, so a method with the operation's snake_case name is enough, plus URL routes for
EKS's REST paths. Roles Anywhere, which moto lacks entirely, is registered as a service of its
own (backend, URL routes, host pattern). Then moto's server runs exactly as `moto_server` does,
with the same options:

    .venv/bin/python scripts/moto_ext.py -H 127.0.0.1 -p 5000
"""

import os
from datetime import datetime, timedelta, timezone
from typing import Any

# AWS managed policies (arn:aws:iam::aws:policy/...) exist in every account; moto creates them
# only when asked. The reference stack attaches several (AmazonEKSClusterPolicy, ...).
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from moto.core.responses import ActionResult, EmptyResult
from moto.eks import urls as eks_urls
from moto.eks.exceptions import InvalidParameterException, ResourceInUseException, ResourceNotFoundException
from moto.eks.models import EKSBackend, paginated_list
from moto.eks.responses import EKSResponse
from moto.moto_api._internal import mock_random as random
from moto.server import main
from moto.ssm.exceptions import InvalidResourceId, SSMException, ValidationException
from moto.ssm.models import SimpleSystemManagerBackend
from moto.ssm.responses import SimpleSystemManagerResponse

# ---------------------------------------------------------------------------------------------
# EKS access entries

ENTRY_TYPES = ("STANDARD", "EC2", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX", "HYPERPOD_LINUX")


def _eks_error(cls: type, message: str, cluster: str | None = None) -> Exception:
    return cls(clusterName=cluster, message=message)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _entries(backend: EKSBackend, cluster_name: str) -> dict[str, dict[str, Any]]:
    """The access entries of a cluster, by principal ARN; stored on the cluster itself."""
    cluster = backend.describe_cluster(cluster_name)  # ResourceNotFoundException if none
    return vars(cluster).setdefault("access_entries", {})


def _entry(backend: EKSBackend, cluster_name: str, principal_arn: str) -> dict[str, Any]:
    entry = _entries(backend, cluster_name).get(principal_arn)
    if entry is None:
        raise _eks_error(
            ResourceNotFoundException,
            "The specified principalArn could not be found. You can view your available access "
            "entries with 'list-access-entries'.",
            cluster_name,
        )
    return entry


def _default_username(entry_type: str, principal_arn: str) -> str:
    if entry_type in ("EC2", "EC2_LINUX", "EC2_WINDOWS"):
        return "system:node:{{EC2PrivateDNSName}}"
    if entry_type == "STANDARD":
        return principal_arn
    return "system:node:{{SessionName}}"


def create_access_entry(
    self: EKSBackend,
    cluster_name: str,
    principal_arn: str,
    kubernetes_groups: list[str] | None,
    tags: dict[str, str] | None,
    username: str | None,
    entry_type: str | None,
) -> dict[str, Any]:
    entries = _entries(self, cluster_name)
    entry_type = entry_type or "STANDARD"
    if entry_type not in ENTRY_TYPES:
        raise _eks_error(InvalidParameterException, f"The type {entry_type} is not valid.", cluster_name)
    if kubernetes_groups and entry_type != "STANDARD":
        raise _eks_error(
            InvalidParameterException,
            f"kubernetesGroups cannot be specified for an access entry of type {entry_type}.",
            cluster_name,
        )
    arn_parts = principal_arn.split(":", 5)
    if len(arn_parts) != 6 or arn_parts[2] != "iam" or "/" not in arn_parts[5]:
        raise _eks_error(InvalidParameterException, f"The principalArn {principal_arn} is not valid.", cluster_name)
    kind, name = arn_parts[5].split("/", 1)[0], arn_parts[5].rsplit("/", 1)[1]
    if entry_type != "STANDARD" and kind != "role":
        raise _eks_error(
            InvalidParameterException,
            f"The principalArn of an access entry of type {entry_type} must be an IAM role.",
            cluster_name,
        )
    if principal_arn in entries:
        raise _eks_error(
            ResourceInUseException,
            "The specified access entry resource is already in use on this cluster.",
            cluster_name,
        )
    now = _now()
    entries[principal_arn] = {
        "clusterName": cluster_name,
        "principalArn": principal_arn,
        "kubernetesGroups": list(kubernetes_groups or []),
        "accessEntryArn": f"arn:{self.partition}:eks:{self.region_name}:{self.account_id}:access-entry/"
        f"{cluster_name}/{kind}/{arn_parts[4]}/{name}/{random.uuid4()}",
        "createdAt": now,
        "modifiedAt": now,
        "tags": dict(tags or {}),
        "username": username or _default_username(entry_type, principal_arn),
        "type": entry_type,
    }
    return entries[principal_arn]


def update_access_entry(
    self: EKSBackend,
    cluster_name: str,
    principal_arn: str,
    kubernetes_groups: list[str] | None,
    username: str | None,
) -> dict[str, Any]:
    entry = _entry(self, cluster_name, principal_arn)
    if kubernetes_groups is not None:
        if kubernetes_groups and entry["type"] != "STANDARD":
            raise _eks_error(
                InvalidParameterException,
                f"kubernetesGroups cannot be specified for an access entry of type {entry['type']}.",
                cluster_name,
            )
        entry["kubernetesGroups"] = list(kubernetes_groups)
    if username is not None:
        entry["username"] = username
    entry["modifiedAt"] = _now()
    return entry


def _entry_by_arn(backend: EKSBackend, arn: str) -> dict[str, Any] | None:
    for cluster in backend.clusters.values():
        for entry in vars(cluster).get("access_entries", {}).values():
            if entry["accessEntryArn"] == arn:
                return entry
    return None


def _with_entry_tags(original: Any, apply: Any) -> Any:
    """Wraps a backend tagging method so that it also works on access entry ARNs."""

    def method(self: EKSBackend, resource_arn: str, *args: Any) -> Any:
        entry = _entry_by_arn(self, resource_arn)
        if entry is None:
            return original(self, resource_arn, *args)
        return apply(entry["tags"], *args)

    return method


def _untag(tags: dict[str, str], keys: list[str] | str) -> None:
    for key in [keys] if isinstance(keys, str) else keys:
        tags.pop(key, None)


class AccessEntryResponses:
    """Response methods, added to moto's EKSResponse."""

    def create_access_entry(self: EKSResponse) -> ActionResult:
        entry = self.eks_backend.create_access_entry(
            cluster_name=self._get_param("name"),
            principal_arn=self._get_param("principalArn"),
            kubernetes_groups=self._get_param("kubernetesGroups"),
            tags=self._get_param("tags"),
            username=self._get_param("username"),
            entry_type=self._get_param("type"),
        )
        return ActionResult({"accessEntry": entry})

    def describe_access_entry(self: EKSResponse) -> ActionResult:
        entry = _entry(self.eks_backend, self._get_param("name"), self._get_param("principalArn"))
        return ActionResult({"accessEntry": entry})

    def update_access_entry(self: EKSResponse) -> ActionResult:
        entry = self.eks_backend.update_access_entry(
            cluster_name=self._get_param("name"),
            principal_arn=self._get_param("principalArn"),
            kubernetes_groups=self._get_param("kubernetesGroups"),
            username=self._get_param("username"),
        )
        return ActionResult({"accessEntry": entry})

    def delete_access_entry(self: EKSResponse) -> ActionResult:
        cluster_name, principal_arn = self._get_param("name"), self._get_param("principalArn")
        _entry(self.eks_backend, cluster_name, principal_arn)
        del _entries(self.eks_backend, cluster_name)[principal_arn]
        return EmptyResult()

    def list_access_entries(self: EKSResponse) -> ActionResult:
        entries = _entries(self.eks_backend, self._get_param("name"))
        page, next_token = paginated_list(
            list(entries), self._get_int_param("maxResults", 100), self._get_param("nextToken")
        )
        return ActionResult({"accessEntries": page, "nextToken": next_token})


def _install_eks() -> None:
    EKSBackend.create_access_entry = create_access_entry
    EKSBackend.update_access_entry = update_access_entry
    EKSBackend.tag_resource = _with_entry_tags(EKSBackend.tag_resource, dict.update)
    EKSBackend.untag_resource = _with_entry_tags(EKSBackend.untag_resource, _untag)
    EKSBackend.list_tags_for_resource = _with_entry_tags(EKSBackend.list_tags_for_resource, lambda tags: tags)
    for name, method in vars(AccessEntryResponses).items():
        if not name.startswith("_"):
            setattr(EKSResponse, name, method)
    # The principal ARN is URL-encoded in the path but arrives decoded, slashes included.
    eks_urls.url_paths["{0}/clusters/(?P<name>[^/]+)/access-entries$"] = eks_urls.response.dispatch
    eks_urls.url_paths["{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)$"] = (
        eks_urls.response.dispatch
    )


# ---------------------------------------------------------------------------------------------
# SSM hybrid activations


class InvalidActivation(SSMException):
    def __init__(self, activation_id: str):
        super().__init__("InvalidActivation", f"Activation ID {activation_id} not found.")


class InvalidFilter(SSMException):
    def __init__(self, message: str):
        super().__init__("InvalidFilter", message)


class InvalidNextToken(SSMException):
    def __init__(self) -> None:
        super().__init__("InvalidNextToken", "The specified token isn't valid.")


FILTER_FIELDS = {"ActivationIds": "ActivationId", "DefaultInstanceName": "DefaultInstanceName", "IamRole": "IamRole"}


def _activations(backend: SimpleSystemManagerBackend) -> dict[str, dict[str, Any]]:
    """The activations of a backend, by ID, oldest first; reset with the backend."""
    return vars(backend).setdefault("activations", {})


def _describe(backend: SimpleSystemManagerBackend, activation: dict[str, Any]) -> dict[str, Any]:
    tags = backend._resource_tags["Activation"][activation["ActivationId"]]
    return {
        **{k: v for k, v in activation.items() if k != "ActivationCode"},
        "Expired": _now() >= activation["ExpirationDate"],
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }


class ActivationResponses:
    """Response methods, added to moto's SimpleSystemManagerResponse."""

    def create_activation(self: SimpleSystemManagerResponse) -> ActionResult:
        iam_role = self._get_param("IamRole")
        if not iam_role:
            raise ValidationException(
                "1 validation error detected: Value null at 'iamRole' failed to satisfy constraint: "
                "Member must not be null"
            )
        now = _now()
        expiration = self._get_param("ExpirationDate")
        activation_id, code = str(random.uuid4()), random.get_random_string(20)
        backend = self.ssm_backend
        _activations(backend)[activation_id] = {
            "ActivationId": activation_id,
            "ActivationCode": code,
            "Description": self._get_param("Description", ""),
            "DefaultInstanceName": self._get_param("DefaultInstanceName"),
            "IamRole": iam_role,
            "RegistrationLimit": self._get_int_param("RegistrationLimit", 1),
            "RegistrationsCount": 0,
            "ExpirationDate": (
                datetime.fromtimestamp(float(expiration), timezone.utc) if expiration else now + timedelta(hours=24)
            ),
            "CreatedDate": now,
        }
        tags = {t["Key"]: t["Value"] for t in self._get_param("Tags") or []}
        backend._resource_tags["Activation"][activation_id].update(tags)
        return ActionResult({"ActivationId": activation_id, "ActivationCode": code})

    def describe_activations(self: SimpleSystemManagerResponse) -> ActionResult:
        backend = self.ssm_backend
        found = list(_activations(backend).values())
        for f in self._get_param("Filters") or []:
            field = FILTER_FIELDS.get(f.get("FilterKey"))
            if field is None:
                raise InvalidFilter(f"The filter key {f.get('FilterKey')} is not valid.")
            found = [a for a in found if a[field] in f.get("FilterValues", [])]
        token = self._get_param("NextToken")
        if token is not None and not (token.isdigit() and int(token) <= len(found)):
            raise InvalidNextToken()
        start = int(token or 0)
        end = start + self._get_int_param("MaxResults", 50)
        return ActionResult(
            {
                "ActivationList": [_describe(backend, a) for a in found[start:end]],
                "NextToken": str(end) if end < len(found) else None,
            }
        )

    def delete_activation(self: SimpleSystemManagerResponse) -> ActionResult:
        activation_id = self._get_param("ActivationId")
        if _activations(self.ssm_backend).pop(activation_id, None) is None:
            raise InvalidActivation(activation_id)
        self.ssm_backend._resource_tags["Activation"].pop(activation_id, None)
        return EmptyResult()


def _install_ssm() -> None:
    validate = SimpleSystemManagerBackend._validate_resource_type_and_id

    def validate_with_activations(self: SimpleSystemManagerBackend, resource_type: str, resource_id: str) -> str:
        if resource_type == "Activation":
            if resource_id not in _activations(self):
                raise InvalidResourceId()
            return resource_id
        return validate(self, resource_type, resource_id)

    SimpleSystemManagerBackend._validate_resource_type_and_id = validate_with_activations
    for name, method in vars(ActivationResponses).items():
        if not name.startswith("_"):
            setattr(SimpleSystemManagerResponse, name, method)


# ---------------------------------------------------------------------------------------------
# IAM Roles Anywhere

import re
import sys
import types

from moto import backend_index
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import JsonRESTError
from moto.core.responses import BaseResponse

TRUST_ANCHOR_TYPES = ("AWS_ACM_PCA", "CERTIFICATE_BUNDLE", "SELF_SIGNED_REPOSITORY")
NAME_PATTERN = re.compile(r"^[ a-zA-Z0-9\-_]{1,255}$")


class RolesAnywhereNotFound(JsonRESTError):
    code = 404

    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message)


class RolesAnywhereValidation(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


class RolesAnywhereBackend(BaseBackend):
    """Trust anchors, profiles and their tags, per account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.trust_anchors: dict[str, dict[str, Any]] = {}
        self.profiles: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, dict[str, str]] = {}

    def arn(self, kind: str, object_id: str) -> str:
        return f"arn:{self.partition}:rolesanywhere:{self.region_name}:{self.account_id}:{kind}/{object_id}"

    def check_name(self, name: str | None) -> str:
        if not name or not NAME_PATTERN.match(name):
            raise RolesAnywhereValidation("1 validation error detected: Value at 'name' failed to satisfy constraint")
        return name

    def check_source(self, source: dict[str, Any] | None) -> dict[str, Any]:
        if not source or source.get("sourceType") not in TRUST_ANCHOR_TYPES:
            raise RolesAnywhereValidation("Invalid trust anchor source type")
        data = source.get("sourceData") or {}
        kind = source["sourceType"]
        if kind == "CERTIFICATE_BUNDLE" and not str(data.get("x509CertificateData", "")).strip().startswith(
            "-----BEGIN CERTIFICATE-----"
        ):
            raise RolesAnywhereValidation("Invalid certificate bundle")
        if kind == "AWS_ACM_PCA" and not str(data.get("acmPcaArn", "")).startswith("arn:"):
            raise RolesAnywhereValidation("Invalid ACM PCA ARN")
        return {"sourceType": kind, "sourceData": data}

    def set_tags(self, arn: str, tags: list[dict[str, str]] | None) -> None:
        self.tags.setdefault(arn, {}).update({t["key"]: t["value"] for t in tags or []})

    def find(self, table: dict[str, dict[str, Any]], object_id: str, what: str) -> dict[str, Any]:
        if object_id not in table:
            raise RolesAnywhereNotFound(f"{what} not found")
        return table[object_id]

    def by_arn(self, arn: str) -> dict[str, Any]:
        for obj in list(self.trust_anchors.values()) + list(self.profiles.values()):
            if arn in (obj.get("trustAnchorArn"), obj.get("profileArn")):
                return obj
        raise RolesAnywhereNotFound("Resource not found")


RolesAnywhereBackend.__module__ = "moto.rolesanywhere.models"


class RolesAnywhereResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="rolesanywhere")

    @property
    def backend(self) -> RolesAnywhereBackend:
        return rolesanywhere_backends[self.current_account][self.region]

    def _page(self, items: list[dict[str, Any]], key: str) -> ActionResult:
        size = self._get_int_param("pageSize", 50)
        token = self._get_param("nextToken")
        start = int(token) if token and token.isdigit() else 0
        page = items[start : start + size]
        result: dict[str, Any] = {key: page}
        if start + size < len(items):
            result["nextToken"] = str(start + size)
        return ActionResult(result)

    # Trust anchors

    def create_trust_anchor(self) -> ActionResult:
        b = self.backend
        anchor_id = str(random.uuid4())
        now = _now()
        anchor = {
            "trustAnchorId": anchor_id,
            "trustAnchorArn": b.arn("trust-anchor", anchor_id),
            "name": b.check_name(self._get_param("name")),
            "source": b.check_source(self._get_param("source")),
            "enabled": bool(self._get_param("enabled", False)),
            "createdAt": now,
            "updatedAt": now,
            "notificationSettings": [],
        }
        b.trust_anchors[anchor_id] = anchor
        b.set_tags(anchor["trustAnchorArn"], self._get_param("tags"))
        return ActionResult({"trustAnchor": anchor})

    def get_trust_anchor(self) -> ActionResult:
        anchor = self.backend.find(self.backend.trust_anchors, self._get_param("trustAnchorId"), "Trust anchor")
        return ActionResult({"trustAnchor": anchor})

    def update_trust_anchor(self) -> ActionResult:
        b = self.backend
        anchor = b.find(b.trust_anchors, self._get_param("trustAnchorId"), "Trust anchor")
        if self._get_param("name") is not None:
            anchor["name"] = b.check_name(self._get_param("name"))
        if self._get_param("source") is not None:
            anchor["source"] = b.check_source(self._get_param("source"))
        anchor["updatedAt"] = _now()
        return ActionResult({"trustAnchor": anchor})

    def _set_anchor_enabled(self, enabled: bool) -> ActionResult:
        anchor = self.backend.find(self.backend.trust_anchors, self._get_param("trustAnchorId"), "Trust anchor")
        anchor["enabled"] = enabled
        anchor["updatedAt"] = _now()
        return ActionResult({"trustAnchor": anchor})

    def enable_trust_anchor(self) -> ActionResult:
        return self._set_anchor_enabled(True)

    def disable_trust_anchor(self) -> ActionResult:
        return self._set_anchor_enabled(False)

    def delete_trust_anchor(self) -> ActionResult:
        b = self.backend
        anchor = b.find(b.trust_anchors, self._get_param("trustAnchorId"), "Trust anchor")
        del b.trust_anchors[anchor["trustAnchorId"]]
        b.tags.pop(anchor["trustAnchorArn"], None)
        return ActionResult({"trustAnchor": anchor})

    def list_trust_anchors(self) -> ActionResult:
        return self._page(list(self.backend.trust_anchors.values()), "trustAnchors")

    # Profiles

    def create_profile(self) -> ActionResult:
        b = self.backend
        roles = self._get_param("roleArns") or []
        if not roles or not all(str(r).startswith("arn:") and ":role/" in str(r) for r in roles):
            raise RolesAnywhereValidation("roleArns must list IAM role ARNs")
        duration = self._get_int_param("durationSeconds", 3600)
        if not 900 <= duration <= 43200:
            raise RolesAnywhereValidation("durationSeconds must be between 900 and 43200")
        profile_id = str(random.uuid4())
        now = _now()
        profile = {
            "profileId": profile_id,
            "profileArn": b.arn("profile", profile_id),
            "name": b.check_name(self._get_param("name")),
            "roleArns": list(roles),
            "managedPolicyArns": list(self._get_param("managedPolicyArns") or []),
            "sessionPolicy": self._get_param("sessionPolicy"),
            "durationSeconds": duration,
            "enabled": bool(self._get_param("enabled", False)),
            "requireInstanceProperties": bool(self._get_param("requireInstanceProperties", False)),
            "acceptRoleSessionName": bool(self._get_param("acceptRoleSessionName", False)),
            "createdBy": f"arn:{b.partition}:iam::{b.account_id}:root",
            "createdAt": now,
            "updatedAt": now,
            "attributeMappings": [],
        }
        b.profiles[profile_id] = profile
        b.set_tags(profile["profileArn"], self._get_param("tags"))
        return ActionResult({"profile": profile})

    def get_profile(self) -> ActionResult:
        return ActionResult({"profile": self.backend.find(self.backend.profiles, self._get_param("profileId"), "Profile")})

    def update_profile(self) -> ActionResult:
        b = self.backend
        profile = b.find(b.profiles, self._get_param("profileId"), "Profile")
        for key in ("roleArns", "managedPolicyArns", "sessionPolicy", "durationSeconds", "acceptRoleSessionName"):
            value = self._get_param(key)
            if value is not None:
                profile[key] = value
        if self._get_param("name") is not None:
            profile["name"] = b.check_name(self._get_param("name"))
        profile["updatedAt"] = _now()
        return ActionResult({"profile": profile})

    def _set_profile_enabled(self, enabled: bool) -> ActionResult:
        profile = self.backend.find(self.backend.profiles, self._get_param("profileId"), "Profile")
        profile["enabled"] = enabled
        profile["updatedAt"] = _now()
        return ActionResult({"profile": profile})

    def enable_profile(self) -> ActionResult:
        return self._set_profile_enabled(True)

    def disable_profile(self) -> ActionResult:
        return self._set_profile_enabled(False)

    def delete_profile(self) -> ActionResult:
        b = self.backend
        profile = b.find(b.profiles, self._get_param("profileId"), "Profile")
        del b.profiles[profile["profileId"]]
        b.tags.pop(profile["profileArn"], None)
        return ActionResult({"profile": profile})

    def list_profiles(self) -> ActionResult:
        return self._page(list(self.backend.profiles.values()), "profiles")

    # Tags

    def tag_resource(self) -> ActionResult:
        arn = self._get_param("resourceArn")
        self.backend.by_arn(arn)
        self.backend.set_tags(arn, self._get_param("tags"))
        return EmptyResult()

    def untag_resource(self) -> ActionResult:
        arn = self._get_param("resourceArn")
        self.backend.by_arn(arn)
        for key in self._get_param("tagKeys") or []:
            self.backend.tags.get(arn, {}).pop(key, None)
        return EmptyResult()

    def list_tags_for_resource(self) -> ActionResult:
        arn = self._get_param("resourceArn")
        self.backend.by_arn(arn)
        tags = self.backend.tags.get(arn, {})
        return ActionResult({"tags": [{"key": k, "value": v} for k, v in tags.items()]})


def _install_rolesanywhere() -> None:
    """Registers Roles Anywhere as a moto service: models, URL routes and the host pattern."""
    global rolesanywhere_backends
    rolesanywhere_backends = BackendDict(RolesAnywhereBackend, "rolesanywhere")
    response = RolesAnywhereResponse()
    urls = types.ModuleType("moto.rolesanywhere.urls")
    urls.url_bases = [r"https?://rolesanywhere\.(.+)\.amazonaws\.com"]
    urls.url_paths = {
        "{0}/trustanchors$": response.dispatch,
        "{0}/trustanchor/(?P<trustAnchorId>[^/]+)$": response.dispatch,
        "{0}/trustanchor/(?P<trustAnchorId>[^/]+)/enable$": response.dispatch,
        "{0}/trustanchor/(?P<trustAnchorId>[^/]+)/disable$": response.dispatch,
        "{0}/profiles$": response.dispatch,
        "{0}/profile/(?P<profileId>[^/]+)$": response.dispatch,
        "{0}/profile/(?P<profileId>[^/]+)/enable$": response.dispatch,
        "{0}/profile/(?P<profileId>[^/]+)/disable$": response.dispatch,
        "{0}/TagResource$": response.dispatch,
        "{0}/UntagResource$": response.dispatch,
        "{0}/ListTagsForResource$": response.dispatch,
    }
    package = types.ModuleType("moto.rolesanywhere")
    package.__path__ = []  # a package, so its submodules can be found
    package.rolesanywhere_backends = rolesanywhere_backends
    models = types.ModuleType("moto.rolesanywhere.models")
    models.rolesanywhere_backends = rolesanywhere_backends
    package.urls = urls
    package.models = models
    sys.modules.update({"moto.rolesanywhere": package, "moto.rolesanywhere.urls": urls, "moto.rolesanywhere.models": models})
    backend_index.backend_url_patterns.append(
        ("rolesanywhere", re.compile(r"https?://rolesanywhere\.(.+)\.amazonaws\.com"))
    )


rolesanywhere_backends: BackendDict = None  # type: ignore[assignment]

_install_eks()
_install_ssm()
_install_rolesanywhere()

if __name__ == "__main__":
    main()
