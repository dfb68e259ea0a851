package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// This file holds every write diga_flow's Create and Update make: create
// (an empty flow or a template's copy), then run (rename, import, test,
// publish, status), each step one call of internal/client, carried out as
// a flowDecision (flow_plan.go) says. It decides nothing itself.

// flowApply carries out one flowDecision against Diga. Every step that
// succeeds is recorded in state at once, so an error leaves state true to
// the server (and a created flow tracked, never orphaned).
type flowApply struct {
	c *client.Client
	// catalog gives the piece versions the engine tree fills in.
	catalog *pieceCatalog
	plan    flowModel
	state   *flowModel
	// def is the configured definition, parsed once; nil when the
	// definition is not managed by Terraform.
	def *flowdef.Definition
	// body is def as the engine imports it, built on first use.
	body json.RawMessage
	// last is the newest answer of this apply: what Diga holds now, and
	// lastDef its definition, parsed once (nil when it has none).
	last    *client.Flow
	lastDef *flowdef.Definition
	// imported: this apply has imported the configured definition.
	imported bool
	diags    *diag.Diagnostics
}

func (a *flowApply) fields() map[string]any {
	return map[string]any{"flow_id": a.state.ID.ValueString()}
}

// create makes the flow, the first write of a Create: a copy of the
// template (template_id) or an empty flow, recorded in state at once. A
// definition that cannot be sent (a piece version the catalogue cannot
// give) fails first, before a flow exists. It reports whether the flow
// was made.
func (a *flowApply) create(ctx context.Context, config tfsdk.Config, d flowDecision) bool {
	if a.def != nil && d.Import != triFalse {
		if _, err := a.engineBody(ctx); err != nil {
			a.diags.AddAttributeError(path.Root("definition"), "Unable to apply flow definition",
				upperFirst(err.Error())+". Nothing was created.")
			return false
		}
	}

	var flow *client.Flow
	if !a.plan.TemplateID.IsNull() {
		connsAttr, conns := templateConnectionsOf(ctx, a.plan, config, a.diags)
		if a.diags.HasError() {
			return false
		}
		flow = a.copyTemplate(ctx, connsAttr, conns)
	} else {
		res, err := a.c.CreateFlow(ctx, a.plan.Name.ValueString())
		if err != nil {
			addAPIError(a.diags, "Unable to create flow", err, flowFieldPaths)
		} else {
			flow = res.Flow
			for _, w := range res.Warnings {
				a.diags.AddWarning(w.Summary, w.Detail)
			}
		}
	}
	if flow == nil {
		return false
	}
	tflog.Info(ctx, "Created Diga flow", map[string]any{"flow_id": flow.ID})

	state := a.plan
	state.TemplateConnectionsWO = types.MapNull(types.StringType) // write-only: never stored
	state.PublishedHash = types.StringNull()
	state.Definition = definitionNull() // not imported yet
	state.Enabled = types.BoolValue(flow.Status != nil && *flow.Status == client.FlowStatusEnabled)
	*a.state = state
	a.record(ctx, flow)
	a.state.Name = a.plan.Name
	return true
}

