variable "region" {
  type     = string
  default  = null
  nullable = false
}
