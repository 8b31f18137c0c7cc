resource "mock_server" "web" {
  name      = "web"
  user_data = "#!/bin/sh
echo hello"
}
