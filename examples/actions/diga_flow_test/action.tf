# Run the whole flow's test on demand:
#   terraform apply -invoke=action.diga_flow_test.post_call
action "diga_flow_test" "post_call" {
  config {
    flow_id = diga_flow.post_call.id
  }
}
