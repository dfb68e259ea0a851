# Draw a flow for a README or a pull request:
#   terraform output -raw route_by_tier_diagram > docs/route-by-tier.mmd
# or paste it into a ```mermaid block of a Markdown file.
resource "diga_flow" "route_by_tier" {
  name = "Route finished calls by customer tier"
  definition = provider::diga::flow(
    { settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished" } },
    [{
      name = "by_tier"
      branches = [
        {
          branchName = "VIP"
          branchType = "CONDITION"
          conditions = [[{ operator = "TEXT_EXACTLY_MATCHES", firstValue = "{{trigger.dynamic_variables.customer_tier}}", secondValue = "vip" }]]
          steps = [{
            name     = "vip_slack"
            settings = { pieceName = "@activepieces/piece-slack", actionName = "send_channel_message", input = { auth = "{{connections['support_slack_bot']}}", channel = "C0VIP", sendAsBot = true, text = "VIP call {{trigger.id}}" } }
          }]
        },
        { branchName = "Everyone else", branchType = "FALLBACK" },
      ]
    }]
  )
}

output "route_by_tier_diagram" {
  value = provider::diga::mermaid(diga_flow.route_by_tier.definition)
}
