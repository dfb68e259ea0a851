package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

var (
	_ datasource.DataSource              = &flowDataSource{}
	_ datasource.DataSourceWithConfigure = &flowDataSource{}
)

// flowDataSource reads one flow by id.
type flowDataSource struct{ dataSourceBase }

type flowDataModel struct {
	ID                types.String `tfsdk:"id"`
	Name              types.String `tfsdk:"name"`
	Definition        types.String `tfsdk:"definition"`
	Enabled           types.Bool   `tfsdk:"enabled"`
	Status            types.String `tfsdk:"status"`
	FlowCategory      types.String `tfsdk:"flow_category"`
	Created           types.String `tfsdk:"created"`
	Updated           types.String `tfsdk:"updated"`
	ProducedVariables types.List   `tfsdk:"produced_variables"`
	ConsumedVariables types.List   `tfsdk:"consumed_variables"`
}

func newFlowDataSource() datasource.DataSource { return &flowDataSource{} }

func (d *flowDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_flow"
}

func (d *flowDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Diga flow by id, including its definition (the draft, as Diga returns it).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Flow id.",
				Required:            true,
				Validators:          []validator.String{pathSegmentValidator{kind: "flow id"}},
			},
			"name":               schema.StringAttribute{MarkdownDescription: "Display name of the flow.", Computed: true},
			"definition":         schema.StringAttribute{MarkdownDescription: "The flow's trigger and steps as canonical JSON (server bookkeeping such as `valid` flags removed).", Computed: true},
			"enabled":            schema.BoolAttribute{MarkdownDescription: "Whether the flow is enabled.", Computed: true},
			"status":             schema.StringAttribute{MarkdownDescription: "`ENABLED` or `DISABLED`.", Computed: true},
			"flow_category":      schema.StringAttribute{MarkdownDescription: "Category Diga derives from the trigger and actions.", Computed: true},
			"created":            schema.StringAttribute{MarkdownDescription: "Creation time (RFC 3339).", Computed: true},
			"updated":            schema.StringAttribute{MarkdownDescription: "Time of the last change (RFC 3339).", Computed: true},
			"produced_variables": schema.ListAttribute{MarkdownDescription: "Dynamic variables the flow produces.", ElementType: types.StringType, Computed: true},
			"consumed_variables": schema.ListAttribute{MarkdownDescription: "Dynamic variables the flow consumes.", ElementType: types.StringType, Computed: true},
		},
	}
}

func (d *flowDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg flowDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	flow, err := c.GetFlow(ctx, cfg.ID.ValueString())
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Flow not found",
			"Diga has no flow with id "+cfg.ID.ValueString()+" in the project of the configured API key.")
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to read flow", err, nil)
		return
	}
	var m flowModel
	resp.Diagnostics.Append(m.fromFlow(ctx, flow)...)
	out := flowDataModel{
		ID:                m.ID,
		Name:              types.StringPointerValue(flow.Name),
		Definition:        definitionFromServer(flow, definitionNull()).StringValue,
		Status:            m.Status,
		FlowCategory:      m.FlowCategory,
		Created:           m.Created,
		Updated:           m.Updated,
		ProducedVariables: m.ProducedVariables,
		ConsumedVariables: m.ConsumedVariables,
		Enabled:           types.BoolNull(),
	}
	if flow.Status != nil {
		out.Enabled = types.BoolValue(*flow.Status == client.FlowStatusEnabled)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}
