package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

var (
	_ resource.Resource                = &flowResource{}
	_ resource.ResourceWithConfigure   = &flowResource{}
	_ resource.ResourceWithImportState = &flowResource{}
	_ resource.ResourceWithModifyPlan  = &flowResource{}
	_ resource.ResourceWithIdentity    = &flowResource{}
)

// flowIdentity is the resource identity of a flow (Terraform ≥ 1.12): its id.
type flowIdentity struct {
	ID types.String `tfsdk:"id"`
}

func (r *flowResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				Description:       "Flow id assigned by Diga.",
				RequiredForImport: true,
			},
		},
	}
}

// setIdentity records the flow's identity when Terraform supports identities.
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, id types.String, diags *diag.Diagnostics) {
	if identity == nil || id.IsNull() || id.IsUnknown() {
		return
	}
	diags.Append(identity.Set(ctx, flowIdentity{ID: id})...)
}

// flowResource manages one Diga flow: its name, its definition (the trigger
// and step tree), whether it is published and whether it is enabled.
type flowResource struct {
	data *providerData
}

// flowModel maps the diga_flow schema.
type flowModel struct {
	ID                  types.String   `tfsdk:"id"`
	Name                types.String   `tfsdk:"name"`
	Definition          types.String   `tfsdk:"definition"`
	Publish             types.Bool     `tfsdk:"publish"`
	Enabled             types.Bool     `tfsdk:"enabled"`
	PublishedHash       types.String   `tfsdk:"published_hash"`
	Status              types.String   `tfsdk:"status"`
	FlowCategory        types.String   `tfsdk:"flow_category"`
	Created             types.String   `tfsdk:"created"`
	Updated             types.String   `tfsdk:"updated"`
	ProducedVariables   types.List     `tfsdk:"produced_variables"`
	ConsumedVariables   types.List     `tfsdk:"consumed_variables"`
	TemplateID          types.String   `tfsdk:"template_id"`
	TemplateVariables   types.Map      `tfsdk:"template_variables"`
	TemplateConnections types.Map      `tfsdk:"template_connections"`
	Timeouts            timeouts.Value `tfsdk:"timeouts"`
}

// timeoutsAttrTypes is the object type of the timeouts block.
var timeoutsAttrTypes = map[string]attr.Type{
	"create": types.StringType, "update": types.StringType, "delete": types.StringType,
}

// Default limits of a whole create, update or delete, retries included;
// the timeouts block overrides them.
const (
	defaultCreateTimeout = 10 * time.Minute
	defaultUpdateTimeout = 10 * time.Minute
	defaultDeleteTimeout = 5 * time.Minute
)

// flowFieldPaths maps request body fields Diga may reject (422) to the
// attribute the user wrote.
var flowFieldPaths = map[string]path.Path{
	"body.name":        path.Root("name"),
	"body.displayName": path.Root("name"),
	"body.trigger":     path.Root("definition"),
	"body.status":      path.Root("enabled"),
}

func newFlowResource() resource.Resource {
	return &flowResource{}
}

func (r *flowResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_flow"
}

