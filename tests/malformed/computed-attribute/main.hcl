resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  arn        = "arn:mock:network/1"
}
