resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

output "id" {
  value = mock_network.main.id
}

output "id" {
  value = mock_network.main.arn
}
