# The enabled post-call flows whose name starts with "Support", with their
# full resource objects (include_resource) in the query's output.
list "diga_flow" "support" {
  provider         = diga
  include_resource = true

  config {
    status        = "ENABLED"
    flow_category = "post_call"
    name_regex    = "^Support"
  }
}
