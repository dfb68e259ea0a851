package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

var (
	_ resource.Resource                = &agentFlowsResource{}
	_ resource.ResourceWithConfigure   = &agentFlowsResource{}
	_ resource.ResourceWithImportState = &agentFlowsResource{}
	_ resource.ResourceWithModifyPlan  = &agentFlowsResource{}
)

// agentFlowsResource is the set of flows assigned to one single-prompt
// agent (Diga's flow_ids on the agent's draft), and optionally their
// release: a version launched from the draft and published on the phone
// numbers the agent already uses.
type agentFlowsResource struct {
	data *providerData
}

type agentFlowsModel struct {
	ID                     types.String   `tfsdk:"id"`
	AgentID                types.String   `tfsdk:"agent_id"`
	FlowIDs                types.Set      `tfsdk:"flow_ids"`
	Release                types.Bool     `tfsdk:"release"`
	ReleaseDraftChanges    types.Bool     `tfsdk:"release_draft_changes"`
	AgentName              types.String   `tfsdk:"agent_name"`
	Flows                  types.Map      `tfsdk:"flows"`
	PublishedVersionID     types.String   `tfsdk:"published_version_id"`
	PublishedVersionNumber types.Int64    `tfsdk:"published_version_number"`
	PublishedFlowIDs       types.Set      `tfsdk:"published_flow_ids"`
	Timeouts               timeouts.Value `tfsdk:"timeouts"`
}

func newAgentFlowsResource() resource.Resource { return &agentFlowsResource{} }

func (r *agentFlowsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_flows"
}

