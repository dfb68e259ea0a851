# Bulk import, step 3: from generated configuration to the module.
# After option B, the UI-made flow is diga_flow.flow_<id> in generated.tf.
# This file replaces that resource (delete it from generated.tf): the
# module of the promotion guide takes the flow over in place, and adopts
# the Slack connection the flow's step already uses.

module "staging" {
  source = "../../promotion/modules/support-flow"

  # The values the UI-made flow has: the plan shows whatever differs.
  environment   = "staging"
  slack_channel = "C0STAGING"
  summary_text  = "Call {{trigger.call_id}} finished: {{trigger.summary}}"
  # slack_bot_token is left out: the adopted connection keeps the
  # credentials it was given in the Diga UI.
}

# The flow imported as diga_flow.flow_<id> is the module's flow now: a move
# in state, no change in Diga.
moved {
  from = diga_flow.flow_lod6JEdKyPlvrnErdnrGa
  to   = module.staging.diga_flow.this
}

# The connection was made in the Diga UI: import it into the module's
# address (the diga_connections data source lists the ids). Import blocks
# live in the root module; Terraform 1.16 and later also accept them inside
# a module.
import {
  to = module.staging.diga_connection.slack
  id = "Xy7PqR2sT9uVwZ1aB3cDe"
}
