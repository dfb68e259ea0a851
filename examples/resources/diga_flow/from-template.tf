# A flow copied from a Diga template. The Slack token reaches Diga when the
# flow is created and is stored neither in the state nor in plan files:
# template_connections_wo is write-only (Terraform >= 1.11) and the
# variable is ephemeral.
variable "template_slack_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "diga_flow" "from_template" {
  name        = "Call summary to Slack (from template)"
  template_id = "6f1c2d3e-8a4b-4c5d-9e6f-0a1b2c3d4e5f"
  template_variables = {
    agent_id      = "agent-123"
    slack_channel = "C0123456789"
  }

  template_connections_wo = {
    slack = var.template_slack_token
  }
  # The template's connections are only sent when the flow is created:
  # change the version to send a new token, which replaces the flow.
  template_connections_wo_version = "1"

  enabled = true
}
