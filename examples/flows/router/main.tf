# A router: VIP callers go to a dedicated Slack channel, everyone else to a
# ticket. children[i] is the first step of branch i (null for an empty branch).
# executionType may be left out: EXECUTE_FIRST_MATCH is the default.
resource "diga_flow" "route_by_tier" {
  name    = "Route finished calls by customer tier"
  enabled = true

  definition = jsonencode({
    type     = "PIECE_TRIGGER"
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished" }
    nextAction = {
      name        = "by_tier"
      type        = "ROUTER"
      displayName = "By customer tier"
      settings = {
        executionType = "EXECUTE_FIRST_MATCH"
        branches = [
          {
            branchName = "VIP"
            branchType = "CONDITION"
            conditions = [[{
              operator    = "TEXT_EXACTLY_MATCHES"
              firstValue  = "{{trigger.dynamic_variables.customer_tier}}"
              secondValue = "vip"
            }]]
          },
          { branchName = "Everyone else", branchType = "FALLBACK" },
        ]
      }
      children = [
        {
          name = "vip_slack"
          type = "PIECE"
          settings = {
            pieceName  = "@activepieces/piece-slack"
            actionName = "send_channel_message"
            input      = { auth = "{{connections['support_slack_bot']}}", channel = "C0VIP", sendAsBot = true, text = "VIP call {{trigger.id}}" }
          }
        },
        {
          name = "open_ticket"
          type = "PIECE"
          settings = {
            pieceName  = "@activepieces/piece-http"
            actionName = "send_request"
            input      = { method = "POST", url = "https://helpdesk.example.com/tickets", headers = {}, queryParams = {}, authType = "NONE" }
          }
        },
      ]
    }
  })
}
