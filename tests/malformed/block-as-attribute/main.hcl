resource "mock_server" "web" {
  name = "web"
  port = {
    from = 80
    to   = 80
  }
}
