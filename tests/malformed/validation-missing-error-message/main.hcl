variable "zones" {
  type = list(string)

  validation {
    condition = length(var.zones) > 0
  }
}
