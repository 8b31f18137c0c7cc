variable "enabled" {
  default = "yes"
}

resource "mock_network" "main" {
  cidr_block = var.enabled ? "10.0.0.0/16" : "10.1.0.0/16"
}
