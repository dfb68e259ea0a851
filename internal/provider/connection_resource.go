package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

var (
	_ resource.Resource                   = &connectionResource{}
	_ resource.ResourceWithConfigure      = &connectionResource{}
	_ resource.ResourceWithValidateConfig = &connectionResource{}
	_ resource.ResourceWithImportState    = &connectionResource{}
	_ resource.ResourceWithModifyPlan     = &connectionResource{}
)

// connectionResource manages a piece connection (credential) of the project.
// Diga's API can create (upsert) and list connections but not delete them.
type connectionResource struct {
	data *providerData
}

type connectionModel struct {
	ID             types.String `tfsdk:"id"`
	ExternalID     types.String `tfsdk:"external_id"`
	PieceName      types.String `tfsdk:"piece_name"`
	DisplayName    types.String `tfsdk:"display_name"`
	Type           types.String `tfsdk:"type"`
	ValueWO        types.String `tfsdk:"value_wo"`
	ValueWOVersion types.String `tfsdk:"value_wo_version"`
	AdoptExisting  types.Bool   `tfsdk:"adopt_existing"`
	Status         types.String `tfsdk:"status"`
}

func newConnectionResource() resource.Resource { return &connectionResource{} }

func (r *connectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_connection"
}

func (r *connectionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A piece connection: the credentials a flow step uses, referenced in a definition as " +
			"`{{connections['<external_id>']}}`. The secret is a write-only attribute: Terraform sends it and never " +
			"stores it. Diga's API has no delete for connections: destroying this resource only removes it from " +
			"state, and the connection stays in Diga. A create never takes over an existing connection with the " +
			"same piece and display name (Diga's create is an upsert): the plan fails naming it, unless " +
			"`adopt_existing = true`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Connection id.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"external_id": schema.StringAttribute{
				MarkdownDescription: "Id a step uses to reference the connection: `{{connections['<external_id>']}}`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"piece_name": schema.StringAttribute{
				MarkdownDescription: "Piece the connection is for, e.g. `@activepieces/piece-slack`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replace,
			},
			"display_name": schema.StringAttribute{
				MarkdownDescription: "Display name of the connection in Diga. Whitespace-only names and names with " +
					"control or invisible characters get a warning at plan.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1), visibleNameValidator{}},
				PlanModifiers: replace,
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Kind of credential: one of `" + joinQuoted(client.ConnectionTypes()) + "`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf(client.ConnectionTypes()...)},
			},
			"value_wo": schema.StringAttribute{
				MarkdownDescription: "The credential as a JSON object whose fields depend on `type` (for `SECRET_TEXT`: " +
					"`jsonencode({ secret_text = \"...\" })`). Write-only (Terraform ≥ 1.11): never stored in state or " +
					"plan. It is sent on create and whenever `value_wo_version` changes.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{jsonObjectValidator{}},
			},
			"value_wo_version": schema.StringAttribute{
				MarkdownDescription: "Any value; change it to send `value_wo` again (for example after rotating the secret).",
				Optional:            true,
			},
			"adopt_existing": schema.BoolAttribute{
				MarkdownDescription: "What to do when, at create, Diga already has a connection with this `piece_name` " +
					"and `display_name`. `false` (the default): fail, naming it, before anything is sent. `true`: " +
					"adopt it — it becomes this resource, and its type and credentials are replaced by this " +
					"configuration's (`value_wo`). Only matters at create; two resources of one configuration can " +
					"never share a connection.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Live status reported by Diga: `ACTIVE` or `ERROR`.",
				Computed:            true,
			},
		},
	}
}

func joinQuoted(values []string) string {
	out := ""
	for i, v := range values {
		if i > 0 {
			out += "`, `"
		}
		out += v
	}
	return out
}

func (r *connectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (r *connectionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg connectionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !cfg.ValueWOVersion.IsNull() && cfg.ValueWO.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("value_wo_version"), "value_wo_version without value_wo",
			"value_wo_version only says when to send value_wo again; set value_wo too.")
	}
}

func upsertConnection(ctx context.Context, c *client.Client, cfg, plan connectionModel) (*client.Connection, error) {
	req := client.CreateConnectionRequest{
		PieceName:   plan.PieceName.ValueString(),
		DisplayName: plan.DisplayName.ValueString(),
		Type:        client.ConnectionType(plan.Type.ValueString()),
	}
	if !cfg.ValueWO.IsNull() && !cfg.ValueWO.IsUnknown() {
		req.Value = json.RawMessage(cfg.ValueWO.ValueString())
	}
	return c.UpsertConnection(ctx, req)
}

