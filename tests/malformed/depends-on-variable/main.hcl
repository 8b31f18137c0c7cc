variable "net" {
  default = "n"
}

resource "mock_server" "web" {
  name       = "web"
  depends_on = [var.net]
}
