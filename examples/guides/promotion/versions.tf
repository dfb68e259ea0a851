terraform {
  required_version = ">= 1.11"
  required_providers {
    diga = {
      source = "diga-io/diga"
    }
  }
}
