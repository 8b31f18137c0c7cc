module "vpc" {
  source = "./vpc"
}
