# A 15-step flow with two routers and a loop, written as the flat list it
# reads as: every step follows the one above it, a router's branches hold
# their own step lists, and a loop holds its body.
resource "diga_flow" "support_triage" {
  name    = "Triage finished calls"
  enabled = true

  definition = provider::diga::flow(
    {
      displayName = "Call finished"
      settings    = { pieceName = "@diga/piece-diga", triggerName = "call_finished", input = {} }
    },
    [
      {
        name        = "fetch_caller"
        displayName = "Look up the caller"
        settings = {
          pieceName  = "@activepieces/piece-http"
          actionName = "send_request"
          input      = { method = "GET", url = "https://crm.example.com/callers/{{trigger.phone}}" }
        }
      },
      {
        name        = "classify"
        displayName = "Classify the call"
        settings = {
          pieceName  = "@activepieces/piece-openai"
          actionName = "ask_chatgpt"
          input      = { model = "gpt-4o-mini", prompt = "Sales or support? {{trigger.summary}}" }
        }
      },
      {
        name        = "by_intent"
        displayName = "By intent"
        settings    = { executionType = "EXECUTE_FIRST_MATCH" }
        branches = [
          {
            branchName = "Sales"
            branchType = "CONDITION"
            conditions = [[{ operator = "TEXT_CONTAINS", firstValue = "{{classify.choices[0].message.content}}", secondValue = "sales" }]]
            steps = [
              {
                name     = "create_deal"
                settings = { pieceName = "@activepieces/piece-hubspot", actionName = "create_deal", input = { dealname = "Call {{trigger.call_id}}" } }
              },
              {
                name     = "tell_sales"
                settings = { pieceName = "@activepieces/piece-slack", actionName = "send_channel_message", input = { channel = "C0SALES", text = "New deal from {{trigger.phone}}" } }
              },
            ]
          },
          {
            branchName = "Support"
            branchType = "CONDITION"
            conditions = [[{ operator = "TEXT_CONTAINS", firstValue = "{{classify.choices[0].message.content}}", secondValue = "support" }]]
            steps = [
              {
                name     = "open_ticket"
                settings = { pieceName = "@activepieces/piece-http", actionName = "send_request", input = { method = "POST", url = "https://helpdesk.example.com/tickets" } }
              },
              {
                name        = "by_priority"
                displayName = "By priority"
                settings    = { executionType = "EXECUTE_FIRST_MATCH" }
                branches = [
                  {
                    branchName = "Urgent"
                    branchType = "CONDITION"
                    conditions = [
                      [{ operator = "NUMBER_IS_GREATER_THAN", firstValue = "{{fetch_caller.body.open_tickets}}", secondValue = "2" }],
                      [{ operator = "BOOLEAN_IS_TRUE", firstValue = "{{fetch_caller.body.vip}}" }],
                    ]
                    steps = [
                      {
                        name     = "page_oncall"
                        settings = { pieceName = "@activepieces/piece-slack", actionName = "send_direct_message", input = { userId = "U0ONCALL", text = "Urgent ticket {{open_ticket.body.id}}" } }
                      },
                    ]
                  },
                  # An empty branch: nothing more to do.
                  { branchName = "Otherwise", branchType = "FALLBACK" },
                ]
              },
            ]
          },
          {
            branchName = "Everything else"
            branchType = "FALLBACK"
            steps = [
              {
                name = "log_other"
                settings = {
                  input      = { call = "{{trigger.call_id}}" }
                  sourceCode = { code = "export const code = async (inputs) => inputs.call;", packageJson = "{}" }
                }
              },
            ]
          },
        ]
      },
      {
        name        = "each_followup"
        displayName = "Each follow-up"
        settings    = { items = "{{fetch_caller.body.followups}}" }
        steps = [
          {
            name     = "send_followup"
            settings = { pieceName = "@activepieces/piece-gmail", actionName = "send_email", input = { receiver = ["{{each_followup.item.email}}"], subject = "Following up", body = "Thanks for calling." } }
          },
          {
            name = "mark_sent"
            settings = {
              input      = { id = "{{each_followup.item.id}}" }
              sourceCode = { code = "export const code = async (inputs) => inputs.id;", packageJson = "{}" }
            }
          },
        ]
      },
      {
        name     = "summarise"
        settings = { pieceName = "@activepieces/piece-openai", actionName = "ask_chatgpt", input = { model = "gpt-4o-mini", prompt = "Summarise: {{trigger.summary}}" } }
      },
      {
        name        = "post_summary"
        displayName = "Post the summary"
        settings    = { pieceName = "@activepieces/piece-slack", actionName = "send_channel_message", input = { channel = "C0CALLS", text = "{{summarise.choices[0].message.content}}" } }
      },
      {
        name     = "archive"
        settings = { pieceName = "@activepieces/piece-http", actionName = "send_request", input = { method = "POST", url = "https://archive.example.com/calls", body = { id = "{{trigger.call_id}}" } } }
      },
    ]
  )
}
