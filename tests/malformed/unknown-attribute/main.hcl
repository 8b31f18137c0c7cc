resource "mock_network" "main" {
  name      = "main"
  cidr_blok = "10.0.0.0/16"
}
