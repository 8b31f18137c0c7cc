resource "mock_server" "web" {
  count = 1000000000000
  name  = "web-${count.index}"
}
