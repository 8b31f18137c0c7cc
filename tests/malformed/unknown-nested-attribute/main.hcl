resource "mock_server" "web" {
  name = "web"

  port {
    form = 80
    to   = 80
  }
}
