# A small stack for the built-in mock provider: a network, one subnet per zone carved out with
# cidrsubnet, and a count of servers spread over the subnets.

provider "mock" {
  region = var.region
}

locals {
  subnets = { for i, z in var.zones : z => cidrsubnet(var.vpc_cidr, 8, i + 1) }
  tags = {
    stack = "quickstart"
    owner = "platform"
  }
}

resource "mock_network" "main" {
  cidr_block = var.vpc_cidr
  name       = "hybrid-${var.region}"
  tags       = local.tags
}

resource "mock_subnet" "zone" {
  for_each   = local.subnets
  network_id = mock_network.main.id
  cidr_block = each.value
  zone       = "zone-${each.key}"
  tags       = merge(local.tags, { Name = "subnet-${each.key}" })
}

resource "mock_server" "node" {
  count     = var.server_count
  name      = format("node-%02d", count.index + 1)
  subnet_id = mock_subnet.zone[var.zones[count.index % length(var.zones)]].id
  password  = var.admin_password
  user_data = <<-EOT
    #!/bin/sh
    echo "joining ${mock_network.main.name}"
    hostname node-${count.index + 1}
  EOT

  port {
    from     = 10250
    to       = 10250
    protocol = "tcp"
  }

  lifecycle {
    create_before_destroy = true
  }
}

output "network_id" {
  value = mock_network.main.id
}

output "subnet_cidrs" {
  value = [for s in mock_subnet.zone : s.cidr_block]
}

output "server_ips" {
  value = mock_server.node[*].private_ip
}
