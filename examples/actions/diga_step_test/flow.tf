# The flow under test. A test needs the flow's trigger: a flow without a
# definition has an EMPTY one, which Diga refuses to test.
resource "diga_flow" "post_call" {
  name = "Post-call notification"

  definition = jsonencode({
    type     = "PIECE_TRIGGER"
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished", input = {} }
    nextAction = {
      name = "notify"
      type = "PIECE"
      settings = {
        pieceName  = "@activepieces/piece-slack"
        actionName = "send_channel_message"
        input      = { auth = "{{connections['support_slack_bot']}}", channel = "C0123456", sendAsBot = true, text = "Call {{trigger.id}} finished" }
      }
    }
  })
}
