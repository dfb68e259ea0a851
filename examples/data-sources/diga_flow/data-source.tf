# Read a flow made in the Diga UI, for example to copy its definition.
data "diga_flow" "existing" {
  id = "lod6JEdKyPlvrnErdnrGa"
}

output "existing_flow_status" {
  value = data.diga_flow.existing.status
}
