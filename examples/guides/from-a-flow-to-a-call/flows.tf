# Two flows for the Reception agent. Both are published and enabled by
# their diga_flow, and each publish is first tested (test_before_publish):
# a failing test run publishes nothing.

# After every call: a summary in Slack.
resource "diga_flow" "call_summary" {
  name                = "Reception: call summary to Slack"
  enabled             = true
  test_before_publish = true

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
          auth      = "{{connections['support_slack_bot']}}"
          channel   = "C0123456789"
          sendAsBot = true
          text      = "Call with {{trigger.contact.identifier}} ended ({{trigger.end_reason}}, {{trigger.duration}} s)"
        }
      }
    }
  })

  lifecycle {
    create_before_destroy = true
  }
}

# During a call: a tool the agent calls, and waits for, to find free slots.
resource "diga_flow" "check_availability" {
  name                = "Reception: check availability"
  enabled             = true
  test_before_publish = true

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
      # A synchronous tool ends by answering the agent.
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

# The Function Call trigger cannot make a sample by itself: the arguments
# an agent would pass, for the tests of the steps after it.
resource "diga_flow_sample_data" "check_availability" {
  flow_id   = diga_flow.check_availability.id
  step_name = "trigger"
  payload   = jsonencode({ call_id = "c0ffee00-0000-4000-8000-000000000001", arguments = { date = "2026-06-23" } })

  lifecycle {
    # Importing a new definition drops the draft's sample data.
    replace_triggered_by = [diga_flow.check_availability.definition]
  }
}
