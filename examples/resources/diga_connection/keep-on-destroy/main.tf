variable "slack_bot_token" {
  type      = string
  sensitive = true
}

# Diga's API cannot delete a connection. With destroy = false (Terraform 1.16,
# OpenTofu 1.12) the plan says what really happens: `terraform destroy`, or
# removing an instance (count, for_each), plans to forget the connection,
# dropping it from state without asking the provider to delete it, and a
# change that replaces it forgets the old one and creates the new one.
resource "diga_connection" "slack" {
  piece_name       = "@activepieces/piece-slack"
  display_name     = "Support Slack bot"
  type             = "CUSTOM_AUTH"
  value_wo         = jsonencode({ props = { botToken = var.slack_bot_token } })
  value_wo_version = "1"

  lifecycle {
    destroy = false
  }
}
