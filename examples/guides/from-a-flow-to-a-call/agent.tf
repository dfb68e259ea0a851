# The agent, by its name in the Diga dashboard.
data "diga_agent" "reception" {
  name = "Reception"
}

# Assign both flows to the agent and put them live on its numbers.
resource "diga_agent_flows" "reception" {
  agent_id = data.diga_agent.reception.id
  flow_ids = [
    diga_flow.call_summary.id,
    diga_flow.check_availability.id,
  ]
  release = true
}

output "live_version" {
  value = "v${diga_agent_flows.reception.published_version_number}"
}

output "live_on" {
  value = [for p in data.diga_agent.reception.inbound_phone_numbers : p.number]
}
