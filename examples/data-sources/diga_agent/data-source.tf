# An agent by its name in the Diga dashboard (or by id: id = "...").
data "diga_agent" "reception" {
  name = "Reception"
}

# What callers get now: the published version's flows.
output "reception_live_flows" {
  value = [for f in data.diga_agent.reception.published_flows : f.name]
}

# What the next release would put live: the draft's flows.
output "reception_draft_flows" {
  value = [for f in data.diga_agent.reception.draft_flows : f.name]
}

# The numbers a release publishes on.
output "reception_numbers" {
  value = [for p in data.diga_agent.reception.inbound_phone_numbers : p.number]
}
