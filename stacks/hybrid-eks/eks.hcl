# The EKS cluster with the on-prem networks registered as remote networks, and the two
# managed node groups in the VPC.

resource "aws_eks_cluster" "hybrid" {
  name     = var.cluster_name
  role_arn = aws_iam_role.cluster.arn
  version  = var.kubernetes_version

  vpc_config {
    subnet_ids              = [for s in aws_subnet.private : s.id]
    security_group_ids      = [aws_security_group.hybrid_nodes.id]
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  kubernetes_network_config {
    service_ipv4_cidr = var.service_cidr
    ip_family         = "ipv4"
  }

  # Changed in place (UpdateClusterConfig), never by replacing the cluster.
  remote_network_config {
    remote_node_networks {
      cidrs = [var.onprem_node_cidr]
    }
    remote_pod_networks {
      cidrs = [var.pod_cidr]
    }
  }

  # Hybrid nodes authenticate through access entries.
  access_config {
    authentication_mode = "API_AND_CONFIG_MAP"
  }

  tags = {
    Name = var.cluster_name
  }

  # EKS needs the role's permissions while it creates the cluster.
  depends_on = [aws_iam_role_policy_attachment.cluster]
}

resource "aws_eks_node_group" "cpu" {
  cluster_name    = aws_eks_cluster.hybrid.name
  node_group_name = "cpu-nodes"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = [for s in aws_subnet.private : s.id]
  instance_types  = ["m5.xlarge"]

  scaling_config {
    desired_size = 3
    min_size     = 1
    max_size     = 10
  }

  labels = {
    node-type = "cpu"
    workload  = "general"
  }

  # The cluster autoscaler owns the current size: its changes are neither drift nor undone.
  lifecycle {
    ignore_changes = [scaling_config.desired_size]
  }

  tags = {
    Name = "cpu-nodes"
  }

  depends_on = [aws_iam_role_policy_attachment.node]
}

resource "aws_eks_node_group" "gpu" {
  cluster_name    = aws_eks_cluster.hybrid.name
  node_group_name = "gpu-nodes"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = [for s in aws_subnet.private : s.id]
  instance_types  = ["g5.xlarge"]

  scaling_config {
    desired_size = 2
    min_size     = 1
    max_size     = 5
  }

  labels = {
    node-type = "gpu"
    workload  = "ml"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }

  lifecycle {
    ignore_changes = [scaling_config.desired_size]
  }

  tags = {
    Name = "gpu-nodes"
  }

  depends_on = [aws_iam_role_policy_attachment.node]
}
