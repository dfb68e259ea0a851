# Every single-prompt agent with "support" in its name (any case).
data "diga_agents" "support" {
  mode       = "free"
  name_regex = "(?i)support"
}

output "support_agent_ids" {
  value = { for a in data.diga_agents.support.agents : a.name => a.id }
}

# Agents whose draft holds other flows than their published version: a
# release would change what their calls run.
output "support_agents_with_unreleased_flows" {
  value = [
    for a in data.diga_agents.support.agents : a.name
    if sort(a.draft_flow_ids) != sort(a.published_flow_ids)
  ]
}
