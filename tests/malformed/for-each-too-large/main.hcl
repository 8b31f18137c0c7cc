resource "mock_server" "web" {
  for_each = toset(flatten([for a in range(400) : [for b in range(400) : "${a}-${b}"]]))
  name     = each.key
}
