output "id" {
  description = "the network id"
}
