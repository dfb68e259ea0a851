variable "flow_id" {
  description = "Id of the flow to adopt, as the diga_flows data source lists it."
  type        = string
}

variable "name" {
  description = "Name of the flow: the one it has in the Diga UI, or a new one."
  type        = string
}

variable "enabled" {
  description = "Whether the flow is enabled."
  type        = bool
  default     = false
}
