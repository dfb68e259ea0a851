# <flow_id>/<step_name>/<INPUT|OUTPUT>
terraform import diga_flow_sample_data.function_call lod6JEdKyPlvrnErdnrGa/trigger/OUTPUT
