terraform {
  # Provider functions need 1.8; write-only attributes and ephemeral
  # variables 1.11.
  required_version = ">= 1.11"
  required_providers {
    diga = {
      source = "diga-io/diga"
    }
  }
}
