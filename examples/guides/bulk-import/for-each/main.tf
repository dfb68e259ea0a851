# Bulk import, option A: adopt every existing flow at once with
# import blocks that use for_each over the diga_flows data source. The
# definitions stay unmanaged: they follow Diga. Option B generates them.
data "diga_flows" "all" {}

locals {
  flows = { for f in data.diga_flows.all.flows : f.id => f }
}

import {
  for_each = local.flows
  to       = diga_flow.adopted[each.key]
  id       = each.key
}

resource "diga_flow" "adopted" {
  for_each = local.flows
  name     = each.value.name
  enabled  = each.value.status == "ENABLED"
}
