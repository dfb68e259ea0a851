# The agent, by its name in the Diga dashboard.
data "diga_agent" "reception" {
  name = "Reception"
}

# A post-call flow: when a call of the agents it is assigned to ends, post
# a summary to Slack.
resource "diga_flow" "call_summary" {
  name    = "Reception: call summary to Slack"
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
      name        = "post_summary"
      type        = "PIECE"
      displayName = "Post summary to Slack"
      settings = {
        pieceName  = "@activepieces/piece-slack"
        actionName = "send_channel_message"
        input = {
          # The Slack connection, by its external id (a diga_connection's
          # external_id, or one the diga_connections data source lists).
          auth      = "{{connections['support_slack_bot']}}"
          channel   = "C0123456789"
          sendAsBot = true
          text      = "Call with {{trigger.contact.identifier}} ended ({{trigger.end_reason}}, {{trigger.duration}} s)"
        }
      }
    }
  })

  # A replacement gets a new id: create it (and let diga_agent_flows
  # assign and release it) before the old flow is deleted, which takes it
  # off every agent version at once.
  lifecycle {
    create_before_destroy = true
  }
}

# A during-call tool: the agent calls check_availability while it talks,
# waits for the answer (synchronous), and gets what Return Response returns.
resource "diga_flow" "check_availability" {
  name    = "Reception: check availability"
  enabled = true

  definition = jsonencode({
    type        = "PIECE_TRIGGER"
    displayName = "Function call"
    settings = {
      pieceName   = "@diga/piece-diga"
      triggerName = "function_call"
      input = {
        function_name  = "check_availability"
        description    = "Checks which appointment times are free on a day. Use it when the caller asks for an appointment and has said which day."
        execution_mode = "synchronous"
        parameters = [
          {
            name        = "date"
            type        = "text"
            required    = true
            description = "The day the caller wants, as YYYY-MM-DD"
          },
        ]
      }
    }
    nextAction = {
      name        = "free_slots"
      type        = "PIECE"
      displayName = "Ask the booking system"
      settings = {
        pieceName  = "@activepieces/piece-http"
        actionName = "send_request"
        input = {
          method      = "GET"
          url         = "https://booking.example.com/api/slots"
          headers     = {}
          queryParams = { date = "{{trigger.arguments.date}}" }
          authType    = "NONE"
          body_type   = "none"
        }
      }
      nextAction = {
        name        = "answer_agent"
        type        = "PIECE"
        displayName = "Answer the agent"
        settings = {
          pieceName  = "@diga/piece-diga"
          actionName = "return_response"
          input      = { response = "{{free_slots.body}}" }
        }
      }
    }
  })

  lifecycle {
    create_before_destroy = true
  }
}

# Both flows run for the agent: assigned to its draft, then released (a new
# version launched from the draft and published on the numbers the agent
# already uses). The references make Terraform publish and enable the flows
# before it assigns them.
resource "diga_agent_flows" "reception" {
  agent_id = data.diga_agent.reception.id
  flow_ids = [
    diga_flow.call_summary.id,
    diga_flow.check_availability.id,
  ]
  release = true
}

output "reception_live_version" {
  value = diga_agent_flows.reception.published_version_number
}
