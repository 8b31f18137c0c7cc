resource "mock_server" "web" {
  name      = "web"
  user_data = file("${path.module}/cloud-init.sh")
}
