region = "ap-northeast-2
zone = "a"
