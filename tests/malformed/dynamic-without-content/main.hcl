variable "ports" {
  default = [22, 443]
}

resource "mock_server" "web" {
  name = "web"

  dynamic "port" {
    for_each = var.ports
  }
}
