import {
  to = diga_flow.post_call_summary
  id = "lod6JEdKyPlvrnErdnrGa"
}
