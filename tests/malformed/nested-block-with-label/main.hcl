resource "mock_server" "web" {
  name = "web"

  port "ssh" {
    from = 22
    to   = 22
  }
}
