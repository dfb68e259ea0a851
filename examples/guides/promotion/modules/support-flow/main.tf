# The post-call support flow, the same in every Diga project: each project
# has its own Slack connection, and the flow's steps reference that
# project's connection by its external id.

resource "diga_connection" "slack" {
  piece_name       = "@activepieces/piece-slack"
  display_name     = "Support Slack (${var.environment})"
  type             = "CUSTOM_AUTH"
  value_wo         = var.slack_bot_token == null ? null : jsonencode({ props = { botToken = var.slack_bot_token } })
  value_wo_version = var.token_version
}

locals {
  slack_auth = "{{connections['${diga_connection.slack.external_id}']}}"

  post_summary = {
    name        = "post_summary"
    displayName = "Post the summary"
    settings = {
      pieceName  = "@activepieces/piece-slack"
      actionName = "send_channel_message"
      input      = { auth = local.slack_auth, channel = var.slack_channel, sendAsBot = true, text = var.summary_text }
    }
  }

  escalation = {
    name        = "by_tier"
    displayName = "By customer tier"
    branches = [
      {
        branchName = "VIP"
        branchType = "CONDITION"
        conditions = [[{ operator = "TEXT_EXACTLY_MATCHES", firstValue = "{{trigger.dynamic_variables.customer_tier}}", secondValue = "vip" }]]
        steps = [{
          name = "page_vip_desk"
          settings = {
            pieceName  = "@activepieces/piece-slack"
            actionName = "send_channel_message"
            input      = { auth = local.slack_auth, channel = var.vip_channel, sendAsBot = true, text = "VIP call {{trigger.id}} needs a call back" }
          }
        }]
      },
      {
        branchName = "Everyone else"
        branchType = "FALLBACK"
        steps = [{
          name     = "log_call"
          settings = { input = { call = "{{trigger.id}}" }, sourceCode = { code = "export const code = async (inputs) => inputs.call;", packageJson = "{}" } }
        }]
      },
    ]
  }
}

resource "diga_flow" "this" {
  name    = "Post-call summary (${var.environment})"
  enabled = var.enabled

  definition = provider::diga::flow(
    {
      displayName = "Call finished"
      settings    = { pieceName = "@diga/piece-diga", triggerName = "call_finished", input = {} }
    },
    concat([local.post_summary], var.escalate_vip ? [local.escalation] : []),
  )
}