// copyTemplate creates the flow from plan.TemplateID with the given
// connections (template_connections, or template_connections_wo from the
// configuration) and reads it back; nil after an error diagnostic.
func (a *flowApply) copyTemplate(ctx context.Context, connsAttr path.Path, connections types.Map) *client.Flow {
	c, plan, diags := a.c, a.plan, a.diags
	name := plan.Name.ValueString()
	req := &client.CopyTemplateRequest{FlowName: &name}
	if !plan.TemplateVariables.IsNull() {
		req.Variables = map[string]any{}
		for k, v := range stringElements(plan.TemplateVariables) {
			req.Variables[k] = v
		}
	}
	if !connections.IsNull() {
		conns := stringElements(connections)
		for _, k := range slices.Sorted(maps.Keys(conns)) {
			req.Connections = append(req.Connections, client.TemplateConnectionValue{Key: k, Value: conns[k]})
		}
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
			"body.connections": connsAttr,
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

// record takes an answer into state.
func (a *flowApply) record(ctx context.Context, flow *client.Flow) {
	a.last = flow
	var err error
	if a.lastDef, err = flowdef.FromServer(flow.RawTrigger); err != nil {
		a.lastDef = nil
	}
	a.diags.Append(a.state.fromFlow(ctx, flow)...)
	if a.def == nil && err == nil {
		// Not managed: the definition is whatever Diga holds.
		a.state.Definition = stateDefinition(a.lastDef, definitionNull())
	}
}

// draftHolds reports whether the newest answer shows exactly the
// configured definition in the draft. False without an answer.
func (a *flowApply) draftHolds() bool {
	return a.lastDef != nil && a.def.Means(a.lastDef)
}

// run performs the decided steps in order: rename, import, publish, status.
func (a *flowApply) run(ctx context.Context, d flowDecision) {
	id := a.state.ID.ValueString()

	if d.Rename == triTrue {
		flow, err := a.c.RenameFlow(ctx, id, a.plan.Name.ValueString())
		if err != nil {
			addAPIError(a.diags, "Unable to rename flow", err, flowFieldPaths)
			return
		}
		tflog.Debug(ctx, "Renamed Diga flow", a.fields())
		a.record(ctx, flow)
		a.state.Name = a.plan.Name
	}

	// A publish makes live exactly the configured definition: when the
	// draft may hold something else (an edit in the Diga UI since the plan),
	// the configured definition is imported first.
	if d.Import == triTrue || (d.Publish == triTrue && a.def != nil && !a.draftHolds()) {
		if !a.importDefinition(ctx, id) {
			return
		}
	}

	if d.TestFirst == triTrue && !a.testDraft(ctx, id) {
		return
	}

	if d.Publish == triTrue {
		flow, err := a.c.PublishFlow(ctx, id)
		if err != nil {
			addAPIError(a.diags, "Unable to publish flow", err, flowFieldPaths)
			return
		}
		tflog.Info(ctx, "Published Diga flow", a.fields())
		a.record(ctx, flow)
		a.state.PublishedHash = a.plan.PublishedHash
		if def, err := a.state.Definition.Definition(); err == nil && def != nil {
			a.state.PublishedHash = types.StringValue(def.Fingerprint(a.plan.Name.ValueString()))
		}
	}

	if !a.setStatus(ctx, id, d.Status == triTrue) {
		return
	}

	// An answer of this apply may be the first to show that the draft of a
	// managed definition was edited elsewhere: put back what the plan says.
	if a.def != nil && !a.imported && a.last != nil && !a.draftHolds() {
		tflog.Warn(ctx, "The flow's draft was changed outside Terraform since the plan; importing the configured definition", a.fields())
		a.importDefinition(ctx, id)
	}
}

// importDefinition replaces the draft with the configured definition, sent
// as the complete tree the engine imports.
func (a *flowApply) importDefinition(ctx context.Context, id string) bool {
	body, err := a.engineBody(ctx)
	if err != nil {
		a.diags.AddAttributeError(path.Root("definition"), "Unable to apply flow definition", upperFirst(err.Error())+".")
		return false
	}
	flow, err := a.c.ImportFlow(ctx, id, client.ImportFlowRequest{
		DisplayName: a.plan.Name.ValueString(),
		Trigger:     body,
	})
	if err != nil {
		addAPIError(a.diags, "Unable to apply flow definition", err, flowFieldPaths)
		return false
	}
	tflog.Debug(ctx, "Imported Diga flow definition", a.fields())
	a.imported = true
	a.record(ctx, flow)
	a.state.Name = a.plan.Name
	a.state.Definition = a.plan.Definition
	warnIfStoredDifferently(a.def, a.lastDef, a.diags)
	return true
}

// engineBody builds the import body once per apply (see buildEngineBody).
func (a *flowApply) engineBody(ctx context.Context) (json.RawMessage, error) {
	if a.body == nil {
		body, err := buildEngineBody(ctx, a.catalog, a.def)
		if err != nil {
			return nil, err
		}
		a.body = body
	}
	return a.body, nil
}

// buildEngineBody is the import body of def: its engine tree, with the
// versions of the pieces it names without one looked up in the catalogue.
// A definition known at apply alone, which no plan checked, is checked here.
func buildEngineBody(ctx context.Context, catalog *pieceCatalog, def *flowdef.Definition) (json.RawMessage, error) {
	for _, p := range def.Problems() {
		if !p.Warning {
			return nil, fmt.Errorf("the definition cannot be imported: %s", p)
		}
	}
	var pieces map[string]*flowdef.PieceSpec
	if catalog != nil {
		var err error
		if pieces, err = catalog.versions(ctx, def); err != nil {
			return nil, err
		}
	}
	return def.EngineJSON(flowdef.EngineOptions{Pieces: pieces, Now: time.Now()})
}

// setStatus sets the status when Diga reports another, then verifies it:
// Diga silently ignores a status change on a flow never published.
func (a *flowApply) setStatus(ctx context.Context, id string, enabled bool) bool {
	want := statusFor(enabled)
	if a.last != nil && a.last.Status != nil && string(*a.last.Status) == want {
		a.state.Enabled = types.BoolValue(enabled)
		return true
	}
	flow, err := a.c.SetFlowStatus(ctx, id, client.FlowStatus(want))
	if err == nil && flow.Status == nil {
		flow, err = a.c.GetFlow(ctx, id)
	}
	if err != nil {
		addAPIError(a.diags, "Unable to change flow status", err, flowFieldPaths)
		return false
	}
	a.record(ctx, flow)
	if a.state.Status.ValueString() != want {
		a.state.Enabled = types.BoolValue(a.state.Status.ValueString() == string(client.FlowStatusEnabled))
		a.diags.AddAttributeError(path.Root("enabled"), "Diga did not change the flow's status",
			fmt.Sprintf("Diga accepted the request to set flow %s to %s but still reports it %s. Diga silently "+
				"ignores status changes on a flow that has never been published. Publish the flow first: "+
				"set publish = true with a definition whose trigger is not EMPTY, or publish it in the Diga UI.",
				id, want, a.state.Status.ValueString()))
		return false
	}
	a.state.Enabled = types.BoolValue(enabled)
	tflog.Info(ctx, "Changed Diga flow status", map[string]any{"flow_id": id, "status": want})
	return true
}

func statusFor(enabled bool) string {
	if enabled {
		return string(client.FlowStatusEnabled)
	}
	return string(client.FlowStatusDisabled)
}

// warnIfStoredDifferently tells the user when Diga stored a definition that
// does not mean what was sent: the next plan will show the difference.
func warnIfStoredDifferently(sent, stored *flowdef.Definition, diags *diag.Diagnostics) {
	if stored == nil {
		return
	}
	if d := sent.Differences(stored, 5); len(d) > 0 {
		diags.AddAttributeWarning(path.Root("definition"), "Diga stored a different definition",
			"Diga accepted the definition but answered with one that differs from the configuration; the next plan "+
				"will show the difference:\n  - "+strings.Join(d, "\n  - ")+"\n\nA key Diga does not keep (so the "+
				"difference returns after every apply) is best removed from the definition.")
	}
}

// testDraft runs the full-flow test on the draft about to be published
// (test_before_publish). It reports whether the run succeeded; otherwise
// the apply stops before the publish, with what failed.
func (a *flowApply) testDraft(ctx context.Context, id string) bool {
	res, err := a.c.TestFlow(ctx, id)
	if err != nil {
		addAPIError(a.diags, "Unable to test flow before publishing", err, flowFieldPaths)
		a.diags.AddAttributeError(path.Root("test_before_publish"), "Flow not published",
			fmt.Sprintf("The full-flow test of flow %s did not give an answer, so the draft was not published: "+
				"the previously published version keeps running and the next apply tests and publishes again.", id))
		return false
	}
	if res.Status == client.RunSucceeded {
		tflog.Info(ctx, "Tested Diga flow before publishing", map[string]any{"flow_id": id, "run_id": res.RunID})
		return true
	}
	a.diags.AddAttributeError(path.Root("test_before_publish"), "Flow test failed; the flow was not published",
		describeFailedRun(id, res.RunID, string(res.Status), failingSteps(ctx, a.c, res))+
			"\n\nNothing was published: the previously published version (if any) keeps running, and the draft "+
			"holds the configured definition. Fix the failing step in `definition` (or its sample data) and apply "+
			"again: the publish is still pending. To publish without the test, set test_before_publish = false.")
	return false
}

// describeFailedRun names a run's failing steps and Diga's messages.
func describeFailedRun(flowID, runID, status string, failed []client.StepResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Diga's test run %s of flow %s ended %s.", runID, flowID, status)
	if len(failed) == 0 {
		b.WriteString(" Diga named no failing step; look at the run with the diga_flow_execution data source.")
	}
	for _, s := range failed {
		msg := s.ErrorMessage
		if msg == "" {
			msg = "(no error message)"
		}
		fmt.Fprintf(&b, "\n  - step %q failed: %s", s.Name, msg)
	}
	return b.String()
}

// failingSteps are the failing steps of a test run: from the answer's
// steps, or, when those name none (steps is free-form and may be absent),
// from the run's failedStep in its execution detail.
func failingSteps(ctx context.Context, c *client.Client, res *client.FlowTestResult) []client.StepResult {
	if failed := res.FailedSteps(); len(failed) > 0 {
		return failed
	}
	run, err := c.GetExecution(ctx, res.RunID)
	if err != nil {
		tflog.Warn(ctx, "Could not read the failed test run", map[string]any{"run_id": res.RunID, "error": err.Error()})
		return nil
	}
	if failed := run.FailedSteps(); len(failed) > 0 {
		return failed
	}
	if run.FailedStep != nil && run.FailedStep.Name != nil {
		return []client.StepResult{{Name: *run.FailedStep.Name}}
	}
	return nil
}
