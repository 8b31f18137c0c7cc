resource "aws_route53_resolver_rule" "company" {
  domain_name          = "company.local"
  rule_type            = "FORWARD"
  resolver_endpoint_id = "rslvr-out-0123456789abcdef0"

  target_ip {
    ip = "192.168.1.53"
  }
}

resource "onprem_node_pool" "h100" {
  cluster_name = "my-hybrid-cluster"
  region       = "ap-northeast-2"
  node_count   = 10
  output_dir   = "rendered"

  ssm {
    activation_id   = "0f1e2d3c-aaaa-bbbb-cccc-000011112222"
    activation_code = "not-a-real-code"
  }

  containerd {
    registry_mirror {
      host     = "docker.io"
      endpoint = "https://harbor.corp.local"
    }
  }
}
