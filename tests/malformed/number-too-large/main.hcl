resource "mock_server" "web" {
  name          = "web"
  desired_count = 1e400
}
