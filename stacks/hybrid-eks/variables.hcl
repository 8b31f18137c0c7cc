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

variable "hybrid_credentials" {
  type        = string
  default     = "ssm"
  description = "How hybrid nodes get AWS credentials: \"ssm\" (hybrid activations) or \"iam-ra\" (IAM Roles Anywhere, with certificates from the on-prem PKI)."

  validation {
    condition     = contains(["ssm", "iam-ra"], var.hybrid_credentials)
    error_message = "hybrid_credentials must be \"ssm\" or \"iam-ra\"."
  }
}

variable "onprem_ca_certificate" {
  type        = string
  default     = null
  description = "PEM of the on-prem CA that issues the hybrid nodes' certificates (with hybrid_credentials = \"iam-ra\")."
}

variable "nodeadm_version" {
  type        = string
  default     = "1.33"
  description = "The Kubernetes version `nodeadm install` installs on the hybrid nodes (the cluster's)."
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
  default     = "https://harbor.company.local"
  description = "The private registry (Harbor) hybrid nodes pull docker.io images through; its name resolves through the forwarded company.local zone."
}
