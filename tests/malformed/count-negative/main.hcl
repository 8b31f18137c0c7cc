variable "replicas" {
  default = 1
}

resource "mock_server" "web" {
  count = var.replicas - 2
  name  = "web-${count.index}"
}