// ModifyPlan checks, for a connection about to be created (or replaced by
// one with another piece or display name), that it would not overwrite one
// Diga already holds or one another resource of this plan creates. A list
// that fails only warns: the apply checks again before it sends anything.
func (r *connectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil || r.data.deferred() {
		return // destroy, or the provider configuration is not known yet
	}
	c := r.data.apiClient(&resp.Diagnostics)
	var plan connectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state connectionModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() || (state.PieceName.Equal(plan.PieceName) && state.DisplayName.Equal(plan.DisplayName)) {
			return // the same connection: nothing new is created
		}
	}
	if plan.PieceName.IsUnknown() || plan.DisplayName.IsUnknown() {
		return // cannot be judged until apply, which checks
	}
	piece, display := plan.PieceName.ValueString(), plan.DisplayName.ValueString()
	key := connectionKey{project: r.data.project, pieceName: piece, displayName: display}
	if r.data.planned != nil && !r.data.planned.claim(key) {
		resp.Diagnostics.AddAttributeError(path.Root("display_name"), "Duplicate connection",
			fmt.Sprintf("Another diga_connection of this configuration also creates a connection for piece %q named %q. "+
				"Diga keys connections on the piece and the display name, so both would be one connection and the "+
				"second secret would overwrite the first. Give each resource its own display_name.", piece, display))
		return
	}
	conns, err := c.ListConnections(ctx)
	if err != nil {
		resp.Diagnostics.AddAttributeWarning(path.Root("display_name"), "Could not check for an existing connection",
			fmt.Sprintf("Listing the project's connections failed (%s), so the plan cannot tell whether Diga already "+
				"has a connection for piece %q named %q. The apply checks again before it sends anything.", err, piece, display))
		return
	}
	same, otherPiece := findConnection(conns, piece, display)
	switch {
	case same != nil && plan.AdoptExisting.IsUnknown():
		// Judged at apply, once adopt_existing is known.
	case same != nil && !plan.AdoptExisting.ValueBool():
		addConnectionExists(&resp.Diagnostics, same, "")
	case same != nil:
		resp.Diagnostics.AddAttributeWarning(path.Root("adopt_existing"), "Existing connection will be adopted",
			fmt.Sprintf("Diga already has a connection for piece %q named %q (id %s, external_id %s). With "+
				"adopt_existing = true the apply takes it over: it becomes this resource, and its type and credentials "+
				"are replaced by this configuration's.", same.PieceName, same.DisplayName, same.ID, same.ExternalID))
	case otherPiece != nil:
		resp.Diagnostics.AddAttributeWarning(path.Root("display_name"), "Display name used by another piece",
			fmt.Sprintf("Diga has a connection named %q for another piece, %q (id %s, external_id %s). The provider takes "+
				"Diga's upsert to be keyed on the piece and the display name, which Diga does not document; should it "+
				"be keyed on the display name alone, the apply would fail after Diga answered with that connection. "+
				"A display name of its own avoids the question.", otherPiece.DisplayName, otherPiece.PieceName, otherPiece.ID, otherPiece.ExternalID))
	}
}

// addConnectionExists reports an existing connection that a create would
// take over. after says what happened ("" when nothing was sent).
func addConnectionExists(diags *diag.Diagnostics, c *client.Connection, after string) {
	what := "Nothing was sent to Diga."
	if after != "" {
		what = after
	}
	diags.AddAttributeError(path.Root("display_name"), "Connection already exists",
		fmt.Sprintf("Diga already has a connection for piece %q named %q: id %s, external_id %s, status %s. Diga's "+
			"create is an upsert keyed on the piece and the display name, so creating this resource would overwrite that "+
			"connection's credentials. %s\n\nTo manage that connection with this resource, import it (terraform import "+
			"<address> %s) or set adopt_existing = true, which replaces its type and credentials with this configuration's. "+
			"Otherwise choose another display_name. A connection left in Diga by an earlier destroy (Diga cannot delete "+
			"connections) counts as existing too.", c.PieceName, c.DisplayName, c.ID, c.ExternalID, c.Status, what, c.ID))
}

