variable "cluster_name" {
  type    = string
  default = "my-hybrid-cluster"
}

variable "kubernetes_version" {
  type    = string
  default = "1.33"
}

variable "service_cidr" {
  type        = string
  default     = "10.96.0.0/16"
  description = "Kubernetes service CIDR; set at cluster creation only."
}

variable "account_id" {
  type        = string
  default     = "123456789012"
  description = "The AWS account the IAM roles below live in."
}

variable "cluster_role_name" {
  type    = string
  default = "AmazonEKSClusterRole"
}

variable "node_role_name" {
  type    = string
  default = "AmazonEKSNodeRole"
}

variable "hybrid_node_role_name" {
  type        = string
  default     = "AmazonEKSHybridNodesRole"
  description = "The role hybrid nodes assume through their SSM activation."
}

variable "onprem_dns_servers" {
  type        = list(string)
  default     = ["192.168.1.53", "192.168.1.54"]
  description = "On-prem DNS servers that answer for company.local."
}

variable "hybrid_node_count" {
  type    = number
  default = 10
}

variable "hybrid_vcpus_per_node" {
  type    = number
  default = 224
}

variable "registry_mirror" {
  type        = string
  default     = "https://harbor.corp.local"
  description = "The private registry (Harbor) hybrid nodes pull docker.io images through."
}
