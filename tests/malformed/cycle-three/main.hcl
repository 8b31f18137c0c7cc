resource "mock_network" "net" {
  cidr_block = "10.0.0.0/16"
  name       = mock_server.web.private_ip
}

resource "mock_subnet" "sub" {
  network_id = mock_network.net.id
  cidr_block = "10.0.1.0/24"
}

resource "mock_server" "web" {
  name      = "web"
  subnet_id = mock_subnet.sub.id
}
