package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
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

// This file holds the read-only views of Diga's catalogues: flow templates,
// pieces and the project's connections.

// ---------------------------------------------------------------- templates

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
	c := dataSourceClient(d.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	params := client.ListTemplatesParams{Language: cfg.Language.ValueString()}
	if !cfg.FlowCategory.IsNull() {
		fc := client.FlowCategory(cfg.FlowCategory.ValueString())
		params.FlowCategory = &fc
	}
	templates, err := c.ListTemplates(ctx, params)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to list flow templates", err, nil)
		return
	}
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
	c := dataSourceClient(d.data, &resp.Diagnostics)
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

// ------------------------------------------------------------------- pieces

var pieceCategories = []string{"AI", "COMMUNICATION", "SALES_AND_CRM", "MARKETING", "PRODUCTIVITY", "COMMERCE", "DEVELOPMENT"}

var pieceSummaryAttrTypes = map[string]attr.Type{
	"name":          types.StringType,
	"display_name":  types.StringType,
	"description":   types.StringType,
	"version":       types.StringType,
	"categories":    types.ListType{ElemType: types.StringType},
	"action_count":  types.Int64Type,
	"trigger_count": types.Int64Type,
}

func pieceSummaryValues(ctx context.Context, p *client.PieceSummary, diags *diag.Diagnostics) map[string]attr.Value {
	cats, d := types.ListValueFrom(ctx, types.StringType, nonNil(p.Categories))
	diags.Append(d...)
	return map[string]attr.Value{
		"name":          types.StringValue(p.Name),
		"display_name":  types.StringValue(p.DisplayName),
		"description":   types.StringPointerValue(p.Description),
		"version":       types.StringPointerValue(p.Version),
		"categories":    cats,
		"action_count":  types.Int64Value(int64(p.ActionCount)),
		"trigger_count": types.Int64Value(int64(p.TriggerCount)),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type piecesDataSource struct{ dataSourceBase }

func newPiecesDataSource() datasource.DataSource { return &piecesDataSource{} }

func (d *piecesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pieces"
}

func (d *piecesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the pieces (integrations) flows can use. The endpoint needs no API key.",
		Attributes: map[string]schema.Attribute{
			"search": schema.StringAttribute{MarkdownDescription: "Text to search for.", Optional: true},
			"categories": schema.ListAttribute{
				MarkdownDescription: "Only pieces in these categories.",
				ElementType:         types.StringType,
				Optional:            true,
				Validators:          []validator.List{listvalidator.ValueStringsAre(stringvalidator.OneOf(pieceCategories...))},
			},
			"pieces": schema.ListNestedAttribute{
				MarkdownDescription: "The pieces.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":          schema.StringAttribute{Computed: true, MarkdownDescription: "Piece name, as used in `settings.pieceName`."},
					"display_name":  schema.StringAttribute{Computed: true, MarkdownDescription: "Display name."},
					"description":   schema.StringAttribute{Computed: true, MarkdownDescription: "Description."},
					"version":       schema.StringAttribute{Computed: true, MarkdownDescription: "Version."},
					"categories":    schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Categories."},
					"action_count":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of actions."},
					"trigger_count": schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of triggers."},
				}},
			},
		},
	}
}

func (d *piecesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg struct {
		Search     types.String `tfsdk:"search"`
		Categories types.List   `tfsdk:"categories"`
		Pieces     types.List   `tfsdk:"pieces"`
	}
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	c := dataSourceClient(d.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	params := client.ListPiecesParams{Search: cfg.Search.ValueString()}
	if !cfg.Categories.IsNull() {
		resp.Diagnostics.Append(cfg.Categories.ElementsAs(ctx, &params.Categories, false)...)
	}
	pieces, err := c.ListPieces(ctx, params)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to list pieces", err, nil)
		return
	}
	items := make([]attr.Value, 0, len(pieces))
	for i := range pieces {
		obj, diags := types.ObjectValue(pieceSummaryAttrTypes, pieceSummaryValues(ctx, &pieces[i], &resp.Diagnostics))
		resp.Diagnostics.Append(diags...)
		items = append(items, obj)
	}
	cfg.Pieces = types.ListValueMust(types.ObjectType{AttrTypes: pieceSummaryAttrTypes}, items)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

var pieceOperationType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"name":         types.StringType,
	"display_name": types.StringType,
	"description":  types.StringType,
	"props":        types.StringType,
}}

type pieceDataSource struct{ dataSourceBase }

func newPieceDataSource() datasource.DataSource { return &pieceDataSource{} }

func (d *pieceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_piece"
}

