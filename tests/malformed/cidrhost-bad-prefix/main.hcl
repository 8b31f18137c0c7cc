resource "mock_server" "web" {
  name      = "web"
  user_data = cidrhost("10.0.0.0/33", 5)
}
