variable "server_count" {
  type    = number
  default = "three"
}

resource "mock_server" "web" {
  count = var.server_count
  name  = "web-${count.index}"
}
