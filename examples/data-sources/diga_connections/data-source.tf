data "diga_connections" "all" {}

# Connections in ERROR need new credentials.
output "broken_connections" {
  value = [for c in data.diga_connections.all.connections : c.display_name if c.status == "ERROR"]
}
