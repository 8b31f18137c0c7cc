resource "mock_server" "web" {
  count = "two"
  name  = "web"
}
