# Bulk import with the import blocks inside the module (Terraform >= 1.16):
# the module adopts the flow whose id it is given, so the root module has
# no import block. Each instance gets its flow's id (the diga_flows data
# source lists them) and the values the flow has in the Diga UI.
module "flow" {
  source = "./modules/adopted-flow"
  for_each = {
    support = { id = "lod6JEdKyPlvrnErdnrGa", name = "Post-call summary", enabled = true }
    billing = { id = "Qm3vB8nTzK1wXp4sLd7Ra", name = "Invoice reminder", enabled = false }
  }

  flow_id = each.value.id
  name    = each.value.name
  enabled = each.value.enabled
}
