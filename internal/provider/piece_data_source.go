package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

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
				Validators:          []validator.String{pathSegmentValidator{kind: "piece name"}},
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
	c := d.data.apiClient(&resp.Diagnostics)
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
