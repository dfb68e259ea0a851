resource "diga_flow" "post_call" {
  name = "Post-call notification"
}
