data "diga_piece" "slack" {
  name = "@activepieces/piece-slack"
}

# The action names to use in a step's settings.actionName.
output "slack_actions" {
  value = [for a in data.diga_piece.slack.actions : a.name]
}
