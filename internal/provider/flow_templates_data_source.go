package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

type flowTemplatesDataSource struct{ dataSourceBase }

func newFlowTemplatesDataSource() datasource.DataSource { return &flowTemplatesDataSource{} }

func (d *flowTemplatesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_flow_templates"
}

func (d *flowTemplatesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists Diga's flow templates (all pages). Templates are global, not per project.",
		Attributes: map[string]schema.Attribute{
			"language": schema.StringAttribute{
				MarkdownDescription: "Template language; Diga's default is `es`.",
				Optional:            true,
			},
			"flow_category": schema.StringAttribute{
				MarkdownDescription: "Only templates of this category.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(flowCategories...)},
			},
			"templates": schema.ListNestedAttribute{
				MarkdownDescription: "The templates.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: templateAttributes(true)},
			},
		},
	}
}

func (d *flowTemplatesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg struct {
		Language     types.String `tfsdk:"language"`
		FlowCategory types.String `tfsdk:"flow_category"`
		Templates    types.List   `tfsdk:"templates"`
	}
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	params := client.ListTemplatesParams{Language: cfg.Language.ValueString()}
	if !cfg.FlowCategory.IsNull() {
		fc := client.FlowCategory(cfg.FlowCategory.ValueString())
		params.FlowCategory = &fc
	}
	listed, err := c.ListTemplates(ctx, params)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to list flow templates", err, nil)
		return
	}
	addRepeatsWarning(&resp.Diagnostics, "templates", listed.Repeated)
	templates := listed.Items
	objType := types.ObjectType{AttrTypes: templateAttrTypes}
	items := make([]attr.Value, 0, len(templates))
	for i := range templates {
		obj, diags := types.ObjectValue(templateAttrTypes, templateObject(ctx, &templates[i], &resp.Diagnostics))
		resp.Diagnostics.Append(diags...)
		items = append(items, obj)
	}
	cfg.Templates = types.ListValueMust(objType, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
