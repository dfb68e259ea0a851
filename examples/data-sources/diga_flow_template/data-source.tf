data "diga_flow_template" "slack_summary" {
  id = "6f1c2d3e-8a4b-4c5d-9e6f-0a1b2c3d4e5f"
}

# A flow made from the template: every listed variable must be given.
resource "diga_flow" "slack_summary" {
  name        = "Call summary to Slack"
  template_id = data.diga_flow_template.slack_summary.id
  template_variables = {
    agent_id      = "agent-123"
    slack_channel = "C0123456789"
  }
  # Write-only (Terraform >= 1.11): the token is never stored in state.
  template_connections_wo = {
    slack = var.slack_bot_token
  }
  enabled = true
}

variable "slack_bot_token" {
  type      = string
  sensitive = true
  ephemeral = true
}
