# A flow is imported by its Diga flow id.
terraform import diga_flow.post_call_summary lod6JEdKyPlvrnErdnrGa
