# Demo configuration used by `make demo`: it runs against the local Diga API
# emulator. The provider reads DIGA_API_KEY and DIGA_BASE_URL from the
# environment that the demo script sets.
terraform {
  required_providers {
    diga = {
      source = "diga-io/diga"
    }
  }
}

provider "diga" {}

# The Slack bot the flow posts with. The demo's token is a placeholder: the
# emulator stores it and never calls Slack.
resource "diga_connection" "slack" {
  piece_name       = "@activepieces/piece-slack"
  display_name     = "Demo Slack bot"
  type             = "CUSTOM_AUTH"
  value_wo         = jsonencode({ props = { botToken = "xoxb-demo" } })
  value_wo_version = "1"
}

# A published, enabled post-call flow: Call Finished → HTTP → Slack.
resource "diga_flow" "post_call" {
  name    = "Post-call summary to Slack"
  enabled = true

  definition = jsonencode({
    type     = "PIECE_TRIGGER"
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished" }
    nextAction = {
      name = "send_to_crm"
      type = "PIECE"
      settings = {
        pieceName  = "@activepieces/piece-http"
        actionName = "send_request"
        input      = { method = "POST", url = "https://crm.example.com/calls", headers = {}, queryParams = {}, authType = "NONE" }
      }
      nextAction = {
        name = "post_to_slack"
        type = "PIECE"
        settings = {
          pieceName  = "@activepieces/piece-slack"
          actionName = "send_channel_message"
          input = {
            auth      = "{{connections['${diga_connection.slack.external_id}']}}"
            channel   = "C0123456789"
            sendAsBot = true
            text      = "Call {{trigger.id}} finished"
          }
        }
      }
    }
  })
}

# Flows whose definition is left to the Diga UI.
resource "diga_flow" "drafts" {
  for_each = toset(["CRM sync (draft)", "During-call transfer lookup (draft)"])
  name     = each.value
}

output "flows" {
  value = merge(
    { post_call = { id = diga_flow.post_call.id, status = diga_flow.post_call.status, category = diga_flow.post_call.flow_category } },
    { for k, f in diga_flow.drafts : k => { id = f.id, status = f.status, category = f.flow_category } },
  )
}
