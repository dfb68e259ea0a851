package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	"github.com/hashicorp/terraform-plugin-go/tftypes"
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
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, id types.String) {
	if identity == nil || identity.Schema == nil || id.IsNull() || id.IsUnknown() {
		return
	}
	// Built directly rather than by reflection (identity.Set): a Read of
	// every flow in a plan sets it.
	value := tftypes.NewValue(identity.Schema.Type().TerraformType(ctx), map[string]tftypes.Value{
		"id": tftypes.NewValue(tftypes.String, id.ValueString()),
	})
	if !identity.Raw.Equal(value) {
		identity.Raw = value
	}
}

// flowResource manages one Diga flow: its name, its definition (the trigger
// and step tree), whether it is published and whether it is enabled.
type flowResource struct {
	data *providerData
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
				MarkdownDescription: "Display name of the flow. Changing it renames the flow in place. A name that is " +
					"only whitespace, or holds control or invisible characters (such as U+200B ZERO WIDTH SPACE or bidi " +
					"controls), gets a warning at plan: Diga accepts it, but people cannot see it.",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), visibleNameValidator{}},
			},
			"definition": schema.StringAttribute{
				MarkdownDescription: "The flow's trigger and steps as a JSON object: the shape of the `trigger` " +
					"of Diga's flow object (trigger → `nextAction` chain; a router's branches in `settings.branches` " +
					"and their first steps in `children`; a loop's body in `firstLoopAction`, or, as older " +
					"configurations write it, in `children`). Write it with `jsonencode({...})` or `file(\"flow.json\")`. " +
					"Write the short form: the provider sends the complete tree the Activepieces engine behind Diga " +
					"imports, filling in the trigger's `name` (always `\"trigger\"`), `valid`, `displayName` (the step's " +
					"name), `lastUpdatedDate`, `settings.input` and `propertySettings`, each piece's `pieceVersion` " +
					"(the one Diga's catalogue offers), a router's `executionType` (`EXECUTE_FIRST_MATCH`) and a CODE " +
					"step's `sourceCode.packageJson` (`\"{}\"`); what you write is kept. " +
					"Compared by meaning: key order, whitespace and what is filled in never show as a change, while " +
					"an edit made in the Diga UI does (see the guide on what Diga's answers can show). " +
					"Leave it out to manage only the name and status: the draft then belongs to the Diga UI, this " +
					"attribute follows what Diga holds, and Terraform never publishes it. " +
					"Checked at plan time against the engine's rules (step names of letters, digits and `_`; router " +
					"branches with `branchName`, `branchType` and conditions; CODE with `sourceCode.code`; pieces, " +
					"actions, required inputs and connections against Diga's catalogue) and against limits that keep every flow readable " +
					"back from Diga: at most " + fmt.Sprintf("%d", flowdef.MaxDefinitionBytes>>20) + " MiB as compact JSON, " +
					fmt.Sprintf("%d steps and steps nested at most %d levels deep ", flowdef.MaxSteps, flowdef.MaxStepDepth) +
					"(each step of a `nextAction` chain and the first step of a branch or loop body is one level), " +
					fmt.Sprintf("objects and arrays nested at most %d levels, ", flowdef.MaxJSONDepth) +
					"and numbers within the range of a 64-bit float (no `1e400`).",
				Optional:   true,
				Computed:   true,
				CustomType: definitionType{},
				Validators: []validator.String{definitionValidator{}},
			},
			"publish": schema.BoolAttribute{
				MarkdownDescription: "Publish the configured `definition` after the name or definition changes (default " +
					"`true`). An apply that changes neither publishes nothing. With `false`, changes stay in the draft. " +
					"Terraform publishes only what it wrote: without `definition` the draft belongs to the Diga UI and is " +
					"never published by Terraform.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"test_before_publish": schema.BoolAttribute{
				MarkdownDescription: "Run Diga's full-flow test on the draft before every publish this resource makes " +
					"(default `false`). The test runs the freshly imported draft end to end on the stored sample " +
					"data (see `diga_flow_sample_data`) and really executes its steps. A run whose status is not " +
					"`SUCCEEDED` fails the apply with the failing step and Diga's error message; nothing is published, " +
					"the previously published version keeps running, state records the draft as written and " +
					"`published_hash` keeps its value, so the next plan still shows the publish and, once the flow " +
					"is fixed, the next apply tests and publishes it. Diga takes up to about two minutes per test.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
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
					"`key` (the value's format depends on the connection type, e.g. a token for `SECRET_TEXT`). " +
					"Sensitive, so hidden in plan output, but **stored in the state and in saved plan files**; " +
					"prefer `template_connections_wo` (Terraform ≥ 1.11), which never is. Other values replace a " +
					"flow made from the template.",
				ElementType: types.StringType,
				Optional:    true,
				Sensitive:   true,
				Validators: []validator.Map{
					mapvalidator.AlsoRequires(path.MatchRoot("template_id")),
					mapvalidator.ConflictsWith(path.MatchRoot("template_connections_wo")),
				},
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplaceIf(templateInputChanged, "Other template connections replace a flow made from a template.", "")},
			},
			"template_connections_wo": schema.MapAttribute{
				MarkdownDescription: "Write-only counterpart of `template_connections` (Terraform ≥ 1.11): the same " +
					"credentials by connection `key`, sent when the flow is created from the template and never " +
					"stored in the state or in plan files. Terraform cannot tell when a write-only value changes, " +
					"and the template's connections are only used when the flow is created: to send new values, " +
					"change `template_connections_wo_version`, which replaces the flow.",
				ElementType: types.StringType,
				Optional:    true,
				Sensitive:   true,
				WriteOnly:   true,
				Validators: []validator.Map{
					mapvalidator.AlsoRequires(path.MatchRoot("template_id")),
					mapvalidator.ConflictsWith(path.MatchRoot("template_connections")),
				},
			},
			"template_connections_wo_version": schema.StringAttribute{
				MarkdownDescription: "Any value, stored in state; changing it on a flow made from the template " +
					"**replaces the flow** (deletes it and copies the template again) so that " +
					"`template_connections_wo` is sent again. Needs `template_connections_wo`.",
				Optional: true,
				Validators: []validator.String{
					stringvalidator.AlsoRequires(path.MatchRoot("template_connections_wo")),
				},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(templateVersionChanged,
					"A new template_connections_wo_version replaces a flow made from a template.", "")},
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
	r.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan decides what the apply will do (decideFlow) and plans the
