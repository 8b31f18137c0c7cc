# The network for the staging environment.
region = "ap-northeast-2"
