package provider

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

var (
	_ datasource.DataSource              = &flowsDataSource{}
	_ datasource.DataSourceWithConfigure = &flowsDataSource{}
)

// flowsDataSource lists every flow of the project, all pages.
type flowsDataSource struct{ dataSourceBase }

type flowsDataModel struct {
	Status        types.String `tfsdk:"status"`
	FlowCategory  types.String `tfsdk:"flow_category"`
	IsDigaTrigger types.Bool   `tfsdk:"is_diga_trigger"`
	NameRegex     types.String `tfsdk:"name_regex"`
	IDs           types.List   `tfsdk:"ids"`
	Flows         types.List   `tfsdk:"flows"`
}

var flowSummaryType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id":            types.StringType,
	"name":          types.StringType,
	"status":        types.StringType,
	"flow_category": types.StringType,
	"created":       types.StringType,
	"updated":       types.StringType,
}}

var (
	flowStatuses   = []string{string(client.FlowStatusEnabled), string(client.FlowStatusDisabled)}
	flowCategories = []string{
		string(client.FlowCategoryPostCall), string(client.FlowCategoryDuringCall), string(client.FlowCategoryPreCall),
		string(client.FlowCategoryCallLauncher), string(client.FlowCategoryEmpty),
	}
)

func newFlowsDataSource() datasource.DataSource { return &flowsDataSource{} }

func (d *flowsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_flows"
}

func (d *flowsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every flow of the project the API key belongs to, following Diga's cursor " +
			"pagination to the end (the API serves at most 30 flows a page). Newest first.",
		Attributes: map[string]schema.Attribute{
			"status": schema.StringAttribute{
				MarkdownDescription: "Only flows with this status: `ENABLED` or `DISABLED` (filtered by Diga).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(flowStatuses...)},
			},
			"flow_category": schema.StringAttribute{
				MarkdownDescription: "Only flows of this category (filtered by Diga).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(flowCategories...)},
			},
			"is_diga_trigger": schema.BoolAttribute{
				MarkdownDescription: "Only flows whose trigger is (`true`) or is not (`false`) a Diga trigger (filtered by Diga).",
				Optional:            true,
			},
			"name_regex": schema.StringAttribute{
				MarkdownDescription: "Only flows whose name matches this regular expression (RE2 syntax, applied by the provider).",
				Optional:            true,
				Validators:          []validator.String{regexValidator{}},
			},
			"ids": schema.ListAttribute{
				MarkdownDescription: "Ids of the matching flows, in the order of `flows`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"flows": schema.ListNestedAttribute{
				MarkdownDescription: "The matching flows.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":            schema.StringAttribute{Computed: true, MarkdownDescription: "Flow id."},
					"name":          schema.StringAttribute{Computed: true, MarkdownDescription: "Display name."},
					"status":        schema.StringAttribute{Computed: true, MarkdownDescription: "`ENABLED` or `DISABLED`."},
					"flow_category": schema.StringAttribute{Computed: true, MarkdownDescription: "Category."},
					"created":       schema.StringAttribute{Computed: true, MarkdownDescription: "Creation time (RFC 3339)."},
					"updated":       schema.StringAttribute{Computed: true, MarkdownDescription: "Time of the last change (RFC 3339)."},
				}},
			},
		},
	}
}

func (d *flowsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg flowsDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	params, re := flowFilter(cfg.Status, cfg.FlowCategory, cfg.IsDigaTrigger, cfg.NameRegex)

	listed, err := c.ListFlows(ctx, params)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to list flows", err, nil)
		return
	}
	addRepeatsWarning(&resp.Diagnostics, "flows", listed.Repeated)
	flows := listed.Items
	ids := make([]attr.Value, 0, len(flows))
	items := make([]attr.Value, 0, len(flows))
	for i := range flows {
		f := &flows[i]
		name := ""
		if f.Name != nil {
			name = *f.Name
		}
		if re != nil && !re.MatchString(name) {
			continue
		}
		var m flowModel
		resp.Diagnostics.Append(m.fromFlow(ctx, f)...)
		obj, diags := types.ObjectValue(flowSummaryType.AttrTypes, map[string]attr.Value{
			"id":            m.ID,
			"name":          types.StringPointerValue(f.Name),
			"status":        m.Status,
			"flow_category": m.FlowCategory,
			"created":       m.Created,
			"updated":       m.Updated,
		})
		resp.Diagnostics.Append(diags...)
		ids = append(ids, m.ID)
		items = append(items, obj)
	}
	cfg.IDs = types.ListValueMust(types.StringType, ids)
	cfg.Flows = types.ListValueMust(flowSummaryType, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// flowFilter turns the filter attributes shared by the diga_flows data
// source and the diga_flow list resource into list parameters (filtered by
// Diga, at its largest page size) and a name matcher (applied here; nil when
// unset). The expression was validated at plan time.
func flowFilter(status, category types.String, isDigaTrigger types.Bool, nameRegex types.String) (client.ListFlowsParams, *regexp.Regexp) {
	params := client.ListFlowsParams{Limit: 30}
	if !status.IsNull() && !status.IsUnknown() {
		s := client.FlowStatus(status.ValueString())
		params.Status = &s
	}
	if !category.IsNull() && !category.IsUnknown() {
		fc := client.FlowCategory(category.ValueString())
		params.FlowCategory = &fc
	}
	if !isDigaTrigger.IsNull() && !isDigaTrigger.IsUnknown() {
		b := isDigaTrigger.ValueBool()
		params.IsDigaTrigger = &b
	}
	var re *regexp.Regexp
	if !nameRegex.IsNull() && !nameRegex.IsUnknown() {
		re = regexp.MustCompile(nameRegex.ValueString())
	}
	return params, re
}

// regexValidator checks a regular expression compiles (RE2).
type regexValidator struct{}

func (regexValidator) Description(context.Context) string {
	return "must be a valid RE2 regular expression"
}
func (v regexValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (regexValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := regexp.Compile(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid regular expression",
			"name_regex must be an RE2 regular expression: "+err.Error())
	}
}
