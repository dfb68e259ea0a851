# A flow behind a test gate: every publish first runs Diga's full-flow test
# on the imported draft, and a failing run keeps the previous version live.
# The function-call trigger cannot produce a sample, so its sample data is
# stored as code and stored again whenever the definition changes.
resource "diga_flow" "book_appointment" {
  name                = "Book appointment"
  enabled             = true
  test_before_publish = true

  definition = jsonencode({
    type        = "PIECE_TRIGGER"
    displayName = "Function call"
    settings = {
      pieceName   = "@diga/piece-diga"
      triggerName = "function_call"
      input = {
        function_name = "book_appointment"
        description   = "Book an appointment when the caller asks for one and gives a phone number"
        parameters = [
          { name = "phone", type = "text", required = true, description = "The caller's phone number" },
        ]
      }
    }
    nextAction = {
      name        = "create_booking"
      type        = "PIECE"
      displayName = "Create booking"
      settings = {
        pieceName  = "@activepieces/piece-http"
        actionName = "send_request"
        input = {
          method      = "POST"
          url         = "https://booking.example.com/api/bookings"
          headers     = {}
          queryParams = {}
          authType    = "NONE"
          body_type   = "json"
          body        = { data = { phone = "{{trigger.arguments.phone}}" } }
        }
      }
      # A synchronous function call ends by answering the agent.
      nextAction = {
        name        = "answer_agent"
        type        = "PIECE"
        displayName = "Answer the agent"
        settings = {
          pieceName  = "@diga/piece-diga"
          actionName = "return_response"
          input      = { response = "{{create_booking.body}}" }
        }
      }
    }
  })
}

resource "diga_flow_sample_data" "function_call" {
  flow_id   = diga_flow.book_appointment.id
  step_name = "trigger"
  payload   = jsonencode({ arguments = { phone = "+34600000000" } })

  lifecycle {
    # Importing a new definition drops the draft's sample data.
    replace_triggered_by = [diga_flow.book_appointment.definition]
  }
}

# The newest failed runs, checked after every plan and apply.
data "diga_flow_executions" "failed" {
  flow_id = diga_flow.book_appointment.id
  status  = "FAILED"
}

check "no_failed_runs" {
  assert {
    condition     = length(data.diga_flow_executions.failed.executions) == 0
    error_message = "Flow ${diga_flow.book_appointment.name} has failed runs; newest: ${try(data.diga_flow_executions.failed.executions[0].id, "")}"
  }
}
