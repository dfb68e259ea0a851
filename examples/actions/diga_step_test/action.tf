# Test one step (here the trigger, by its name):
#   terraform apply -invoke=action.diga_step_test.trigger
action "diga_step_test" "trigger" {
  config {
    flow_id   = diga_flow.post_call.id
    step_name = "trigger"
  }
}