// computed attributes from that decision, so that the plan says it and
// the apply's result matches the plan. Configurations the apply could never
// carry out are refused here, before anything is sent.
func (r *flowResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		var id, name types.String
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("name"), &name)...)
		r.data.planFlowRemoval(ctx, id, name, false, &resp.Diagnostics)
		return // destroy
	}
	var plan, state flowModel
	var configured definitionValue
	resp.Diagnostics.Append(getFlowModel(ctx, req.Plan.Raw, &plan)...)
	proposed := plan
	resp.Diagnostics.Append(configuredDefinition(ctx, req.Config.Raw, &configured)...)
	creating := req.State.Raw.IsNull()
	if creating {
		state = emptyFlowModel()
	} else {
		resp.Diagnostics.Append(getFlowModel(ctx, req.State.Raw, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	if creating && !plan.TemplateID.IsNull() && !plan.TemplateID.IsUnknown() {
		// Write-only values are only in the configuration.
		connsAttr, conns := templateConnectionsOf(ctx, plan, req.Config, &resp.Diagnostics)
		r.checkTemplateInputs(ctx, plan, connsAttr, conns, &resp.Diagnostics)
	}
	facts, def := flowFactsOf(configured, plan, state, creating, !creating && writtenByTerraform(ctx, req.Private))
	d := decideFlow(facts)
	addFlowProblems(&resp.Diagnostics, d.Problems)
	if !creating && len(resp.RequiresReplace) > 0 {
		r.data.planFlowRemoval(ctx, state.ID, state.Name, true, &resp.Diagnostics)
	} else if !creating {
		r.data.planFlowAgents(plan.ID, plan.Name, plan.Enabled, def)
	}
	if facts.Definition == defChanged {
		// Only a definition the apply imports: one already in Diga was
		// accepted, and a catalogue that changed since must not block
		// plans that do not touch it.
		refused := r.checkCatalog(ctx, def, &resp.Diagnostics)
		addJobWarnings(&resp.Diagnostics, def, refused)
	}

	planComputed(&plan, state, facts, def, d)
	if !plan.sameAs(proposed) {
		resp.Diagnostics.Append(setFlowModel(ctx, &resp.Plan.Raw, &plan)...)
	}
}

// privateDefinitionKey is the private state key recording whether state's
// definition is the text Terraform last wrote ({"written":true}), not one
// read back from Diga.
const privateDefinitionKey = "definition"

// privateState is what the framework's request and response private states
// offer.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

func writtenByTerraform(ctx context.Context, p privateState) bool {
	b, _ := p.GetKey(ctx, privateDefinitionKey) // nil-safe: no private state is none written
	return string(b) == `{"written":true}`
}

func setWrittenByTerraform(ctx context.Context, p privateState, written bool) diag.Diagnostics {
	if !written {
		return p.SetKey(ctx, privateDefinitionKey, nil)
	}
	return p.SetKey(ctx, privateDefinitionKey, []byte(`{"written":true}`))
}

func (r *flowResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan flowModel
	var configured definitionValue
	resp.Diagnostics.Append(getFlowModel(ctx, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(configuredDefinition(ctx, req.Config.Raw, &configured)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	facts, def := flowFactsOf(configured, plan, emptyFlowModel(), true, false)
	d := decideFlow(facts)
	if d.refused() {
		// Values unknown at plan are known now; refuse before sending.
		addFlowProblems(&resp.Diagnostics, d.Problems)
		return
	}
	limit, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	var state flowModel
	a := &flowApply{c: c, catalog: r.data.catalog, plan: plan, state: &state, def: def, diags: &resp.Diagnostics}
	if !a.create(ctx, req.Config, d) {
		return
	}
	// The flow is recorded before anything else can fail, so a failed
	// definition import or publish leaves a tracked (tainted) flow, never
	// an orphan.
	resp.Diagnostics.Append(setFlowModel(ctx, &resp.State.Raw, &state)...)
	setIdentity(ctx, resp.Identity, state.ID)
	if resp.Diagnostics.HasError() {
		return
	}

	if facts.FromTemplate && def == nil {
		// The one fact no plan can know: whether the template's copy can
		// be published. It refines the facts, and the decision is made
		// again from them.
		facts.Publishable = triOf(a.lastDef != nil && a.lastDef.Publishable())
		d = decideFlow(facts)
	}
	if d.refused() {
		addFlowProblems(&resp.Diagnostics, d.Problems)
	} else {
		a.run(ctx, d)
	}
	finishState(&state)
	resp.Diagnostics.Append(setFlowModel(ctx, &resp.State.Raw, &state)...)
	resp.Diagnostics.Append(setWrittenByTerraform(ctx, resp.Private, holdsConfigured(def, state, plan))...)
}

// holdsConfigured reports whether state's definition is the configured text
// after an apply: what Terraform wrote (or kept, meaning the same).
func holdsConfigured(def *flowdef.Definition, state, plan flowModel) bool {
	return def != nil && state.Definition.known() && state.Definition.ValueString() == plan.Definition.ValueString()
}

func (r *flowResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior flowModel
	var configured definitionValue
	resp.Diagnostics.Append(getFlowModel(ctx, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(getFlowModel(ctx, req.State.Raw, &prior)...)
	resp.Diagnostics.Append(configuredDefinition(ctx, req.Config.Raw, &configured)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	facts, def := flowFactsOf(configured, plan, prior, false, writtenByTerraform(ctx, req.Private))
	d := decideFlow(facts)
	if d.refused() {
		addFlowProblems(&resp.Diagnostics, d.Problems)
		return
	}
	limit, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	state := prior
	state.Publish = plan.Publish
	state.TestBeforePublish = plan.TestBeforePublish
	state.Timeouts = plan.Timeouts
	state.TemplateID = plan.TemplateID // only used at creation
	state.TemplateVariables = plan.TemplateVariables
	state.TemplateConnections = plan.TemplateConnections
	state.TemplateConnectionsWO = types.MapNull(types.StringType) // write-only: never stored
	state.TemplateConnectionsWOVersion = plan.TemplateConnectionsWOVersion
	if def != nil && facts.Definition == defUnchanged {
		state.Definition = plan.Definition // the same meaning, as configured now
	}
	a := &flowApply{c: c, catalog: r.data.catalog, plan: plan, state: &state, def: def, diags: &resp.Diagnostics}
	a.run(ctx, d)
	finishState(&state)
	resp.Diagnostics.Append(setFlowModel(ctx, &resp.State.Raw, &state)...)
	resp.Diagnostics.Append(setWrittenByTerraform(ctx, resp.Private, holdsConfigured(def, state, plan))...)
	setIdentity(ctx, resp.Identity, state.ID)
}

// finishState leaves no unknown value in state after an apply that
// stopped early.
func finishState(m *flowModel) {
	if m.PublishedHash.IsUnknown() {
		m.PublishedHash = types.StringNull()
	}
	if m.FlowCategory.IsUnknown() {
		m.FlowCategory = types.StringNull()
	}
	if m.Status.IsUnknown() {
		m.Status = types.StringNull()
	}
	if m.Updated.IsUnknown() {
		m.Updated = types.StringNull()
	}
	if m.Definition.IsUnknown() {
		m.Definition = definitionNull()
	}
	if m.ProducedVariables.IsUnknown() {
		m.ProducedVariables = types.ListNull(types.StringType)
	}
	if m.ConsumedVariables.IsUnknown() {
		m.ConsumedVariables = types.ListNull(types.StringType)
	}
}

func (r *flowResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state flowModel
	resp.Diagnostics.Append(getFlowModel(ctx, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The framework wants an identity after every successful read, also
	// when the resource is then removed from state; the id never changes.
	setIdentity(ctx, resp.Identity, state.ID)
	if r.data.deferred() {
		// Provider configuration unknown during plan: keep the prior state.
		return
	}
	c := r.data.apiClient(&resp.Diagnostics)
	if c == nil {
		return
	}

	// One GET, or the flow's entry in a listing of the project when this
	// run reads enough flows for a listing to cost less (client.ReadFlow).
	flow, err := c.ReadFlow(ctx, state.ID.ValueString())
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

	prior := state
	resp.Diagnostics.Append(state.readFlow(ctx, flow)...)
	if !state.sameAs(prior) {
		resp.Diagnostics.Append(setFlowModel(ctx, &resp.State.Raw, &state)...)
	}
	if state.Definition.ValueString() != prior.Definition.ValueString() && writtenByTerraform(ctx, req.Private) {
		// Drift read back: state's text now stands for Diga's flow.
		resp.Diagnostics.Append(setWrittenByTerraform(ctx, resp.Private, false)...)
	}
}

func (r *flowResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state flowModel
	resp.Diagnostics.Append(getFlowModel(ctx, req.State.Raw, &state)...)
	c := r.data.apiClient(&resp.Diagnostics)
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
	if req.ID == "" && req.Identity != nil && !req.Identity.Raw.IsNull() {
		// Terraform ≥ 1.12: import { identity = { id = "…" } }. Older CLIs
		// may send an identity whose id is null for `terraform import x ""`.
		var ident flowIdentity
		resp.Diagnostics.Append(req.Identity.Get(ctx, &ident)...)
		if resp.Diagnostics.HasError() {
			return
		}
		if !ident.ID.IsNull() && !ident.ID.IsUnknown() && strings.TrimSpace(ident.ID.ValueString()) != "" {
			if err := client.CheckPathSegment("flow id", ident.ID.ValueString()); err != nil {
				resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid flow id", err.Error()+".")
				return
			}
			resource.ImportStatePassthroughWithIdentity(ctx, path.Root("id"), path.Root("id"), req, resp)
			return
		}
	}
	if strings.TrimSpace(req.ID) == "" {
		resp.Diagnostics.AddError("Missing flow id",
			fmt.Sprintf("The import id is empty (%q) and no identity gives one. Import a flow by its Diga flow id, for "+
				"example: terraform import diga_flow.example <flow_id>, or an import block with id = \"<flow_id>\"; the "+
				"diga_flows data source lists the ids.", req.ID))
		return
	}
	if err := client.CheckPathSegment("flow id", req.ID); err != nil {
		resp.Diagnostics.AddError("Invalid flow id", err.Error()+". Import a flow by its Diga flow id; the "+
			"diga_flows data source lists the ids.")
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
	setIdentity(ctx, resp.Identity, types.StringValue(req.ID))
}
