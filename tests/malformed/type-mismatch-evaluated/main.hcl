locals {
  sizes = { small = "one", large = "two" }
}

resource "mock_server" "web" {
  name          = "web"
  desired_count = local.sizes["small"]
}
