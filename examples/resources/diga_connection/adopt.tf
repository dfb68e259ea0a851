variable "crm_slack_token" {
  type      = string
  sensitive = true
}

# A Slack connection made earlier in the Diga UI, named "CRM Slack bot": with
# adopt_existing the create takes it over instead of failing, and replaces
# its token with this one.
resource "diga_connection" "crm_slack" {
  piece_name     = "@activepieces/piece-slack"
  display_name   = "CRM Slack bot"
  type           = "CUSTOM_AUTH"
  value_wo       = jsonencode({ props = { botToken = var.crm_slack_token } })
  adopt_existing = true
}
