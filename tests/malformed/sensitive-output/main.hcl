variable "admin_password" {
  type      = string
  default   = "Chang3Me.now"
  sensitive = true
}

resource "mock_server" "web" {
  name     = "web"
  password = var.admin_password
}

output "password" {
  value = "pw=${var.admin_password}"
}
