variable "slack_bot_token" {
  type      = string
  sensitive = true
}

# The token is write-only: Terraform sends it and never stores it. Bump
# value_wo_version to send a rotated token.
resource "diga_connection" "slack" {
  piece_name       = "@activepieces/piece-slack"
  display_name     = "Support Slack bot"
  type             = "CUSTOM_AUTH"
  value_wo         = jsonencode({ props = { botToken = var.slack_bot_token } })
  value_wo_version = "1"
}

# Steps reference the connection by its external id.
resource "diga_flow" "notify" {
  name = "Notify support"
  definition = jsonencode({
    type     = "PIECE_TRIGGER"
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished" }
    nextAction = {
      name = "post"
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
  })
}
