variable "stack_name" {
  type        = string
  default     = "hybrid-network"
  description = "Tagged on every object (default_tags); a stack that includes this one sets its own."
}

variable "region" {
  type    = string
  default = "ap-northeast-2"
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

variable "onprem_node_cidr" {
  type        = string
  default     = "192.168.0.0/16"
  description = "The on-prem network the hybrid nodes live in (remote node network)."
}

variable "pod_cidr" {
  type        = string
  default     = "10.244.0.0/16"
  description = "The hybrid nodes' pod network (remote pod network)."
}

variable "customer_gateway_ip" {
  type        = string
  default     = "203.0.113.10"
  description = "Public IP of the on-prem VPN device."
}

variable "customer_gateway_asn" {
  type    = number
  default = 65000
}

variable "enable_istio" {
  type    = bool
  default = false
}

variable "enable_calico" {
  type    = bool
  default = true
}