func (r *agentFlowsResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The flows assigned to one Diga agent: flows with a Diga trigger (Pre-Call, Call Finished, " +
			"Function Call) run only for the agents they are assigned to. `flow_ids` is authoritative, as Diga's " +
			"`flow_ids` is: flows assigned in the Diga dashboard and not listed here show in the next plan and are " +
			"removed. Assigning changes the agent's **draft** only, which handles no call; set `release = true` to " +
			"put the change live (a new version launched from the draft and published on the phone numbers the " +
			"agent already uses). Only for single-prompt agents: an agent driven by a conversational path takes " +
			"its flows on the path's nodes. Destroying the resource removes the flows in `flow_ids` from the draft " +
			"(and, with `release = true`, releases that too); the flows themselves stay.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The agent id (the same as `agent_id`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"agent_id": schema.StringAttribute{
				MarkdownDescription: "The agent the flows are assigned to (see the `diga_agent` data source). " +
					"Changing it moves the assignment: the old agent's draft loses the flows, the new one gets them.",
				Required: true,
				Validators: []validator.String{stringvalidator.RegexMatches(uuidPattern,
					"must be an agent id, a UUID such as 5b7e1c9a-0d2f-4e6b-8a1c-3f5d7b9e1a2c (the diga_agent and diga_agents data sources give them)")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"flow_ids": schema.SetAttribute{
				MarkdownDescription: "Ids of the flows the agent runs, usually `diga_flow.<name>.id`. Each must exist, " +
					"be published and enabled, and have a Diga trigger; a pre-call flow must end with Return Call Data " +
					"and a synchronous during-call flow with Return Response. The plan checks a flow of the same " +
					"configuration from its planned values and any other flow from what Diga holds; the apply checks " +
					"again before it writes. An empty set leaves the agent with no flows.",
				ElementType: types.StringType,
				Required:    true,
				Validators:  []validator.Set{setvalidator.ValueStringsAre(pathSegmentValidator{kind: "flow id"})},
			},
			"release": schema.BoolAttribute{
				MarkdownDescription: "Put the flows live (default `false`): when the agent's published version does not " +
					"run exactly `flow_ids`, launch a new version from the draft and publish it on the phone numbers " +
					"the agent already answers and calls from. Before it does, the draft is compared with the " +
					"published version: if it differs in anything besides flows (a prompt, a voice, a tool edited in " +
					"the dashboard), the plan (or, if the edit comes later, the apply) fails naming what differs, " +
					"unless `release_draft_changes = true`. With `false`, only the draft changes and calls keep " +
					"running the published version.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"release_draft_changes": schema.BoolAttribute{
				MarkdownDescription: "Allow a release to put live the draft's other changes too (default `false`), " +
					"and to publish an agent that has no published version yet.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"agent_name": schema.StringAttribute{
				MarkdownDescription: "The agent's name.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"flows": schema.MapAttribute{
				MarkdownDescription: "Name of each assigned flow, by id: the plan shows the flows added and removed by name.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"published_version_id": schema.StringAttribute{
				MarkdownDescription: "The agent's published version (null when it has none). A version published in " +
					"the dashboard shows here at the next refresh; with `release = true`, one that does not run " +
					"`flow_ids` is released again.",
				Computed: true,
			},
			"published_version_number": schema.Int64Attribute{
				MarkdownDescription: "The number of the published version (v1, v2, …).",
				Computed:            true,
			},
			"published_flow_ids": schema.SetAttribute{
				MarkdownDescription: "The flows the published version runs: what callers get.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *agentFlowsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (r *agentFlowsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := strings.TrimSpace(req.ID)
	if id == "" {
		resp.Diagnostics.AddError("Missing agent id",
			"Import the flows of an agent by the agent's id, for example: terraform import diga_agent_flows.support "+
				"<agent_id>; the diga_agents data source lists the ids.")
		return
	}
	if err := client.CheckPathSegment("agent id", id); err != nil {
		resp.Diagnostics.AddError("Invalid agent id", err.Error()+".")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("agent_id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("release"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("release_draft_changes"), false)...)
}

// Read records what the agent holds: the draft's flows and the published
// version. An agent that no longer exists leaves state.
func (r *agentFlowsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state agentFlowsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || r.data.deferred() {
		return
	}
	c := r.data.apiClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	agentID := state.AgentID.ValueString()
	draft, err := c.GetAgent(ctx, agentID)
	if err != nil {
		if client.IsNotFound(err) {
			resp.State.RemoveResource(ctx)
			return
		}
		addAPIError(&resp.Diagnostics, "Unable to read agent "+agentID, err, nil)
		return
	}
	pub, published, err := c.GetPublishedAgent(ctx, agentID)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Unable to read the published version of agent "+agentID, err, nil)
		return
	}
	state.fill(draft, pub, published, nil)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// fill records a draft and published version into the model. names, when
// known, are the flow names the plan showed; otherwise they come from the
// draft's answer.
func (m *agentFlowsModel) fill(draft, pub client.Agent, published bool, names map[string]string) {
	m.ID = types.StringValue(draft.ID)
	m.AgentID = types.StringValue(draft.ID)
	m.AgentName = types.StringValue(draft.Name)
	m.FlowIDs = stringSet(agentFlowIDs(draft))
	all := map[string]string{}
	for _, f := range draft.Flows {
		all[f.ID] = f.Name
		if n, ok := names[f.ID]; ok {
			all[f.ID] = n
		}
	}
	m.Flows = namesMap(all)
	if published {
		m.PublishedVersionID = types.StringValue(pub.VersionID)
		m.PublishedVersionNumber = types.Int64Value(pub.VersionNumber)
		m.PublishedFlowIDs = stringSet(agentFlowIDs(pub))
	} else {
		m.PublishedVersionID = types.StringNull()
		m.PublishedVersionNumber = types.Int64Null()
		m.PublishedFlowIDs = types.SetNull(types.StringType)
	}
}

// ModifyPlan decides what the apply does and checks it before anything is
// sent: the agent is a single-prompt one, each flow fits an agent, no other
// resource of this configuration manages the agent, and a release would
// not put live anything but flows.
func (r *agentFlowsResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		r.planDestroy(ctx, req, resp)
		return
	}
	var plan, state agentFlowsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	creating := req.State.Raw.IsNull()
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	desired, desiredKnown := setStrings(plan.FlowIDs)
	agentKnown := !plan.AgentID.IsUnknown()
	agentID := plan.AgentID.ValueString()
	if agentKnown {
		plan.ID = plan.AgentID
	}

	if agentKnown {
		// Each resource instance claims its agent once per plan, under a
		// token kept in its private state (a replacement's second plan of
		// the same instance gets the first one's private state).
		token := claimToken(ctx, req.Private)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateClaimKey, claimTokenJSON(token))...)
		switch r.data.agentPlans().claim(agentID, token) {
		case claimTwice:
			resp.Diagnostics.AddAttributeError(path.Root("agent_id"), "Agent managed twice",
				fmt.Sprintf("Another diga_agent_flows resource of this configuration also manages agent %s. flow_ids "+
					"replaces every assignment of the agent, so two resources would undo each other (and each release "+
					"on its own). Keep one diga_agent_flows per agent and list all its flows there.", agentID))
			return
		case claimDestroyed:
			resp.Diagnostics.AddAttributeError(path.Root("agent_id"), "Agent's assignment destroyed and created in one apply",
				fmt.Sprintf("This plan destroys one diga_agent_flows of agent %s and creates another: Terraform runs the two in "+
					"no fixed order, and the destroy could take the flows off after the create assigned them. If the "+
					"resource was renamed or moved, say so with a moved block (moved { from = <old address> to = <new "+
					"address> }); otherwise apply the destroy first (terraform apply -target=<old address> -destroy).", agentID))
			return
		}
	}

	release := plan.Release.IsUnknown() || plan.Release.ValueBool()
	if !creating && desiredKnown && !plan.Release.IsUnknown() &&
		sameStrings(desired, setStringsKnown(state.FlowIDs)) &&
		(!plan.Release.ValueBool() || sameStrings(desired, setStringsKnown(state.PublishedFlowIDs))) {
		// Nothing to write: what Diga holds stays as it is.
		plan.AgentName, plan.Flows = state.AgentName, state.Flows
		plan.PublishedVersionID, plan.PublishedVersionNumber = state.PublishedVersionID, state.PublishedVersionNumber
		plan.PublishedFlowIDs = state.PublishedFlowIDs
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}

	if !creating && desiredKnown && !plan.Release.IsUnknown() {
		r.data.agentPlans().drop(agentID, without(setStringsKnown(state.FlowIDs), desired), plan.Release.ValueBool())
	}

	// The apply writes: what the published version becomes is known after.
	// Planned values come from the configuration and state only, never from
	// an answer read at plan: the apply plans again, and what Diga answers
	// then may differ (a rename in the dashboard, a failed request).
	plan.PublishedVersionID = types.StringUnknown()
	plan.PublishedVersionNumber = types.Int64Unknown()
	plan.PublishedFlowIDs = types.SetUnknown(types.StringType)
	plan.Flows = plannedNames(state.Flows, desired, desiredKnown)
	if creating {
		plan.AgentName = types.StringUnknown()
	}

	c := r.data.planClient()
	if c == nil || !agentKnown {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	chk := agentCheck{c: c, plans: r.data.agentPlans(), atPlan: true}
	draft, ok := chk.agent(ctx, agentID, &resp.Diagnostics)
	if ok {
		if desiredKnown {
			chk.flows(ctx, desired, agentFlowIDs(draft), &resp.Diagnostics)
			if release && !plan.ReleaseDraftChanges.IsUnknown() {
				chk.release(ctx, draft, desired, plan.ReleaseDraftChanges.ValueBool(), true, &resp.Diagnostics)
			}
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planDestroy says at plan what destroying the resource does, and checks
// that a release it makes would put nothing else live.
func (r *agentFlowsResource) planDestroy(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var state agentFlowsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.data.agentPlans().destroy(state.AgentID.ValueString(), claimToken(ctx, req.Private)) {
		resp.Diagnostics.AddError("Agent's assignment destroyed and created in one apply",
			fmt.Sprintf("This plan destroys this diga_agent_flows of agent %s while another diga_agent_flows manages the "+
				"same agent: Terraform runs the two in no fixed order, and this destroy could take the flows off after "+
				"the other assigned them. If the resource was renamed or moved, say so with a moved block (moved { from "+
				"= <old address> to = <new address> }); otherwise apply the destroy first (terraform apply "+
				"-target=<old address> -destroy).", state.AgentID.ValueString()))
		return
	}
	ids := setStringsKnown(state.FlowIDs)
	if len(ids) == 0 {
		return
	}
	r.data.agentPlans().drop(state.AgentID.ValueString(), ids, state.Release.ValueBool())
	names := flowLabels(state.Flows, ids)
	agent := agentLabel(state.AgentName.ValueString(), state.AgentID.ValueString())
	if state.Release.ValueBool() {
		resp.Diagnostics.AddWarning("Destroying the assignment releases the agent without these flows",
			fmt.Sprintf("Destroying this diga_agent_flows removes %s from the draft of agent %s and releases it "+
				"(release = true): a new version without them is published on the agent's phone numbers. The flows "+
				"themselves are not deleted.", names, agent))
		if c := r.data.planClient(); c != nil {
			chk := agentCheck{c: c, plans: r.data.agentPlans(), atPlan: true}
			if draft, ok := chk.agent(ctx, state.AgentID.ValueString(), &resp.Diagnostics); ok {
				rest := without(agentFlowIDs(draft), ids)
				chk.release(ctx, draft, rest, state.ReleaseDraftChanges.ValueBool(), false, &resp.Diagnostics)
			}
		}
		return
	}
	resp.Diagnostics.AddWarning("Destroying the assignment changes the agent's draft only",
		fmt.Sprintf("Destroying this diga_agent_flows removes %s from the draft of agent %s. Its published version "+
			"keeps running them until the next release (release = false). The flows themselves are not deleted.",
			names, agent))
}

func (r *agentFlowsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan agentFlowsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	r.write(ctx, plan, nil, req.Plan, &resp.State, resp.Private, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		// Nothing was created that state must track (the agent was there
		// before): a create that fails after assigning on the draft leaves
		// no state, so the next apply finishes it as a create instead of
		// replacing a tainted resource (a destroy, then a create).
		resp.State.RemoveResource(ctx)
	}
}

func (r *agentFlowsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state agentFlowsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	pending := pendingRelease(ctx, req.Private)
	r.write(ctx, plan, &pending, req.Plan, &resp.State, resp.Private, &resp.Diagnostics)
}

func (r *agentFlowsResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state agentFlowsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	c := r.data.apiClient(&resp.Diagnostics)
	if c == nil {
		return
	}
	a := agentApply{c: c, plans: r.data.agentPlans(), agentID: state.AgentID.ValueString()}
	a.remove(ctx, setStringsKnown(state.FlowIDs), state.Release.ValueBool(), state.ReleaseDraftChanges.ValueBool(),
		&resp.Diagnostics)
}

// plannedNames is the flows attribute a plan shows: the names state holds
// for flows that stay (a removed flow shows by name as it goes), unknown
// for flows being added.
func plannedNames(prior types.Map, desired []string, known bool) types.Map {
	if !known {
		return types.MapUnknown(types.StringType)
	}
	elems := make(map[string]attr.Value, len(desired))
	for _, id := range desired {
		if v, ok := prior.Elements()[id].(types.String); ok && !v.IsUnknown() && !v.IsNull() {
			elems[id] = v
		} else {
			elems[id] = types.StringUnknown()
		}
	}
	return types.MapValueMust(types.StringType, elems)
}

// Helpers on sets and maps of strings.

// setStrings returns a set's strings, sorted, and whether all are known.
func setStrings(s types.Set) ([]string, bool) {
	if s.IsUnknown() {
		return nil, false
	}
	out := make([]string, 0, len(s.Elements()))
	for _, e := range s.Elements() {
		v, ok := e.(types.String)
		if !ok || v.IsUnknown() {
			return nil, false
		}
		if !v.IsNull() {
			out = append(out, v.ValueString())
		}
	}
	sort.Strings(out)
	return out, true
}

// setStringsKnown returns a set's known strings, sorted (nil for a null or
// unknown set).
func setStringsKnown(s types.Set) []string {
	out, _ := setStrings(s)
	return out
}

func stringSet(ids []string) types.Set {
	elems := make([]attr.Value, len(ids))
	for i, id := range ids {
		elems[i] = types.StringValue(id)
	}
	return types.SetValueMust(types.StringType, elems)
}

func namesMap(m map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// sameStrings compares two sorted lists.
func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// without returns the ids in all that are not in drop, sorted.
func without(all, drop []string) []string {
	gone := map[string]bool{}
	for _, d := range drop {
		gone[d] = true
	}
	out := []string{}
	for _, a := range all {
		if !gone[a] {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// agentFlowIDs returns the ids of the flows an agent answer holds, sorted.
func agentFlowIDs(a client.Agent) []string {
	out := make([]string, 0, len(a.Flows))
	for _, f := range a.Flows {
		out = append(out, f.ID)
	}
	sort.Strings(out)
	return out
}

func agentLabel(name, id string) string {
	if strings.TrimSpace(name) == "" {
		return id
	}
	return fmt.Sprintf("%q (%s)", name, id)
}

// flowLabels names flows for a message: "name" (id), …
func flowLabels(names types.Map, ids []string) string {
	labels := make([]string, 0, len(ids))
	for _, id := range ids {
		name := ""
		if v, ok := names.Elements()[id].(types.String); ok {
			name = v.ValueString()
		}
		labels = append(labels, agentLabel(name, id))
	}
	if len(labels) == 1 {
		return "flow " + labels[0]
	}
	return "flows " + strings.Join(labels, ", ")
}
