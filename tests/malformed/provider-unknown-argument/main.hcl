provider "mock" {
  regoin = "ap-northeast-2"
}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}
