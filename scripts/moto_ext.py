"""Run the moto AWS emulator with the APIs tether needs that moto lacks.

moto 5.2.5 implements neither of these, and the EKS Hybrid Nodes reference stack uses both:

* EKS access entries: CreateAccessEntry, DescribeAccessEntry, UpdateAccessEntry,
  DeleteAccessEntry and ListAccessEntries; TagResource, UntagResource and ListTagsForResource
  also accept an access entry's ARN. Entries live on their cluster, so deleting the cluster
  deletes them.
* SSM hybrid activations: CreateActivation, DescribeActivations (filters and pagination) and
  DeleteActivation; AddTagsToResource, RemoveTagsFromResource and ListTagsForResource accept
  ResourceType "Activation".

The operations are added to moto's own EKS and SSM backends and response classes at import
time; moto routes a request to a response method by the operation name it finds in botocore's
service model, so a method with the operation's snake_case name is enough, plus URL routes for
EKS's REST paths. Then moto's server runs exactly as `moto_server` does, with the same options:

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


_install_eks()
_install_ssm()

if __name__ == "__main__":
    main()
