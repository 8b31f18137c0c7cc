locals {
  region = "a"
  tags {
    team = "net"
  }
}
