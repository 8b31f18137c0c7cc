# The on-prem half of the cluster: 10 H100 servers joining as hybrid nodes, allowed into the
# cluster by an access entry of type HYBRID_LINUX for the hybrid nodes' role. They get their
# AWS credentials from an SSM hybrid activation (hybrid_credentials = "ssm", the default) or
# from IAM Roles Anywhere with certificates issued by the on-prem CA ("iam-ra").

resource "aws_ssm_activation" "hybrid" {
  count              = var.hybrid_credentials == "ssm" ? 1 : 0
  name               = "${var.cluster_name}-hybrid-nodes"
  description        = "EKS hybrid nodes of ${var.cluster_name}"
  iam_role           = aws_iam_role.hybrid_nodes.name
  registration_limit = var.hybrid_node_count

  tags = {
    Name = "${var.cluster_name}-hybrid-nodes"
  }

  depends_on = [aws_iam_role_policy_attachment.hybrid_nodes]
}

resource "aws_rolesanywhere_trust_anchor" "onprem" {
  count   = var.hybrid_credentials == "iam-ra" ? 1 : 0
  name    = "${var.cluster_name}-onprem-ca"
  enabled = true

  source {
    source_type = "CERTIFICATE_BUNDLE"
    source_data {
      x509_certificate_data = var.onprem_ca_certificate
    }
  }
}

resource "aws_rolesanywhere_profile" "hybrid_nodes" {
  count     = var.hybrid_credentials == "iam-ra" ? 1 : 0
  name      = "${var.cluster_name}-hybrid-nodes"
  enabled   = true
  role_arns = [aws_iam_role.hybrid_nodes.arn]
}

locals {
  trust_anchor_arn = try(aws_rolesanywhere_trust_anchor.onprem[0].arn, null)
  ssm_credentials = var.hybrid_credentials == "ssm" ? {
    activation_id   = aws_ssm_activation.hybrid[0].id
    activation_code = aws_ssm_activation.hybrid[0].activation_code
  } : null
}

resource "aws_eks_access_entry" "hybrid_nodes" {
  cluster_name  = aws_eks_cluster.hybrid.name
  principal_arn = aws_iam_role.hybrid_nodes.arn
  type          = "HYBRID_LINUX"
}

resource "onprem_node_pool" "h100" {
  cluster_name          = aws_eks_cluster.hybrid.name
  region                = var.region
  kubernetes_version    = var.nodeadm_version
  node_count            = var.hybrid_node_count
  vcpus_per_node        = var.hybrid_vcpus_per_node
  output_dir            = "${path.module}/rendered"
  max_pods              = 110
  shutdown_grace_period = "30s"

  labels = {
    node-type = "hybrid"
    gpu       = "h100"
    gpu-count = "8"
  }
  taints = ["nvidia.com/gpu=present:NoSchedule"]

  dynamic "ssm" {
    for_each = var.hybrid_credentials == "ssm" ? [local.ssm_credentials] : []
    content {
      activation_id   = ssm.value.activation_id
      activation_code = ssm.value.activation_code
    }
  }

  # Each server's copy of the file carries its own node name: the CN of its certificate.
  dynamic "iam_roles_anywhere" {
    for_each = var.hybrid_credentials == "iam-ra" ? [1] : []
    content {
      node_name        = "${var.cluster_name}-hybrid-node"
      trust_anchor_arn = aws_rolesanywhere_trust_anchor.onprem[0].arn
      profile_arn      = aws_rolesanywhere_profile.hybrid_nodes[0].arn
      role_arn         = aws_iam_role.hybrid_nodes.arn
    }
  }

  containerd {
    nvidia_runtime = true
    registry_mirror {
      host     = "docker.io"
      endpoint = var.registry_mirror
      # Paths on the node, installed by the site's provisioning: never the material itself.
      ca_file          = "/etc/containerd/certs.d/harbor.company.local/ca.crt"
      credentials_file = "/etc/eks/registry/harbor-pull.json"
    }
  }

  # Nodes join only once the cluster lets them in.
  depends_on = [aws_eks_access_entry.hybrid_nodes]
}
