# Terraform v1.12 and later: import by resource identity.
import {
  to = diga_flow.post_call_summary
  identity = {
    id = "lod6JEdKyPlvrnErdnrGa"
  }
}
