# The flows assigned to an agent, by the agent's id (the diga_agent and
# diga_agents data sources show it). The imported resource has release =
# false until the configuration's value is applied.
terraform import diga_agent_flows.reception 5b7e1c9a-0d2f-4e6b-8a1c-3f5d7b9e1a2c
