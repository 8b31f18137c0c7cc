resource "mock_server" "web" {
  name          = "web"
  desired_count = 0x1F
}
