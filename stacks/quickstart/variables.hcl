variable "region" {
  type        = string
  default     = "ap-northeast-2"
  description = "Where the network lives."
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR such as 10.0.0.0/16."
  }
}

variable "zones" {
  type    = list(string)
  default = ["a", "b"]
}

variable "server_count" {
  type    = number
  default = 2
}

variable "admin_password" {
  type      = string
  default   = "Chang3Me.now"
  sensitive = true
}
