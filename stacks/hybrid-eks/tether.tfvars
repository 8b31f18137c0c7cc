# Values for variables declared in the included network files.
stack_name = "hybrid-eks"
