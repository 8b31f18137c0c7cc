resource "mock_network" "main" {
  count      = 2
  for_each   = toset(["a", "b"])
  cidr_block = "10.0.0.0/16"
}
