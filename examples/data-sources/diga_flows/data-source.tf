# Every flow of the project (all pages), and the enabled post-call ones.
data "diga_flows" "all" {}

data "diga_flows" "live_post_call" {
  status        = "ENABLED"
  flow_category = "post_call"
}

# Client-side name filter (RE2).
data "diga_flows" "crm" {
  name_regex = "(?i)crm"
}

output "flow_count" {
  value = length(data.diga_flows.all.ids)
}
