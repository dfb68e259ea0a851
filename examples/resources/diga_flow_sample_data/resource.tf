# Sample data for a Diga function-call trigger, which cannot produce a
# sample by itself: tests of later steps use it as the trigger's output.
resource "diga_flow_sample_data" "function_call" {
  flow_id   = diga_flow.book_appointment.id
  step_name = "trigger"
  payload   = jsonencode({ arguments = { phone = "+34600000000" } })

  lifecycle {
    # An import of a new definition drops the draft's sample data.
    replace_triggered_by = [diga_flow.book_appointment.definition]
  }
}
