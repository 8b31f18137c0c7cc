variable "region" {
  type    = string
  defualt = "a"
}
