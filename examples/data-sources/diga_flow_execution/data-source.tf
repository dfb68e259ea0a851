# One run with the result of each step.
data "diga_flow_execution" "run" {
  id = "5xVpF0D1ezWX7WqK2aoZP"
}

output "failed_steps" {
  value = {
    for s in data.diga_flow_execution.run.steps : s.name => s.error_message
    if s.status == "FAILED"
  }
}
