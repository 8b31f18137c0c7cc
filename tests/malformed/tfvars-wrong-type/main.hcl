variable "server_count" {
  type = number
}

resource "mock_server" "web" {
  count = var.server_count
  name  = "web-${count.index}"
}
