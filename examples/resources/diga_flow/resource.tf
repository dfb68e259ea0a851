# A post-call flow: when a call finishes, send it to the CRM over HTTP and
# post a summary to Slack. The provider imports the definition into the
# flow's draft, publishes it, and enables the flow.
resource "diga_flow" "post_call_summary" {
  name    = "Post-call summary to Slack"
  enabled = true

  definition = jsonencode({
    name        = "trigger"
    type        = "PIECE_TRIGGER"
    displayName = "Call finished"
    settings = {
      pieceName   = "@diga/piece-diga"
      triggerName = "call_finished"
      input       = {}
    }
    nextAction = {
      name        = "send_to_crm"
      type        = "PIECE"
      displayName = "Send call to CRM"
      settings = {
        pieceName  = "@activepieces/piece-http"
        actionName = "send_request"
        input = {
          method = "POST"
          url    = "https://crm.example.com/api/calls"
          body = {
            call_id  = "{{trigger.call_id}}"
            duration = "{{trigger.duration}}"
          }
        }
      }
      nextAction = {
        name        = "post_to_slack"
        type        = "PIECE"
        displayName = "Post summary to Slack"
        settings = {
          pieceName  = "@activepieces/piece-slack"
          actionName = "send_channel_message"
          input = {
            channel = "C0123456789"
            text    = "Call {{trigger.call_id}} finished: {{trigger.summary}}"
          }
        }
      }
    }
  })
}

# Without a definition the provider manages only the name and the status;
# the definition follows what is edited in the Diga UI.
resource "diga_flow" "drafted_in_ui" {
  name = "Designed in the Diga UI"
}
