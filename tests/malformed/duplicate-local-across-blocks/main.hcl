locals {
  region = "a"
}

locals {
  zone   = "z"
  region = "b"
}
