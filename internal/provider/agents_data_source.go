package provider

import (
	"context"
	"regexp"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

var (
	_ datasource.DataSource              = &agentsDataSource{}
	_ datasource.DataSourceWithConfigure = &agentsDataSource{}
)

// agentsDataSource lists the project's voice agents with the flows of
// their draft and of their published version.
type agentsDataSource struct{ dataSourceBase }

type agentsDataModel struct {
	Mode      types.String `tfsdk:"mode"`
	NameRegex types.String `tfsdk:"name_regex"`
	IDs       types.List   `tfsdk:"ids"`
	Agents    types.List   `tfsdk:"agents"`
}

var agentSummaryType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id":                       types.StringType,
	"name":                     types.StringType,
	"mode":                     types.StringType,
	"draft_flow_ids":           types.ListType{ElemType: types.StringType},
	"published_version_id":     types.StringType,
	"published_version_number": types.Int64Type,
	"published_flow_ids":       types.ListType{ElemType: types.StringType},
}}

func newAgentsDataSource() datasource.DataSource { return &agentsDataSource{} }

func (d *agentsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agents"
}

func (d *agentsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the voice agents of the project the API key belongs to, sorted by name, with " +
			"the flows of each one's draft and of its published version. Cost: one request per 100 agents for " +
			"the list, then **one request per listed agent** for its published version (agents the filters " +
			"leave out are not read). To read one agent with its phone numbers, use `diga_agent`.",
		Attributes: map[string]schema.Attribute{
			"mode": schema.StringAttribute{
				MarkdownDescription: "Only agents of this mode: `free` (single-prompt agents, the ones " +
					"`diga_agent_flows` assigns flows to) or `path` (conversational paths).",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(agentModeFree, agentModePath)},
			},
			"name_regex": schema.StringAttribute{
				MarkdownDescription: "Only agents whose name matches this regular expression (RE2 syntax, applied " +
					"by the provider), e.g. `(?i)support` for every agent with support in its name.",
				Optional:   true,
				Validators: []validator.String{regexValidator{}},
			},
			"ids": schema.ListAttribute{
				MarkdownDescription: "Ids of the listed agents, in the order of `agents`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"agents": schema.ListNestedAttribute{
				MarkdownDescription: "The listed agents.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":   schema.StringAttribute{Computed: true, MarkdownDescription: "Agent id."},
					"name": schema.StringAttribute{Computed: true, MarkdownDescription: "The agent's name."},
					"mode": schema.StringAttribute{Computed: true, MarkdownDescription: "`free` or `path`."},
					"draft_flow_ids": schema.ListAttribute{
						Computed: true, ElementType: types.StringType,
						MarkdownDescription: "Ids of the flows assigned to the draft (what the next release puts live).",
					},
					"published_version_id": schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "The published version, the one that takes calls (null when not published).",
					},
					"published_version_number": schema.Int64Attribute{
						Computed:            true,
						MarkdownDescription: "Its number (v1, v2, …; null when not published).",
					},
					"published_flow_ids": schema.ListAttribute{
						Computed: true, ElementType: types.StringType,
						MarkdownDescription: "Ids of the flows the published version runs (empty when not published).",
					},
				}},
			},
		},
	}
}

func (d *agentsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg agentsDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	agents, err := c.ListAgents(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to list agents", err, nil)
		return
	}
	var re *regexp.Regexp
	if !cfg.NameRegex.IsNull() && !cfg.NameRegex.IsUnknown() {
		re = regexp.MustCompile(cfg.NameRegex.ValueString()) // validated at plan time
	}
	mode := ""
	if !cfg.Mode.IsNull() && !cfg.Mode.IsUnknown() {
		mode = cfg.Mode.ValueString()
	}
	var listed []client.Agent
	for _, a := range agents {
		if (mode != "" && a.Mode != mode) || (re != nil && !re.MatchString(a.Name)) {
			continue
		}
		listed = append(listed, a)
	}
	sort.SliceStable(listed, func(i, j int) bool {
		if listed[i].Name != listed[j].Name {
			return listed[i].Name < listed[j].Name
		}
		return listed[i].ID < listed[j].ID
	})

	ids := make([]attr.Value, 0, len(listed))
	items := make([]attr.Value, 0, len(listed))
	for _, a := range listed {
		pub, published, err := c.GetPublishedAgent(ctx, a.ID)
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to read the published version of agent "+a.ID, err, nil)
			return
		}
		pubID, pubNumber, pubFlows := types.StringNull(), types.Int64Null(), stringListValue(nil)
		if published {
			pubID = types.StringValue(pub.VersionID)
			pubNumber = types.Int64Value(pub.VersionNumber)
			pubFlows = stringListValue(agentFlowIDsInOrder(pub))
		}
		ids = append(ids, types.StringValue(a.ID))
		items = append(items, types.ObjectValueMust(agentSummaryType.AttrTypes, map[string]attr.Value{
			"id":                       types.StringValue(a.ID),
			"name":                     types.StringValue(a.Name),
			"mode":                     stringOrNull(a.Mode),
			"draft_flow_ids":           stringListValue(agentFlowIDsInOrder(a)),
			"published_version_id":     pubID,
			"published_version_number": pubNumber,
			"published_flow_ids":       pubFlows,
		}))
	}
	cfg.IDs = types.ListValueMust(types.StringType, ids)
	cfg.Agents = types.ListValueMust(agentSummaryType, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// agentModeFree is the mode of a single-prompt agent, whose flows are its
// versions' flow_ids.
const agentModeFree = "free"

// agentFlowIDsInOrder returns the ids of an agent answer's flows in the
// order Diga gives them.
func agentFlowIDsInOrder(a client.Agent) []string {
	out := make([]string, len(a.Flows))
	for i, f := range a.Flows {
		out[i] = f.ID
	}
	return out
}

func stringListValue(ss []string) types.List {
	elems := make([]attr.Value, len(ss))
	for i, s := range ss {
		elems[i] = types.StringValue(s)
	}
	return types.ListValueMust(types.StringType, elems)
}
