terraform {
  required_providers {
    diga = {
      source = "diga-io/diga"
    }
  }
}
