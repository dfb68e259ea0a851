output "flow_id" {
  description = "Id of the flow in this environment's project."
  value       = diga_flow.this.id
}

output "connection_external_id" {
  description = "External id of this project's Slack connection, as the flow's steps reference it."
  value       = diga_connection.slack.external_id
}

output "diagram" {
  description = "The flow as a Mermaid diagram, for the pull request that changes it."
  value       = provider::diga::mermaid(diga_flow.this.definition)
}
