variable "zones" {
  type    = lst(string)
  default = ["a"]
}
