# Bulk import, option B: render one static import block per flow.
#   terraform apply                      (reads the flows; creates nothing)
#   terraform output -raw diga_import_blocks > imports.tf
#   terraform plan -generate-config-out=generated.tf
# Terraform writes each flow's configuration, definition included, into
# generated.tf; the next plan shows only the imports.
data "diga_flows" "all" {}

output "diga_import_blocks" {
  value = join("\n", [
    for f in data.diga_flows.all.flows : <<-EOT
      import {
        to = diga_flow.flow_${f.id}
        id = "${f.id}"
      }
    EOT
  ])
}
