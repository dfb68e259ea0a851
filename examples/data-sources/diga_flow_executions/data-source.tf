# The failed runs of the last day, newest first.
data "diga_flow_executions" "failed_today" {
  flow_id       = "lod6JEdKyPlvrnErdnrGa"
  status        = "FAILED"
  created_after = timeadd(plantimestamp(), "-24h")
}

output "failed_run_ids" {
  value = data.diga_flow_executions.failed_today.executions[*].id
}
