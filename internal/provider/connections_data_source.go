package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

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
	c := d.data.apiClient(&resp.Diagnostics)
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
