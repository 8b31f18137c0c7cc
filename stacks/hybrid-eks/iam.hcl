# The IAM roles the cluster, its managed node groups and the hybrid nodes assume, with the AWS
# managed policies each needs.

locals {
  # The account, read from a role this stack creates (IAM ARNs carry it).
  account_id = split(":", aws_iam_role.cluster.arn)[4]

  # Who may assume the hybrid nodes' role: SSM for hybrid activations; IAM Roles Anywhere for
  # nodes with certificates from the on-prem PKI (the session is named after the certificate's
  # CN, which is the node's name).
  hybrid_trust_ssm = {
    Effect    = "Allow"
    Principal = { Service = "ssm.amazonaws.com" }
    Action    = "sts:AssumeRole"
    Condition = {
      StringEquals = { "aws:SourceAccount" = local.account_id }
      ArnEquals    = { "aws:SourceArn" = "arn:aws:ssm:${var.region}:${local.account_id}:*" }
    }
  }
  hybrid_trust_iam_ra = [
    {
      Effect    = "Allow"
      Principal = { Service = "rolesanywhere.amazonaws.com" }
      Action    = ["sts:TagSession", "sts:SetSourceIdentity"]
      Condition = {
        ArnEquals = { "aws:SourceArn" = local.trust_anchor_arn }
      }
    },
    {
      Effect    = "Allow"
      Principal = { Service = "rolesanywhere.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "sts:RoleSessionName" = "$${aws:PrincipalTag/x509Subject/CN}" }
        ArnEquals    = { "aws:SourceArn" = local.trust_anchor_arn }
      }
    },
  ]
}

resource "aws_iam_role" "cluster" {
  name = "${var.cluster_name}-cluster"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })

  tags = {
    Name = "${var.cluster_name}-cluster"
  }
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_iam_role" "node" {
  name = "${var.cluster_name}-node"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = {
    Name = "${var.cluster_name}-node"
  }
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
  ])
  role       = aws_iam_role.node.name
  policy_arn = each.value
}

resource "aws_iam_role" "hybrid_nodes" {
  name = "${var.cluster_name}-hybrid-nodes"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = var.hybrid_credentials == "ssm" ? [local.hybrid_trust_ssm] : local.hybrid_trust_iam_ra
  })

  tags = {
    Name = "${var.cluster_name}-hybrid-nodes"
  }
}

# nodeadm reads the cluster's endpoint and CA with eks:DescribeCluster; `nodeadm uninstall`
# deregisters an SSM managed instance.
resource "aws_iam_policy" "hybrid_nodes" {
  name        = "${var.cluster_name}-hybrid-nodes"
  description = "EKS hybrid nodes of ${var.cluster_name}: describe the cluster, deregister from SSM"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "eks:DescribeCluster"
        Resource = aws_eks_cluster.hybrid.arn
      },
      {
        Effect   = "Allow"
        Action   = ["ssm:DeregisterManagedInstance", "ssm:DescribeInstanceInformation"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "hybrid_nodes" {
  for_each = merge(
    {
      describe_cluster = aws_iam_policy.hybrid_nodes.arn
      ecr_pull         = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"
    },
    var.hybrid_credentials == "ssm" ? { ssm = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" } : {},
  )
  role       = aws_iam_role.hybrid_nodes.name
  policy_arn = each.value
}