func (r *connectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, cfg connectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...) // write-only values are only in the config
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	adopt := plan.AdoptExisting.ValueBool()
	key := connectionKey{project: r.data.project, pieceName: plan.PieceName.ValueString(), displayName: plan.DisplayName.ValueString()}

	// Check and upsert under one lock: another resource of this apply with
	// the same key waits, then finds this one's connection.
	unlock := connectionLocks.lock(key)
	defer unlock()
	conns, err := c.ListConnections(ctx)
	if err != nil && !adopt {
		resp.Diagnostics.AddAttributeError(path.Root("display_name"), "Unable to check for an existing connection",
			fmt.Sprintf("Listing the project's connections failed: %s. Without that list the provider cannot tell whether "+
				"this create would overwrite an existing connection, so nothing was sent. Run the apply again, or set "+
				"adopt_existing = true to accept taking over a connection with the same piece and display name.", err))
		return
	}
	existed := map[string]bool{}
	for _, conn := range conns {
		existed[conn.ID] = true
	}
	same, _ := findConnection(conns, key.pieceName, key.displayName)
	if same != nil && !adopt {
		addConnectionExists(&resp.Diagnostics, same, "")
		return
	}
	conn, err := upsertConnection(ctx, c, cfg, plan)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to create connection", err, nil)
		return
	}
	if existed[conn.ID] && !adopt {
		// Diga matched a connection the check did not: its key is not
		// (piece_name, display_name) compared exactly.
		addConnectionExists(&resp.Diagnostics, conn, fmt.Sprintf("Diga answered the create with that connection, which "+
			"existed before although its piece or display name differs from %q / %q, so its type and credentials were "+
			"overwritten. It was not added to the state.", key.pieceName, key.displayName))
		return
	}
	if same != nil {
		tflog.Info(ctx, "Adopted existing Diga connection", map[string]any{"connection_id": conn.ID})
	} else {
		tflog.Info(ctx, "Created Diga connection", map[string]any{"connection_id": conn.ID})
	}
	plan.fromConnection(conn)
	plan.ValueWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *connectionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state connectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.data.deferred() {
		return // the provider configuration is not known yet: keep the prior state
	}
	c := r.data.apiClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	conns, err := c.ListConnections(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to list connections", err, nil)
		return
	}
	for i := range conns {
		if conns[i].ID == state.ID.ValueString() {
			// Diga does not report the type; an imported connection gets it
			// (and its value) from the next apply.
			state.fromConnection(&conns[i])
			resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
			return
		}
	}
	tflog.Warn(ctx, "Diga connection not found; removing it from state", map[string]any{"connection_id": state.ID.ValueString()})
	resp.State.RemoveResource(ctx)
}

func (r *connectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, cfg, prior connectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resend := !plan.ValueWOVersion.Equal(prior.ValueWOVersion) || !plan.Type.Equal(prior.Type)
	if resend {
		// After an import the type is unknown (Diga does not report it):
		// sending it is no change of type, and the stored value stays.
		if cfg.ValueWO.IsNull() && !plan.Type.Equal(prior.Type) && !prior.Type.IsNull() {
			resp.Diagnostics.AddAttributeWarning(path.Root("type"), "Type changed without a value",
				"The connection's type changed but value_wo is not set, so Diga gets the new type without credentials.")
		}
		unlock := connectionLocks.lock(connectionKey{project: r.data.project, pieceName: plan.PieceName.ValueString(), displayName: plan.DisplayName.ValueString()})
		conn, err := upsertConnection(ctx, c, cfg, plan)
		unlock()
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to update connection", err, nil)
			return
		}
		if conn.ID != prior.ID.ValueString() {
			resp.Diagnostics.AddError("Connection identity changed",
				fmt.Sprintf("Diga answered the update of connection %s with another connection (%s). The upsert is keyed "+
					"differently than expected; import the connection you want to manage.", prior.ID.ValueString(), conn.ID))
			return
		}
		plan.fromConnection(conn)
	} else {
		plan.Status = prior.Status
	}
	plan.ValueWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *connectionResource) Delete(_ context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state connectionModel
	resp.Diagnostics.Append(req.State.Get(context.Background(), &state)...)
	resp.Diagnostics.AddWarning("Connection left in Diga",
		fmt.Sprintf("Diga's API cannot delete connections, so connection %q (%s) was only removed from the Terraform "+
			"state. Delete it in the Diga UI (Flows > Connections) if it is no longer needed.",
			state.DisplayName.ValueString(), state.ExternalID.ValueString()))
}

func (r *connectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if strings.TrimSpace(req.ID) == "" {
		resp.Diagnostics.AddError("Missing connection id",
			fmt.Sprintf("The import id is empty (%q). Import a connection by its Diga connection id, for example: "+
				"terraform import diga_connection.example <connection_id>; the diga_connections data source lists the ids.", req.ID))
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

func (m *connectionModel) fromConnection(c *client.Connection) {
	m.ID = types.StringValue(c.ID)
	m.ExternalID = types.StringValue(c.ExternalID)
	m.PieceName = types.StringValue(c.PieceName)
	m.DisplayName = types.StringValue(c.DisplayName)
	m.Status = types.StringValue(c.Status)
}
