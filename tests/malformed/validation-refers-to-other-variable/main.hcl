variable "min" {
  default = 1
}

variable "count_per_zone" {
  type    = number
  default = 2

  validation {
    condition     = var.count_per_zone >= var.min
    error_message = "too few"
  }
}
