resource "mock_server" "web" {
  name          = "web"
  desired_count = "many"
}
