# A post-call flow: when a call finishes, send it to the CRM over HTTP and
# post a summary to Slack. The provider imports the definition into the
# flow's draft (as the complete tree the engine expects: pieceVersion,
# valid, displayName and the like are filled in), publishes it, and enables
# the flow.
resource "diga_flow" "post_call_summary" {
  name    = "Post-call summary to Slack"
  enabled = true

  definition = jsonencode({
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
        # Every input the piece marks required is given, also those with a
        # default (headers, queryParams, authType): the engine does not
        # fill defaults in.
        input = {
          method      = "POST"
          url         = "https://crm.example.com/api/calls"
          headers     = {}
          queryParams = {}
          authType    = "NONE"
          body_type   = "json"
          body = {
            data = {
              call_id  = "{{trigger.id}}"
              duration = "{{trigger.duration}}"
            }
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
            # The Slack connection, by its external id (a diga_connection
            # resource's external_id, or one the diga_connections data
            # source lists).
            auth      = "{{connections['support_slack_bot']}}"
            channel   = "C0123456789"
            sendAsBot = true
            text      = "Call {{trigger.id}} with {{trigger.contact.identifier}} ended: {{trigger.end_reason}}"
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
