# how many servers
server_count = "several"
