# One support flow in two Diga projects. Each project is reached with its
# own API key, through its own provider alias; the module is the same,
# and what differs is passed as module variables.
#
# Promote a change by editing the staging block first, applying and
# checking it, then making the same edit in the production block.

variable "staging_api_key" {
  type      = string
  sensitive = true
}

variable "production_api_key" {
  type      = string
  sensitive = true
}

variable "staging_slack_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "production_slack_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "diga_base_url" {
  description = "Diga API base URL; null for https://api.diga.io."
  type        = string
  default     = null
}

provider "diga" {
  alias    = "staging"
  api_key  = var.staging_api_key
  base_url = var.diga_base_url
}

provider "diga" {
  alias    = "production"
  api_key  = var.production_api_key
  base_url = var.diga_base_url
}

module "staging" {
  source    = "./modules/support-flow"
  providers = { diga = diga.staging }

  environment     = "staging"
  slack_channel   = "C0STAGING"
  vip_channel     = "C0STAGINGVIP"
  slack_bot_token = var.staging_slack_token
  token_version   = "1"

  summary_text = "Call {{trigger.call_id}} finished: {{trigger.summary}}"
  escalate_vip = false
}

module "production" {
  source    = "./modules/support-flow"
  providers = { diga = diga.production }

  environment     = "production"
  slack_channel   = "C0SUPPORT"
  vip_channel     = "C0VIPDESK"
  slack_bot_token = var.production_slack_token
  token_version   = "1"

  summary_text = "Call {{trigger.call_id}} finished: {{trigger.summary}}"
  escalate_vip = false
}

output "diagrams" {
  value = { staging = module.staging.diagram, production = module.production.diagram }
}
