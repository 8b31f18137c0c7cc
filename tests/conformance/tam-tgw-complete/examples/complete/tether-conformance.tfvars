# Values for the variables of this configuration that have no default, so that it can be
# planned as published. Written for the conformance corpus; not part of the published files.
# Every variable of the entry module has a default: nothing to set.
