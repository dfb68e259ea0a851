# A flow made in the Diga UI, adopted by its id. The import block is in
# the module (Terraform >= 1.16); once the flow is in state it does
# nothing, so it can stay.
import {
  to = diga_flow.this
  id = var.flow_id
}

# The definition is left out: it keeps following what is edited in the
# Diga UI. The name and the enabled state are managed.
resource "diga_flow" "this" {
  name    = var.name
  enabled = var.enabled
}
