package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

var templateConnectionType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"key":         types.StringType,
	"name":        types.StringType,
	"description": types.StringType,
	"piece_name":  types.StringType,
	"auth_type":   types.StringType,
}}

var templateAttrTypes = map[string]attr.Type{
	"id":              types.StringType,
	"name":            types.StringType,
	"language":        types.StringType,
	"description":     types.StringType,
	"flow_category":   types.StringType,
	"setup_guide_url": types.StringType,
	"definition":      types.StringType,
	"variables":       types.ListType{ElemType: types.StringType},
	"connections":     types.ListType{ElemType: templateConnectionType},
}

func templateAttributes(computedID bool) map[string]schema.Attribute {
	id := schema.StringAttribute{MarkdownDescription: "Template id (UUID).", Computed: true}
	attrs := map[string]schema.Attribute{
		"name":            schema.StringAttribute{MarkdownDescription: "Template name.", Computed: true},
		"language":        schema.StringAttribute{MarkdownDescription: "Language of the template (e.g. `es`, `en`).", Computed: true},
		"description":     schema.StringAttribute{MarkdownDescription: "What the template does.", Computed: true},
		"flow_category":   schema.StringAttribute{MarkdownDescription: "Category of the flows made from it.", Computed: true},
		"setup_guide_url": schema.StringAttribute{MarkdownDescription: "Setup guide.", Computed: true},
		"definition":      schema.StringAttribute{MarkdownDescription: "The template's flow definition (canonical JSON, `<<variable>>` placeholders kept).", Computed: true},
		"variables": schema.ListAttribute{
			MarkdownDescription: "Names of the `<<variable>>` placeholders a copy must fill (`template_variables` of `diga_flow`).",
			ElementType:         types.StringType, Computed: true,
		},
		"connections": schema.ListNestedAttribute{
			MarkdownDescription: "Connections a copy needs (`template_connections` of `diga_flow`, by `key`).",
			Computed:            true,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"key":         schema.StringAttribute{Computed: true, MarkdownDescription: "Key to give the connection under."},
				"name":        schema.StringAttribute{Computed: true, MarkdownDescription: "Connection name."},
				"description": schema.StringAttribute{Computed: true, MarkdownDescription: "Help text."},
				"piece_name":  schema.StringAttribute{Computed: true, MarkdownDescription: "Piece the connection is for."},
				"auth_type":   schema.StringAttribute{Computed: true, MarkdownDescription: "Kind of credential, e.g. `SECRET_TEXT`."},
			}},
		},
	}
	if computedID {
		attrs["id"] = id
	}
	return attrs
}

func templateObject(ctx context.Context, t *client.FlowTemplate, diags *diag.Diagnostics) map[string]attr.Value {
	def := types.StringNull()
	if len(t.Template) > 0 {
		if tree, err := flowdef.Parse(string(t.Template)); err == nil {
			// Templates may hold the bare trigger or an import body
			// ({displayName, schemaVersion, trigger}).
			if inner, ok := tree["trigger"].(map[string]any); ok {
				tree = inner
			}
			def = types.StringValue(flowdef.Canonical(flowdef.Project(tree, nil)))
		}
	}
	vars := make([]string, 0, len(t.Variables))
	for _, v := range t.Variables {
		vars = append(vars, v.Name)
	}
	varList, d := types.ListValueFrom(ctx, types.StringType, vars)
	diags.Append(d...)
	conns := make([]attr.Value, 0, len(t.Connections))
	for _, c := range t.Connections {
		obj, d := types.ObjectValue(templateConnectionType.AttrTypes, map[string]attr.Value{
			"key":         types.StringValue(c.Key),
			"name":        types.StringValue(c.Name),
			"description": types.StringPointerValue(c.Description),
			"piece_name":  types.StringValue(c.PieceName),
			"auth_type":   types.StringValue(c.AuthType),
		})
		diags.Append(d...)
		conns = append(conns, obj)
	}
	var category types.String
	if t.FlowCategory != nil {
		category = types.StringValue(string(*t.FlowCategory))
	} else {
		category = types.StringNull()
	}
	return map[string]attr.Value{
		"id":              types.StringValue(t.ID),
		"name":            types.StringValue(t.Name),
		"language":        types.StringValue(t.Language),
		"description":     types.StringPointerValue(t.Description),
		"flow_category":   category,
		"setup_guide_url": types.StringPointerValue(t.SetupGuideURL),
		"definition":      def,
		"variables":       varList,
		"connections":     types.ListValueMust(templateConnectionType, conns),
	}
}

type flowTemplateDataSource struct{ dataSourceBase }

func newFlowTemplateDataSource() datasource.DataSource { return &flowTemplateDataSource{} }

func (d *flowTemplateDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_flow_template"
}

func (d *flowTemplateDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := templateAttributes(false)
	attrs["id"] = schema.StringAttribute{
		MarkdownDescription: "Template id (UUID).",
		Required:            true,
		Validators:          []validator.String{stringvalidator.RegexMatches(uuidPattern, "must be a UUID")},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Diga flow template, with the variables and connections a copy needs.",
		Attributes:          attrs,
	}
}

func (d *flowTemplateDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var id types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("id"), &id)...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	t, err := c.GetTemplate(ctx, id.ValueString())
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Template not found",
			"Diga has no flow template with id "+id.ValueString()+". List them with the diga_flow_templates data source.")
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to read flow template", err, nil)
		return
	}
	obj, diags := types.ObjectValue(templateAttrTypes, templateObject(ctx, t, &resp.Diagnostics))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, obj)...)
}
