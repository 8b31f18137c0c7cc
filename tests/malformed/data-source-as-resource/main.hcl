resource "mock_zones" "all" {
  region = "a"
}
