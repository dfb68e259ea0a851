# Terraform >= 1.14. Test the flow after every create and update, and keep
# actions to invoke on demand:
#   terraform apply -invoke=action.diga_flow_test.post_call
#   terraform apply -invoke=action.diga_step_test.notify
resource "diga_flow" "post_call" {
  name = "Post-call notification"

  definition = jsonencode({
    type        = "PIECE_TRIGGER"
    displayName = "Call finished"
    settings = {
      pieceName   = "@diga/piece-diga"
      triggerName = "call_finished"
      input       = {}
    }
    nextAction = {
      name        = "notify"
      type        = "PIECE"
      displayName = "Post to Slack"
      settings = {
        pieceName  = "@activepieces/piece-slack"
        actionName = "send_channel_message"
        input      = { auth = "{{connections['support_slack_bot']}}", channel = "C0123456", sendAsBot = true, text = "Call {{trigger.id}} finished" }
      }
    }
  })

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.diga_flow_test.after_change]
    }
  }
}

# Run by the flow's action_trigger. It names the flow, as Terraform 1.14
# and 1.15 need; Terraform 1.16 warns about that ("Reference to triggering
# resource") and offers `flow_id = caller.id` instead. Terraform 1.16 also
# cannot -invoke an action that names the resource triggering it, so the
# on-demand test is an action of its own.
action "diga_flow_test" "after_change" {
  config {
    flow_id = diga_flow.post_call.id
  }
}

action "diga_flow_test" "post_call" {
  config {
    flow_id = diga_flow.post_call.id
  }
}

action "diga_step_test" "notify" {
  config {
    flow_id   = diga_flow.post_call.id
    step_name = "notify"
  }
}
