# The whole EKS Hybrid Nodes reference architecture (DOMAIN.md) in one stack:
#
#   network  (../hybrid-network, included)  VPC, subnets, transit gateway, VPN, firewall
#   dns.hcl                                  Route 53 Resolver in/out + on-prem BIND forward zone
#   eks.hcl                                  cluster, managed node groups
#   hybrid.hcl                               SSM activation, access entry, on-prem H100 pool
#
# The network files are not copied: the include loads them into this stack, so their
# resources, variables and outputs are this stack's own (aws_vpc.main, var.pod_cidr, ...).

include "network" {
  source = "../hybrid-network"
}
