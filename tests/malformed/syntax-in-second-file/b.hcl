output "id" {
  value = mock_network.main.id
}

output "broken" {
  value = [1, 2,, 3]
}
