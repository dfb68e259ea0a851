terraform {
  required_providers {
    diga = {
      source = "diga-io/diga"
    }
  }
}

# The API key is best taken from the DIGA_API_KEY environment variable, so it
# never appears in configuration files.
provider "diga" {
  # api_key  = var.diga_api_key  # or DIGA_API_KEY
  # base_url = "https://api.diga.io" # or DIGA_BASE_URL
}