func (d *pieceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	op := schema.ListNestedAttribute{
		Computed: true,
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"name":         schema.StringAttribute{Computed: true, MarkdownDescription: "Name, as used in `settings.actionName` / `settings.triggerName`."},
			"display_name": schema.StringAttribute{Computed: true, MarkdownDescription: "Display name."},
			"description":  schema.StringAttribute{Computed: true, MarkdownDescription: "Description."},
			"props":        schema.StringAttribute{Computed: true, MarkdownDescription: "Input properties as JSON."},
		}},
	}
	actions, triggers := op, op
	actions.MarkdownDescription = "The piece's actions."
	triggers.MarkdownDescription = "The piece's triggers."
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one piece with its actions and triggers. The endpoint needs no API key.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: "Piece name, e.g. `@activepieces/piece-slack`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"display_name": schema.StringAttribute{Computed: true, MarkdownDescription: "Display name."},
			"description":  schema.StringAttribute{Computed: true, MarkdownDescription: "Description."},
			"version":      schema.StringAttribute{Computed: true, MarkdownDescription: "Version."},
			"categories":   schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Categories."},
			"actions":      actions,
			"triggers":     triggers,
		},
	}
}

func (d *pieceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var name types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &name)...)
	c := dataSourceClient(d.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	p, err := c.GetPiece(ctx, name.ValueString())
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Piece not found",
			"Diga has no piece named "+name.ValueString()+". List them with the diga_pieces data source.")
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to read piece", err, nil)
		return
	}
	ops := func(list []client.PieceOperation) types.List {
		vals := make([]attr.Value, 0, len(list))
		for _, o := range list {
			props := types.StringNull()
			if len(o.Props) > 0 && string(o.Props) != "null" {
				props = types.StringValue(string(o.Props))
			}
			obj, diags := types.ObjectValue(pieceOperationType.AttrTypes, map[string]attr.Value{
				"name":         types.StringValue(o.Name),
				"display_name": types.StringValue(o.DisplayName),
				"description":  types.StringPointerValue(o.Description),
				"props":        props,
			})
			resp.Diagnostics.Append(diags...)
			vals = append(vals, obj)
		}
		return types.ListValueMust(pieceOperationType, vals)
	}
	cats, diags := types.ListValueFrom(ctx, types.StringType, nonNil(p.Categories))
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &struct {
		Name        types.String `tfsdk:"name"`
		DisplayName types.String `tfsdk:"display_name"`
		Description types.String `tfsdk:"description"`
		Version     types.String `tfsdk:"version"`
		Categories  types.List   `tfsdk:"categories"`
		Actions     types.List   `tfsdk:"actions"`
		Triggers    types.List   `tfsdk:"triggers"`
	}{
		Name: name, DisplayName: types.StringValue(p.DisplayName), Description: types.StringPointerValue(p.Description),
		Version: types.StringPointerValue(p.Version), Categories: cats, Actions: ops(p.Actions), Triggers: ops(p.Triggers),
	})...)
}

// -------------------------------------------------------------- connections

var connectionAttrTypes = map[string]attr.Type{
	"id":           types.StringType,
	"external_id":  types.StringType,
	"display_name": types.StringType,
	"piece_name":   types.StringType,
	"status":       types.StringType,
}

type connectionsDataSource struct{ dataSourceBase }

func newConnectionsDataSource() datasource.DataSource { return &connectionsDataSource{} }

func (d *connectionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_connections"
}

func (d *connectionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the project's piece connections (credentials) with their live status. A step uses " +
			"a connection as `{{connections['<external_id>']}}`.",
		Attributes: map[string]schema.Attribute{
			"connections": schema.ListNestedAttribute{
				MarkdownDescription: "The connections.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":           schema.StringAttribute{Computed: true, MarkdownDescription: "Connection id."},
					"external_id":  schema.StringAttribute{Computed: true, MarkdownDescription: "Id that steps reference."},
					"display_name": schema.StringAttribute{Computed: true, MarkdownDescription: "Display name."},
					"piece_name":   schema.StringAttribute{Computed: true, MarkdownDescription: "Piece the connection is for."},
					"status":       schema.StringAttribute{Computed: true, MarkdownDescription: "`ACTIVE` or `ERROR`."},
				}},
			},
		},
	}
}

func (d *connectionsDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	c := dataSourceClient(d.data, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	conns, err := c.ListConnections(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to list connections", err, nil)
		return
	}
	items := make([]attr.Value, 0, len(conns))
	for _, cn := range conns {
		obj, diags := types.ObjectValue(connectionAttrTypes, map[string]attr.Value{
			"id":           types.StringValue(cn.ID),
			"external_id":  types.StringValue(cn.ExternalID),
			"display_name": types.StringValue(cn.DisplayName),
			"piece_name":   types.StringValue(cn.PieceName),
			"status":       types.StringValue(cn.Status),
		})
		resp.Diagnostics.Append(diags...)
		items = append(items, obj)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("connections"),
		types.ListValueMust(types.ObjectType{AttrTypes: connectionAttrTypes}, items))...)
}
