# A definition kept in its own JSON file (for example exported from Diga).
# Reformatting the file or reordering its keys plans no change.
resource "diga_flow" "lead_capture" {
  name       = "During-call lead capture"
  definition = file("${path.module}/flow.json")
  enabled    = true
}

# YAML works the same way:
#   definition = jsonencode(yamldecode(file("${path.module}/flow.yaml")))
