resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { a = "1" }
}

resource "mock_server" "web" {
  name       = "web"
  depends_on = [mock_network.main
}
