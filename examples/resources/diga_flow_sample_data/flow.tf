resource "diga_flow" "book_appointment" {
  name = "Book appointment"
  definition = jsonencode({
    name        = "trigger"
    type        = "PIECE_TRIGGER"
    displayName = "Function call"
    settings    = { pieceName = "@diga/piece-diga", triggerName = "function_call", input = {} }
  })
}
