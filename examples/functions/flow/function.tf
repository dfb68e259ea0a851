# A 15-step flow with two routers and a loop, written as the flat list it
# reads as: every step follows the one above it, a router's branches hold
# their own step lists, and a loop holds its body.
#
# Steps of pieces that need a connection reference one by its external id;
# every input the piece marks required is given (the engine does not fill
# defaults in).
locals {
  slack   = "{{connections['support_slack_bot']}}"
  openai  = "{{connections['openai_key']}}"
  google  = "{{connections['support_gmail']}}"
  hubspot = "{{connections['hubspot_crm']}}"
}

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
          input      = { method = "GET", url = "https://crm.example.com/callers/{{trigger.contact.identifier}}", headers = {}, queryParams = {}, authType = "NONE" }
        }
      },
      {
        name        = "classify"
        displayName = "Classify the call"
        settings = {
          pieceName  = "@activepieces/piece-openai"
          actionName = "ask_chatgpt"
          input      = { auth = local.openai, model = "gpt-4o-mini", maxTokens = 16, prompt = "Sales or support? {{trigger.messages}}" }
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
                name     = "save_contact"
                settings = { pieceName = "@activepieces/piece-hubspot", actionName = "create_or_update_contact", input = { authentication = local.hubspot, email = "{{fetch_caller.body.email}}" } }
              },
              {
                name     = "tell_sales"
                settings = { pieceName = "@activepieces/piece-slack", actionName = "send_channel_message", input = { auth = local.slack, channel = "C0SALES", sendAsBot = true, text = "New lead from {{trigger.contact.identifier}}" } }
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
                settings = { pieceName = "@activepieces/piece-http", actionName = "send_request", input = { method = "POST", url = "https://helpdesk.example.com/tickets", headers = {}, queryParams = {}, authType = "NONE" } }
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
                        settings = { pieceName = "@activepieces/piece-slack", actionName = "send_direct_message", input = { auth = local.slack, userId = "U0ONCALL", text = "Urgent ticket {{open_ticket.body.id}}" } }
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
                  input      = { call = "{{trigger.id}}" }
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
            settings = { pieceName = "@activepieces/piece-gmail", actionName = "send_email", input = { authentication = local.google, receiver = "{{each_followup.item.email}}", subject = "Following up", body_text = "Thanks for calling." } }
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
        settings = { pieceName = "@activepieces/piece-openai", actionName = "ask_chatgpt", input = { auth = local.openai, model = "gpt-4o-mini", maxTokens = 256, prompt = "Summarise: {{trigger.messages}}" } }
      },
      {
        name        = "post_summary"
        displayName = "Post the summary"
        settings    = { pieceName = "@activepieces/piece-slack", actionName = "send_channel_message", input = { auth = local.slack, channel = "C0CALLS", sendAsBot = true, text = "{{summarise.choices[0].message.content}}" } }
      },
      {
        name     = "archive"
        settings = { pieceName = "@activepieces/piece-http", actionName = "send_request", input = { method = "POST", url = "https://archive.example.com/calls", headers = {}, queryParams = {}, authType = "NONE", body_type = "json", body = { data = { id = "{{trigger.id}}" } } } }
      },
    ]
  )
}
