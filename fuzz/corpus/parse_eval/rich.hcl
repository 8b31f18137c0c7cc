variable "cidr" {
  type    = string
  default = "10.0.0.0/16"
  validation {
    condition     = can(cidrhost(var.cidr, 1))
    error_message = "bad cidr"
  }
}

variable "zones" {
  type    = list(string)
  default = ["a", "b", "c"]
}

variable "ports" {
  type = map(object({ from = number, to = number }))
  default = {
    ssh   = { from = 22, to = 22 }
    https = { from = 443, to = 443 }
  }
}

variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}

locals {
  subnets  = { for i, z in var.zones : z => cidrsubnet(var.cidr, 8, i) }
  names    = [for z in var.zones : upper(z) if z != "b"]
  first    = element(var.zones, 0)
  joined   = join(",", concat(var.zones, ["d"]))
  merged   = merge({ a = 1 }, { b = 2 }, lookup({ c = 3 }, "c", 0) > 2 ? { c = 3 } : {})
  tpl      = "zones: %{for z in var.zones}${z} %{endfor}"
  n        = length(var.zones) * 2 - 1 + 10 % 3
  mask     = cidrnetmask(var.cidr)
  host     = cidrhost(var.cidr, 5)
  fmt      = format("%s-%03d", local.first, local.n)
  json     = jsonencode({ zones = var.zones, n = local.n })
  back     = jsondecode(local.json)
  set      = toset(["x", "y", "x"])
  cond     = local.n > 3 && !false || true
  split    = split(",", local.joined)
  keys     = keys(local.subnets)
  vals     = values(var.ports)
  try      = try(var.zones[10], "none")
}

provider "mock" {
  region = "r-${local.first}"
}

data "mock_zones" "all" {
  region = "r"
}

resource "mock_network" "main" {
  cidr_block = var.cidr
  name       = "net-${local.first}"
  tags       = { zones = local.joined, n = tostring(local.n) }
  lifecycle {
    prevent_destroy = false
    ignore_changes  = [tags["n"], name]
  }
}

resource "mock_subnet" "zone" {
  for_each   = local.subnets
  network_id = mock_network.main.id
  cidr_block = each.value
  zone       = "zone-${each.key}"
}

resource "mock_server" "node" {
  count      = 2
  name       = format("node-%d", count.index)
  subnet_id  = mock_subnet.zone[var.zones[count.index]].id
  password   = var.secret
  depends_on = [mock_network.main]
  user_data  = <<-EOT
    #!/bin/sh
    echo ${local.fmt}
    echo ${mock_network.main.name}
  EOT

  port {
    from     = var.ports["ssh"].from
    to       = var.ports.ssh.to
    protocol = "tcp"
  }

  port {
    from = 443
    to   = 443
  }
}

output "ips" {
  value = mock_server.node[*].private_ip
}

output "subnets" {
  value = { for k, s in mock_subnet.zone : k => s.cidr_block }
}

output "secret" {
  value     = var.secret
  sensitive = true
}

output "locals" {
  value = [local.names, local.merged, local.tpl, local.mask, local.host, local.back, local.set, local.cond, local.split, local.keys, local.vals, local.try]
}
