# Values for the variables of this configuration that have no default, so that it can be
# planned as published. Written for the conformance corpus; not part of the published files.

aws_first_access_key  = "testing"
aws_first_secret_key  = "testing"
aws_second_access_key = "testing"
aws_second_secret_key = "testing"
aws_first_region      = "ap-northeast-2"
aws_second_region     = "us-east-1"
