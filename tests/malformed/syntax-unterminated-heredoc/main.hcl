resource "mock_server" "web" {
  name      = "web"
  user_data = <<-EOT
    #!/bin/sh
    echo hello
  EOF
}
