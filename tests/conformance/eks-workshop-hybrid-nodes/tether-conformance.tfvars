# Values for the variables of this configuration that have no default, so that it can be
# planned as published. Written for the conformance corpus; not part of the published files.

eks_cluster_id            = "eks-workshop"
eks_cluster_version       = "1.33"
cluster_security_group_id = "sg-0123456789abcdef0"
addon_context             = {
  eks_cluster_id           = "eks-workshop"
  aws_eks_cluster_endpoint = "https://0123456789ABCDEF0123456789ABCDEF.gr7.ap-northeast-2.eks.amazonaws.com"
  eks_oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
}
tags                      = {
  created-by = "eks-workshop-v2"
  env        = "eks-workshop"
}
resources_precreated      = false
inbound_cidrs             = "0.0.0.0/0"
