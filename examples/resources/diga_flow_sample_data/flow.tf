resource "diga_flow" "book_appointment" {
  name = "Book appointment"
  definition = jsonencode({
    type        = "PIECE_TRIGGER"
    displayName = "Function call"
    settings = {
      pieceName   = "@diga/piece-diga"
      triggerName = "function_call"
      input = {
        function_name = "book_appointment"
        description   = "Book an appointment for the caller"
        parameters    = [{ name = "phone", type = "text", required = true, description = "The caller's phone number" }]
      }
    }
    nextAction = {
      name     = "answer_agent"
      type     = "PIECE"
      settings = { pieceName = "@diga/piece-diga", actionName = "return_response", input = { response = "booked" } }
    }
  })
}
