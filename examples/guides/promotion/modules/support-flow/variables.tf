# What differs between environments is a variable; everything else is the
# module, the same in every project.

variable "environment" {
  description = "Name of the environment (staging, production), shown in the flow's and the connection's names."
  type        = string
}

variable "slack_channel" {
  description = "Slack channel the call summaries go to."
  type        = string
}

variable "vip_channel" {
  description = "Slack channel VIP calls are escalated to (only with escalate_vip)."
  type        = string
  default     = ""
}

variable "slack_bot_token" {
  description = "Token of this project's Slack bot. Leave it null to keep the credentials the connection already has (an adopted connection)."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "token_version" {
  description = "Change it to send slack_bot_token again, after rotating the token. Null when slack_bot_token is."
  type        = string
  default     = null
}

variable "summary_text" {
  description = "The Slack message posted for every finished call."
  type        = string
}

variable "escalate_vip" {
  description = "Add the VIP escalation: a router that also posts VIP calls to vip_channel."
  type        = bool
  default     = false
}

variable "enabled" {
  description = "Whether the flow runs."
  type        = bool
  default     = true
}
