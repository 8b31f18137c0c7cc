data "mock_zones" "all" {
  regin = "ap-northeast-2"
}
