# The on-prem half of the cluster: 10 H100 servers joining as hybrid nodes through an SSM
# hybrid activation, allowed into the cluster by an access entry of type HYBRID_LINUX.

resource "aws_ssm_activation" "hybrid" {
  name               = "${var.cluster_name}-hybrid-nodes"
  description        = "EKS hybrid nodes of ${var.cluster_name}"
  iam_role           = var.hybrid_node_role_name
  registration_limit = var.hybrid_node_count

  tags = {
    Name = "${var.cluster_name}-hybrid-nodes"
  }
}

resource "aws_eks_access_entry" "hybrid_nodes" {
  cluster_name  = aws_eks_cluster.hybrid.name
  principal_arn = "arn:aws:iam::${var.account_id}:role/${var.hybrid_node_role_name}"
  type          = "HYBRID_LINUX"
}

resource "onprem_node_pool" "h100" {
  cluster_name          = aws_eks_cluster.hybrid.name
  region                = var.region
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

  ssm {
    activation_id   = aws_ssm_activation.hybrid.id
    activation_code = aws_ssm_activation.hybrid.activation_code
  }

  containerd {
    nvidia_runtime = true
    registry_mirror {
      host     = "docker.io"
      endpoint = var.registry_mirror
      ca_file  = "/etc/containerd/certs.d/harbor-ca.crt"
    }
  }

  # Nodes join only once the cluster lets them in.
  depends_on = [aws_eks_access_entry.hybrid_nodes]
}
