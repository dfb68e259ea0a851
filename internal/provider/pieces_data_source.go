package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

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
	c := d.data.apiClient(&resp.Diagnostics)
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
