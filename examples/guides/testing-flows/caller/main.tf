# Terraform >= 1.16: one action tests whichever flow triggered it (`caller`),
# -invoke with -target tests one flow on demand, and a before_destroy test
# guards the retirement of an older flow.
#   terraform apply -invoke=action.diga_flow_test.changed
#   terraform apply -invoke=action.diga_flow_test.changed -target='diga_flow.post_call["support"]'
#   terraform apply -var=retire_legacy=true
terraform {
  required_version = ">= 1.16"
}

variable "retire_legacy" {
  type    = bool
  default = false
}

locals {
  channels = {
    support = "C0SUPPORT"
    sales   = "C0SALES"
  }
}

resource "diga_flow" "post_call" {
  for_each = local.channels
  name     = "Post-call notification (${each.key})"

  definition = jsonencode({
    type        = "PIECE_TRIGGER"
    displayName = "Call finished"
    settings    = { pieceName = "@diga/piece-diga", triggerName = "call_finished", input = {} }
    nextAction = {
      name        = "notify"
      type        = "PIECE"
      displayName = "Post to Slack"
      settings = {
        pieceName  = "@activepieces/piece-slack"
        actionName = "send_channel_message"
        input      = { auth = "{{connections['support_slack_bot']}}", channel = each.value, sendAsBot = true, text = "Call {{trigger.id}} finished" }
      }
    }
  })

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.diga_flow_test.changed]
      # A failing test is reported as a warning; the other flows still apply.
      on_failure = continue
    }
  }
}

# `caller` is the flow whose create or update triggered the test, so one
# action serves every flow of the for_each. Invoked on demand it tests each
# flow that triggers it, or only the flows -target names.
action "diga_flow_test" "changed" {
  config {
    flow_id = caller.id
  }
}

# The flow that post_call["support"] takes over from. With retire_legacy =
# true the apply deletes it, but first runs the support flow's test: a failing
# test stops the apply (on_failure defaults to halt) and the legacy flow keeps
# running. (`terraform destroy` is never stopped by a destroy-time action.)
resource "diga_flow" "legacy" {
  count = var.retire_legacy ? 0 : 1
  name  = "Post-call notification (legacy)"

  definition = jsonencode({
    type     = "PIECE_TRIGGER"
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished", input = {} }
    nextAction = {
      name = "notify"
      type = "PIECE"
      settings = {
        pieceName  = "@activepieces/piece-slack"
        actionName = "send_channel_message"
        input      = { auth = "{{connections['support_slack_bot']}}", channel = "C0LEGACY", sendAsBot = true, text = "Call {{trigger.id}} finished" }
      }
    }
  })

  lifecycle {
    action_trigger {
      events  = [before_destroy]
      actions = [action.diga_flow_test.successor]
    }
  }
}

# A destroy-time action's configuration must be known when the plan is made:
# the successor has to exist before the legacy flow is retired.
action "diga_flow_test" "successor" {
  config {
    flow_id = diga_flow.post_call["support"].id
  }
}