func (r *flowResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keepState := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Diga flow: a workflow automation made of a trigger and a chain of actions. " +
			"The provider creates the flow, imports its `definition` into the draft, publishes the draft " +
			"when the name or definition changed, and enables or disables the flow.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Flow id assigned by Diga.",
				Computed:            true,
				PlanModifiers:       keepState,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Display name of the flow. Changing it renames the flow in place.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"definition": schema.StringAttribute{
				MarkdownDescription: "The flow's trigger and steps as a JSON object: the shape of the `trigger` " +
					"of Diga's flow object (trigger → `nextAction` chain; `children` and `settings.branches` " +
					"for routers and loops). Write it with `jsonencode({...})` or `file(\"flow.json\")`. " +
					"Compared by meaning: key order, whitespace and keys Diga adds (such as `valid` or an " +
					"empty `sampleData`) never show as a change, while an edit made in the Diga UI does. " +
					"Leave it out to manage only the name and status; it then follows what Diga holds.",
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{definitionValidator{}},
				PlanModifiers: []planmodifier.String{definitionPlanModifier{}},
			},
			"publish": schema.BoolAttribute{
				MarkdownDescription: "Publish the draft after the name or definition changes (default `true`). " +
					"An apply that changes neither publishes nothing. With `false`, changes stay in the draft.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the flow runs (default `false`). Enabling needs a published version; " +
					"the provider checks the status Diga reports afterwards and fails rather than report a " +
					"flow enabled that is not.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"template_id": schema.StringAttribute{
				MarkdownDescription: "Create the flow as a copy of this Diga flow template (see the `diga_flow_templates` " +
					"data source). Only used when the flow is created; choosing another template replaces the flow, " +
					"removing the attribute does not. After creation the flow is managed like any other.",
				Optional:      true,
				Validators:    []validator.String{stringvalidator.RegexMatches(uuidPattern, "must be a template id (UUID)")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(templateChanged, "A different template replaces the flow.", "A different template replaces the flow.")},
			},
			"template_variables": schema.MapAttribute{
				MarkdownDescription: "Values for the template's `<<variable>>` placeholders. Every variable the template " +
					"lists must be given; this is checked at plan time.",
				ElementType:   types.StringType,
				Optional:      true,
				Validators:    []validator.Map{mapvalidator.AlsoRequires(path.MatchRoot("template_id"))},
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplaceIf(templateInputChanged, "Other template variables replace a flow made from a template.", "")},
			},
			"template_connections": schema.MapAttribute{
				MarkdownDescription: "Credentials for the connections the template needs, by the template's connection " +
					"`key` (the value's format depends on the connection type, e.g. a token for `SECRET_TEXT`).",
				ElementType:   types.StringType,
				Optional:      true,
				Sensitive:     true,
				Validators:    []validator.Map{mapvalidator.AlsoRequires(path.MatchRoot("template_id"))},
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplaceIf(templateInputChanged, "Other template connections replace a flow made from a template.", "")},
			},
			"published_hash": schema.StringAttribute{
				MarkdownDescription: "Fingerprint of the name and definition the provider last published. " +
					"A change of it in a plan means the apply publishes the flow.",
				Computed: true,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Status reported by Diga: `ENABLED` or `DISABLED`.",
				Computed:            true,
			},
			"flow_category": schema.StringAttribute{
				MarkdownDescription: "Category Diga derives from the flow's trigger and actions: `post_call`, " +
					"`during_call`, `pre_call`, `call_launcher` or `empty`.",
				Computed: true,
			},
			"created": schema.StringAttribute{
				MarkdownDescription: "Creation time (RFC 3339).",
				Computed:            true,
				PlanModifiers:       keepState,
			},
			"updated": schema.StringAttribute{
				MarkdownDescription: "Time of the last change (RFC 3339).",
				Computed:            true,
			},
			"produced_variables": schema.ListAttribute{
				MarkdownDescription: "Names of the dynamic variables the flow produces (pre-call flows).",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"consumed_variables": schema.ListAttribute{
				MarkdownDescription: "Names of the dynamic variables the flow consumes (during-call flows).",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *flowResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if pd, ok := configureClient(req.ProviderData, &resp.Diagnostics); ok {
		r.data = pd
	}
}

// client returns the API client, or adds an error when the provider
// configuration is not known.
func (r *flowResource) client(diags *diag.Diagnostics) *client.Client {
	if r.data == nil || r.data.client == nil {
		diags.AddError("Diga provider not configured",
			"The provider's api_key or base_url is not known yet. This happens when they come from a resource "+
				"that has not been created; apply that resource first (for example with -target).")
		return nil
	}
	return r.data.client
}

// ModifyPlan works out what the apply will do to the server-computed
// attributes, so that the plan says it and the result matches the plan.
func (r *flowResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan, state flowModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	creating := req.State.Raw.IsNull()
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	if creating && !plan.TemplateID.IsNull() && !plan.TemplateID.IsUnknown() {
		r.checkTemplateInputs(ctx, plan, &resp.Diagnostics)
	}
	if creating && plan.Enabled.ValueBool() && !plan.Publish.IsUnknown() && !plan.Publish.ValueBool() {
		// A new flow has no published version, and publish = false keeps it
		// that way; Diga would silently ignore the status change.
		resp.Diagnostics.AddAttributeError(path.Root("enabled"), "Flow cannot be enabled",
			"A new flow with publish = false is never published, and Diga only enables published flows. Set "+
				"publish = true (the default), or create the flow with enabled = false.")
	}

	// The status follows enabled, which the apply enforces and verifies.
	if !plan.Enabled.IsUnknown() {
		plan.Status = types.StringValue(statusFor(plan.Enabled.ValueBool()))
	} else {
		plan.Status = types.StringUnknown()
	}

	definitionChanges := creating || !plan.Definition.Equal(state.Definition)
	if definitionChanges {
		// Diga derives these from the definition.
		plan.FlowCategory = types.StringUnknown()
		plan.ProducedVariables = types.ListUnknown(types.StringType)
		plan.ConsumedVariables = types.ListUnknown(types.StringType)
	} else {
		plan.FlowCategory = state.FlowCategory
		plan.ProducedVariables = state.ProducedVariables
		plan.ConsumedVariables = state.ConsumedVariables
	}

	// What will be published.
	plan.PublishedHash = state.PublishedHash
	if creating {
		plan.PublishedHash = types.StringNull()
	}
	switch {
	case plan.Name.IsUnknown() || plan.Definition.IsUnknown() || plan.Publish.IsUnknown():
		if plan.Publish.IsUnknown() || plan.Publish.ValueBool() {
			plan.PublishedHash = types.StringUnknown()
		}
	case plan.Publish.ValueBool() && !plan.Definition.IsNull():
		def, err := flowdef.Parse(plan.Definition.ValueString())
		if err == nil && flowdef.Publishable(def) {
			plan.PublishedHash = types.StringValue(flowdef.Fingerprint(plan.Name.ValueString(), def))
		}
		if err == nil && !flowdef.Publishable(def) && plan.Enabled.ValueBool() {
			resp.Diagnostics.AddAttributeError(path.Root("enabled"), "Flow cannot be enabled",
				"enabled = true needs a published flow, and Diga cannot publish a flow whose trigger type is EMPTY. "+
					"Give the definition a trigger (type PIECE_TRIGGER), or set enabled = false.")
		}
	}

	// updated changes whenever the apply writes anything.
	if !creating && (!plan.Name.Equal(state.Name) || definitionChanges || !plan.Enabled.Equal(state.Enabled) ||
		!plan.PublishedHash.Equal(state.PublishedHash)) {
		plan.Updated = types.StringUnknown()
	} else if !creating {
		plan.Updated = state.Updated
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func statusFor(enabled bool) string {
	if enabled {
		return string(client.FlowStatusEnabled)
	}
	return string(client.FlowStatusDisabled)
}

func (r *flowResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan flowModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	c := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, d := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	var flow *client.Flow
	if !plan.TemplateID.IsNull() {
		flow = r.copyTemplate(ctx, c, plan, &resp.Diagnostics)
	} else {
		res, err := c.CreateFlow(ctx, plan.Name.ValueString())
		if err != nil {
			addAPIError(&resp.Diagnostics, "Unable to create flow", err, flowFieldPaths)
		} else {
			flow = res.Flow
			for _, w := range res.Warnings {
				resp.Diagnostics.AddWarning(w.Summary, w.Detail)
			}
		}
	}
	if flow == nil {
		return
	}
	tflog.Info(ctx, "Created Diga flow", map[string]any{"flow_id": flow.ID})

	// Record the flow before anything else can fail, so a failed definition
	// import or publish leaves a tracked (tainted) flow, never an orphan.
	state := plan
	state.PublishedHash = types.StringNull()
	resp.Diagnostics.Append(state.fromFlow(ctx, flow)...)
	state.Name = plan.Name
	if plan.Definition.IsUnknown() || plan.Definition.IsNull() {
		// Not managed: the definition follows what Diga holds.
		state.Definition = definitionFromServer(flow, types.StringNull())
	} else {
		state.Definition = types.StringNull() // not imported yet
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	r.apply(ctx, c, plan, &state, true, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *flowResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior flowModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	c := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, d := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	state := prior
	state.Publish = plan.Publish
	state.Timeouts = plan.Timeouts
	state.TemplateID = plan.TemplateID // only used at creation
	state.TemplateVariables = plan.TemplateVariables
	state.TemplateConnections = plan.TemplateConnections
	r.apply(ctx, c, plan, &state, false, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
}

// apply brings the flow in state to the plan: rename, import the
// definition, publish, then set the status and check it took. state is
// updated after each step that succeeded, so an error leaves state true to
// the server.
func (r *flowResource) apply(ctx context.Context, c *client.Client, plan flowModel, state *flowModel, created bool, diags *diag.Diagnostics) {
	id := state.ID.ValueString()
	fields := map[string]any{"flow_id": id}
	draftChanged := false
	var last *client.Flow

	if !created && !plan.Name.Equal(state.Name) {
		flow, err := c.RenameFlow(ctx, id, plan.Name.ValueString())
		if err != nil {
			addAPIError(diags, "Unable to rename flow", err, flowFieldPaths)
			return
		}
		tflog.Debug(ctx, "Renamed Diga flow", fields)
		last, draftChanged = flow, true
		diags.Append(state.fromFlow(ctx, flow)...)
		state.Name = plan.Name
	}

	var planDef map[string]any
	managed := !plan.Definition.IsNull() && !plan.Definition.IsUnknown()
	if managed {
		var err error
		if planDef, err = flowdef.Parse(plan.Definition.ValueString()); err != nil {
			diags.AddAttributeError(path.Root("definition"), "Invalid definition", err.Error())
			return
		}
	}
	if managed && (created || !plan.Definition.Equal(state.Definition)) {
		flow, err := c.ImportFlow(ctx, id, client.ImportFlowRequest{
			DisplayName: plan.Name.ValueString(),
			Trigger:     json.RawMessage(plan.Definition.ValueString()),
		})
		if err != nil {
			addAPIError(diags, "Unable to apply flow definition", err, flowFieldPaths)
			return
		}
		tflog.Debug(ctx, "Imported Diga flow definition", fields)
		last, draftChanged = flow, true
		diags.Append(state.fromFlow(ctx, flow)...)
		state.Name = plan.Name
		state.Definition = plan.Definition
		warnIfStoredDifferently(planDef, flow, diags)
	}
	if !managed && last != nil {
		state.Definition = definitionFromServer(last, types.StringNull())
	}

	// Publish when the draft changed, or when what is published is not what
	// the plan says should be (publish switched on, an earlier publish failed).
	wantHash := plan.PublishedHash
	if plan.Publish.ValueBool() && !wantHash.IsNull() && (draftChanged || !wantHash.Equal(state.PublishedHash) || wantHash.IsUnknown()) {
		def := planDef
		if def == nil {
			def, _ = flowdef.Parse(state.Definition.ValueString())
		}
		if def != nil && flowdef.Publishable(def) {
			flow, err := c.PublishFlow(ctx, id)
			if err != nil {
				addAPIError(diags, "Unable to publish flow", err, flowFieldPaths)
				return
			}
			tflog.Info(ctx, "Published Diga flow", fields)
			last = flow
			diags.Append(state.fromFlow(ctx, flow)...)
			state.PublishedHash = types.StringValue(flowdef.Fingerprint(plan.Name.ValueString(), def))
		}
	}
	if state.PublishedHash.IsUnknown() {
		state.PublishedHash = types.StringNull()
	}

	// Status: set it when it differs from what Diga reports, then verify.
	want := statusFor(plan.Enabled.ValueBool())
	if last == nil || last.Status == nil {
		flow, err := c.GetFlow(ctx, id)
		if err != nil {
			addAPIError(diags, "Unable to read flow", err, nil)
			return
		}
		last = flow
		diags.Append(state.fromFlow(ctx, flow)...)
	}
	if state.Status.ValueString() != want {
		flow, err := r.setStatus(ctx, c, id, want)
		if err != nil {
			addAPIError(diags, "Unable to change flow status", err, flowFieldPaths)
			return
		}
		diags.Append(state.fromFlow(ctx, flow)...)
		if state.Status.ValueString() != want {
			diags.AddAttributeError(path.Root("enabled"), "Diga did not change the flow's status",
				fmt.Sprintf("Diga accepted the request to set flow %s to %s but still reports it %s. Diga silently "+
					"ignores status changes on a flow that has never been published. Publish the flow first: "+
					"set publish = true with a definition whose trigger is not EMPTY, or publish it in the Diga UI.",
					id, want, state.Status.ValueString()))
			return
		}
		tflog.Info(ctx, "Changed Diga flow status", map[string]any{"flow_id": id, "status": want})
	}
	state.Enabled = plan.Enabled
	if state.FlowCategory.IsUnknown() {
		state.FlowCategory = types.StringNull()
	}
}

// checkTemplateInputs reads the template at plan time and reports every
// variable and connection it needs that the configuration does not give.
func (r *flowResource) checkTemplateInputs(ctx context.Context, plan flowModel, diags *diag.Diagnostics) {
	if r.data == nil || r.data.client == nil || plan.TemplateVariables.IsUnknown() || plan.TemplateConnections.IsUnknown() {
		return // checked by Diga at apply
	}
	t, err := r.data.client.GetTemplate(ctx, plan.TemplateID.ValueString())
	if client.IsNotFound(err) {
		diags.AddAttributeError(path.Root("template_id"), "Template not found",
			"Diga has no flow template with id "+plan.TemplateID.ValueString()+". List them with the diga_flow_templates data source.")
		return
	}
	if err != nil {
		tflog.Warn(ctx, "Could not read the flow template at plan time; Diga checks the variables at apply", map[string]any{"error": err.Error()})
		return
	}
	given := map[string]string{}
	if !plan.TemplateVariables.IsNull() {
		diags.Append(plan.TemplateVariables.ElementsAs(ctx, &given, false)...)
	}
	var missing []string
	for _, v := range t.Variables {
		if _, ok := given[v.Name]; !ok {
			missing = append(missing, v.Name)
		}
	}
	if len(missing) > 0 {
		diags.AddAttributeError(path.Root("template_variables"), "Missing template variables",
			fmt.Sprintf("Template %q (%s) needs values for: %s. Add them to template_variables.",
				t.Name, t.ID, strings.Join(missing, ", ")))
	}
	conns := map[string]string{}
	if !plan.TemplateConnections.IsNull() {
		diags.Append(plan.TemplateConnections.ElementsAs(ctx, &conns, false)...)
	}
	var missingConns []string
	for _, c := range t.Connections {
		if _, ok := conns[c.Key]; !ok {
			missingConns = append(missingConns, fmt.Sprintf("%s (%s)", c.Key, c.PieceName))
		}
	}
	if len(missingConns) > 0 {
		diags.AddAttributeWarning(path.Root("template_connections"), "Template connections not given",
			fmt.Sprintf("Template %q lists connections that template_connections does not give: %s. The flow's steps "+
				"that use them will not be valid until a connection is set up in Diga.", t.Name, strings.Join(missingConns, ", ")))
	}
}

// copyTemplate creates the flow from plan.TemplateID and reads it back; nil
// after an error diagnostic.
func (r *flowResource) copyTemplate(ctx context.Context, c *client.Client, plan flowModel, diags *diag.Diagnostics) *client.Flow {
	name := plan.Name.ValueString()
	req := &client.CopyTemplateRequest{FlowName: &name}
	if !plan.TemplateVariables.IsNull() {
		vars := map[string]string{}
		diags.Append(plan.TemplateVariables.ElementsAs(ctx, &vars, false)...)
		req.Variables = map[string]any{}
		for k, v := range vars {
			req.Variables[k] = v
		}
	}
	if !plan.TemplateConnections.IsNull() {
		conns := map[string]string{}
		diags.Append(plan.TemplateConnections.ElementsAs(ctx, &conns, false)...)
		for _, k := range sortedMapKeys(conns) {
			req.Connections = append(req.Connections, client.TemplateConnectionValue{Key: k, Value: conns[k]})
		}
	}
	if diags.HasError() {
		return nil
	}
	res, err := c.CopyTemplate(ctx, plan.TemplateID.ValueString(), req)
	if errors.Is(err, client.ErrCopyOutcomeUnknown) {
		diags.AddError("Unable to create flow from template",
			fmt.Sprintf("The answer to copying template %s was lost, so Diga may or may not hold a new flow named %q. "+
				"Check the flows in Diga: import it with terraform import, or delete it and apply again. (%s)",
				plan.TemplateID.ValueString(), name, err))
		return nil
	}
	if err != nil {
		addAPIError(diags, "Unable to create flow from template", err, map[string]path.Path{
			"body.variables":   path.Root("template_variables"),
			"body.connections": path.Root("template_connections"),
			"body.flow_name":   path.Root("name"),
		})
		return nil
	}
	flow, err := c.GetFlow(ctx, res.FlowID)
	if err != nil {
		diags.AddError("Unable to read the flow created from the template",
			fmt.Sprintf("Diga created flow %s from template %s, but reading it back failed: %s. The flow exists in Diga; "+
				"import it with: terraform import <address> %s", res.FlowID, plan.TemplateID.ValueString(), err, res.FlowID))
		return nil
	}
	return flow
}

func sortedMapKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// templateChanged replaces the flow only when one template is swapped for
// another; adding or removing template_id on an existing flow does not.
func templateChanged(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !req.StateValue.IsNull() && !req.PlanValue.IsNull() && !req.StateValue.Equal(req.PlanValue)
}

// templateInputChanged replaces a flow made from a template when the inputs
// of the copy change while the template stays.
func templateInputChanged(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
	var stateTemplate, planTemplate types.String
	req.State.GetAttribute(ctx, path.Root("template_id"), &stateTemplate)
	req.Plan.GetAttribute(ctx, path.Root("template_id"), &planTemplate)
	resp.RequiresReplace = !stateTemplate.IsNull() && stateTemplate.Equal(planTemplate) && !req.StateValue.Equal(req.PlanValue)
}

// setStatus changes the status and returns the flow as Diga then reports it,
// reading it back when the answer does not say.
func (r *flowResource) setStatus(ctx context.Context, c *client.Client, id, status string) (*client.Flow, error) {
	flow, err := c.SetFlowStatus(ctx, id, client.FlowStatus(status))
	if err != nil {
		return nil, err
	}
	if flow.Status == nil {
		return c.GetFlow(ctx, id)
	}
	return flow, nil
}

// warnIfStoredDifferently tells the user when Diga stored a definition that
// does not mean what was sent: the next plan will show the difference.
func warnIfStoredDifferently(sent map[string]any, got *client.Flow, diags *diag.Diagnostics) {
	if got.RawTrigger == nil {
		return
	}
	stored, err := flowdef.Parse(string(got.RawTrigger))
	if err != nil {
		return
	}
	if d := flowdef.Differences(sent, stored, 5); len(d) > 0 {
		diags.AddAttributeWarning(path.Root("definition"), "Diga stored a different definition",
			"Diga accepted the definition but answered with one that differs from the configuration; the next plan "+
				"will show the difference:\n  - "+strings.Join(d, "\n  - "))
	}
}

func (r *flowResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state flowModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The framework wants an identity after every successful read, also
	// when the resource is then removed from state; the id never changes.
	setIdentity(ctx, resp.Identity, state.ID, &resp.Diagnostics)
	if r.data != nil && r.data.client == nil {
		// Provider configuration unknown during plan: keep the prior state.
		return
	}
	c := r.client(&resp.Diagnostics)
	if c == nil {
		return
	}

	flow, err := c.GetFlow(ctx, state.ID.ValueString())
	if client.IsNotFound(err) {
		tflog.Warn(ctx, "Diga flow not found; removing it from state so it is planned for creation",
			map[string]any{"flow_id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to read flow", err, nil)
		return
	}

	resp.Diagnostics.Append(state.readFlow(ctx, flow)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// readFlow refreshes the model from a flow Diga returned. A model without
// `publish` comes from an import (or a listing): such a flow is taken as
// published as it stands, so the first plan after an import changes nothing
// and the next change of name or definition publishes.
func (m *flowModel) readFlow(ctx context.Context, flow *client.Flow) diag.Diagnostics {
	imported := m.Publish.IsNull()
	diags := m.fromFlow(ctx, flow)
	m.Name = types.StringPointerValue(flow.Name)
	m.Definition = definitionFromServer(flow, m.Definition)
	if flow.Status != nil {
		m.Enabled = types.BoolValue(*flow.Status == client.FlowStatusEnabled)
	}
	if imported {
		m.Publish = types.BoolValue(true)
		if m.Enabled.IsNull() {
			m.Enabled = types.BoolValue(false)
		}
		if def, err := flowdef.Parse(m.Definition.ValueString()); err == nil && flowdef.Publishable(def) {
			m.PublishedHash = types.StringValue(flowdef.Fingerprint(m.Name.ValueString(), def))
		}
	}
	if m.Timeouts.IsNull() || m.Timeouts.IsUnknown() {
		m.Timeouts = timeouts.Value{Object: types.ObjectNull(timeoutsAttrTypes)}
	}
	return diags
}

// definitionFromServer returns the state value for the definition Diga
// holds: the prior value when it means the same flow (so the user's text is
// kept), otherwise the server's definition without bookkeeping and without
// keys the prior value never had, so the plan shows just what changed.
func definitionFromServer(flow *client.Flow, prior types.String) types.String {
	if flow.RawTrigger == nil {
		return prior
	}
	server, err := flowdef.Parse(string(flow.RawTrigger))
	if err != nil {
		return prior
	}
	var ref any
	if !prior.IsNull() && !prior.IsUnknown() {
		if p, err := flowdef.Parse(prior.ValueString()); err == nil {
			if flowdef.Equivalent(p, server) {
				return prior
			}
			ref = p
		}
	}
	return types.StringValue(flowdef.Canonical(flowdef.Project(server, ref)))
}

func (r *flowResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state flowModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	c := r.client(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, d := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	err := c.DeleteFlow(ctx, state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "Unable to delete flow", err, nil)
		return
	}
	tflog.Info(ctx, "Deleted Diga flow", map[string]any{"flow_id": state.ID.ValueString()})
}

func (r *flowResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" && req.Identity != nil {
		// Terraform ≥ 1.12: import { identity = { id = "…" } }.
		resource.ImportStatePassthroughWithIdentity(ctx, path.Root("id"), path.Root("id"), req, resp)
		return
	}
	if strings.TrimSpace(req.ID) == "" {
		resp.Diagnostics.AddError("Missing flow id", "Import a flow by its Diga flow id, for example: terraform import diga_flow.example <flow_id>")
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
	setIdentity(ctx, resp.Identity, types.StringValue(req.ID), &resp.Diagnostics)
}

// fromFlow copies the server-computed fields of an answer into the model.
// Optional fields the answer omits (rename examples in Diga's docs carry no
// status or category) keep their prior value rather than being wiped.
func (m *flowModel) fromFlow(ctx context.Context, f *client.Flow) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID = types.StringValue(f.ID)
	if f.Status != nil {
		m.Status = types.StringValue(string(*f.Status))
	} else if m.Status.IsUnknown() {
		m.Status = types.StringNull()
	}
	if f.FlowCategory != nil {
		m.FlowCategory = types.StringValue(string(*f.FlowCategory))
	} else if m.FlowCategory.IsUnknown() {
		m.FlowCategory = types.StringNull()
	}
	m.Created = timeValue(f.Created)
	m.Updated = timeValue(f.Updated)
	m.ProducedVariables = mergeList(ctx, m.ProducedVariables, f.ProducedVariables, &diags)
	m.ConsumedVariables = mergeList(ctx, m.ConsumedVariables, f.ConsumedVariables, &diags)
	return diags
}

func timeValue(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339Nano))
}

// mergeList returns the answer's list when the field was present (nil means
// absent), otherwise the prior value, or an empty list when there was none.
func mergeList(ctx context.Context, prior types.List, got []string, diags *diag.Diagnostics) types.List {
	if got == nil {
		if prior.IsUnknown() || prior.IsNull() {
			return types.ListValueMust(types.StringType, []attr.Value{})
		}
		return prior
	}
	v, d := types.ListValueFrom(ctx, types.StringType, got)
	diags.Append(d...)
	if d.HasError() {
		return types.ListNull(types.StringType)
	}
	return v
}
