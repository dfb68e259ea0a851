terraform {
  # The module holds import blocks: Terraform 1.16 or later.
  required_version = ">= 1.16"

  required_providers {
    diga = {
      source = "diga-io/diga"
    }
  }
}
