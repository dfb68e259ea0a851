package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

var (
	_ datasource.DataSource                     = &agentDataSource{}
	_ datasource.DataSourceWithConfigure        = &agentDataSource{}
	_ datasource.DataSourceWithConfigValidators = &agentDataSource{}
)

// agentDataSource reads one voice agent, by id or by name: its draft, its
// published version and the phone numbers a release publishes on.
type agentDataSource struct{ dataSourceBase }

type agentDataModel struct {
	ID                     types.String `tfsdk:"id"`
	Name                   types.String `tfsdk:"name"`
	Mode                   types.String `tfsdk:"mode"`
	DraftVersionID         types.String `tfsdk:"draft_version_id"`
	DraftFlows             types.List   `tfsdk:"draft_flows"`
	PublishedVersionID     types.String `tfsdk:"published_version_id"`
	PublishedVersionNumber types.Int64  `tfsdk:"published_version_number"`
	PublishedFlows         types.List   `tfsdk:"published_flows"`
	InboundPhoneNumbers    types.List   `tfsdk:"inbound_phone_numbers"`
	OutboundPhoneNumbers   types.List   `tfsdk:"outbound_phone_numbers"`
}

var agentFlowType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id":     types.StringType,
	"name":   types.StringType,
	"status": types.StringType,
}}

var agentPhoneType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id":       types.StringType,
	"number":   types.StringType,
	"nickname": types.StringType,
}}

func newAgentDataSource() datasource.DataSource { return &agentDataSource{} }

func (d *agentDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent"
}

func agentFlowsAttribute(what string) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		MarkdownDescription: what,
		Computed:            true,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"id":   schema.StringAttribute{Computed: true, MarkdownDescription: "Flow id."},
			"name": schema.StringAttribute{Computed: true, MarkdownDescription: "The flow's name (null when Diga shows none)."},
			"status": schema.StringAttribute{Computed: true, MarkdownDescription: "`ENABLED` or `DISABLED` (null when " +
				"Diga shows none, e.g. for a flow that no longer exists)."},
		}},
	}
}

func agentPhonesAttribute(what string) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		MarkdownDescription: what,
		Computed:            true,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"id":       schema.StringAttribute{Computed: true, MarkdownDescription: "Phone number id."},
			"number":   schema.StringAttribute{Computed: true, MarkdownDescription: "The phone number, e.g. `+34910000000`."},
			"nickname": schema.StringAttribute{Computed: true, MarkdownDescription: "Its nickname in Diga (null when it has none)."},
		}},
	}
}

func (d *agentDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Diga voice agent, by `id` or by `name` (give exactly one): its draft's flows, " +
			"its published version (the one that takes calls) and the phone numbers it answers and calls from, which " +
			"are the numbers `diga_agent_flows` publishes a release on. By id it sends four requests (the draft, the " +
			"published version, the inbound and the outbound numbers); by name it lists the project's agents " +
			"instead of reading the draft (one request per 100 agents). A name held by no agent, or by several, is " +
			"an error.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The agent's id. Give this or `name`.",
				Optional:            true,
				Computed:            true,
				Validators: []validator.String{stringvalidator.RegexMatches(uuidPattern,
					"must be an agent id, a UUID such as 5b7e1c9a-0d2f-4e6b-8a1c-3f5d7b9e1a2c (the diga_agents data source lists them)")},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The agent's name, exactly as Diga shows it (case and spaces count). Give this " +
					"or `id`; the name must belong to exactly one agent of the project.",
				Optional: true,
				Computed: true,
			},
			"mode": schema.StringAttribute{
				MarkdownDescription: "`free` for a single-prompt agent, whose flows `diga_agent_flows` assigns; " +
					"`path` for an agent driven by a conversational path, whose flows are set on the path's nodes in " +
					"the Diga dashboard.",
				Computed: true,
			},
			"draft_version_id": schema.StringAttribute{
				MarkdownDescription: "The id of the agent's draft (the version edited in the dashboard; it takes no call).",
				Computed:            true,
			},
			"draft_flows": agentFlowsAttribute("The flows assigned to the draft: what the next release puts live."),
			"published_version_id": schema.StringAttribute{
				MarkdownDescription: "The published version, the one that takes calls; null when no version is " +
					"published.",
				Computed: true,
			},
			"published_version_number": schema.Int64Attribute{
				MarkdownDescription: "The published version's number (v1, v2, …); null when not published.",
				Computed:            true,
			},
			"published_flows": agentFlowsAttribute("The flows the published version runs: what callers get " +
				"(empty when the agent is not published)."),
			"inbound_phone_numbers":  agentPhonesAttribute("The phone numbers the agent answers."),
			"outbound_phone_numbers": agentPhonesAttribute("The phone numbers the agent calls from."),
		},
	}
}

func (d *agentDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *agentDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg agentDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	var draft client.Agent
	if !cfg.ID.IsNull() {
		id := cfg.ID.ValueString()
		a, err := c.GetAgent(ctx, id)
		switch {
		case client.IsNotFound(err):
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Agent not found",
				fmt.Sprintf("Diga has no agent with id %s in the project of the configured API key. The diga_agents "+
					"data source lists the project's agents; or look the agent up by name.", id))
			return
		case err != nil:
			addAPIError(&resp.Diagnostics, "Unable to read agent "+id, err, nil)
			return
		}
		draft = a
	} else {
		agents, err := c.ListAgents(ctx)
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to list agents", err, nil)
			return
		}
		a, problem := agentNamed(agents, cfg.Name.ValueString())
		if problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "No single agent with this name", problem)
			return
		}
		draft = a
	}

	pub, published, err := c.GetPublishedAgent(ctx, draft.ID)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to read the published version of agent "+draft.ID, err, nil)
		return
	}
	inbound, err := c.ListPhones(ctx, client.PhoneFilter{InboundAgentID: draft.ID})
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to list the phone numbers agent "+draft.ID+" answers", err, nil)
		return
	}
	outbound, err := c.ListPhones(ctx, client.PhoneFilter{OutboundAgentID: draft.ID})
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to list the phone numbers agent "+draft.ID+" calls from", err, nil)
		return
	}

	out := agentDataModel{
		ID:                     types.StringValue(draft.ID),
		Name:                   types.StringValue(draft.Name),
		Mode:                   stringOrNull(draft.Mode),
		DraftVersionID:         stringOrNull(draft.VersionID),
		DraftFlows:             agentFlowList(draft.Flows),
		PublishedVersionID:     types.StringNull(),
		PublishedVersionNumber: types.Int64Null(),
		PublishedFlows:         agentFlowList(nil),
		InboundPhoneNumbers:    agentPhoneList(inbound),
		OutboundPhoneNumbers:   agentPhoneList(outbound),
	}
	if published {
		out.PublishedVersionID = types.StringValue(pub.VersionID)
		out.PublishedVersionNumber = types.Int64Value(pub.VersionNumber)
		out.PublishedFlows = agentFlowList(pub.Flows)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

// agentNamed returns the one agent called name, or why there is none: no
// agent has the name (naming the agents whose name differs only in case or
// holds it), or several do (naming their ids).
func agentNamed(agents []client.Agent, name string) (client.Agent, string) {
	var exact []client.Agent
	var near []string
	lower := strings.ToLower(strings.TrimSpace(name))
	for _, a := range agents {
		switch {
		case a.Name == name:
			exact = append(exact, a)
		case lower != "" && strings.Contains(strings.ToLower(a.Name), lower):
			near = append(near, fmt.Sprintf("%q (%s)", a.Name, a.ID))
		}
	}
	switch len(exact) {
	case 1:
		return exact[0], ""
	case 0:
		msg := fmt.Sprintf("No agent of the project (%d searched) is named %q.", len(agents), name)
		if len(near) > 0 {
			sort.Strings(near)
			msg += " Agents with a similar name: " + strings.Join(near, ", ") + "."
		}
		return client.Agent{}, msg + " The name must match exactly, case and spaces included; the diga_agents " +
			"data source lists the agents, or give the agent's id instead."
	}
	ids := make([]string, len(exact))
	for i, a := range exact {
		ids[i] = a.ID
	}
	sort.Strings(ids)
	return client.Agent{}, fmt.Sprintf("%d agents are named %q: %s. Give the id of the one you mean instead of the "+
		"name (or rename the others in the Diga dashboard).", len(exact), name, strings.Join(ids, ", "))
}

func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func agentFlowList(flows []client.AgentFlow) types.List {
	elems := make([]attr.Value, len(flows))
	for i, f := range flows {
		elems[i] = types.ObjectValueMust(agentFlowType.AttrTypes, map[string]attr.Value{
			"id":     types.StringValue(f.ID),
			"name":   stringOrNull(f.Name),
			"status": stringOrNull(f.Status),
		})
	}
	return types.ListValueMust(agentFlowType, elems)
}

func agentPhoneList(phones []client.Phone) types.List {
	sorted := append([]client.Phone(nil), phones...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Number < sorted[j].Number })
	elems := make([]attr.Value, len(sorted))
	for i, p := range sorted {
		elems[i] = types.ObjectValueMust(agentPhoneType.AttrTypes, map[string]attr.Value{
			"id":       types.StringValue(p.ID),
			"number":   types.StringValue(p.Number),
			"nickname": stringOrNull(p.Nickname),
		})
	}
	return types.ListValueMust(agentPhoneType, elems)
}
