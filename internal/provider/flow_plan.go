package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// This file holds diga_flow's plan, in the order a request goes through it:
//
//  1. the facts (flowFacts, stated by flowFactsOf from the configured
//     definition, the plan and the prior state);
//  2. the one decision (decideFlow: what the apply will do, and what the
//     plan refuses), a pure function of the facts, with no framework
//     types, no client and no I/O, tested over every combination in
//     flow_plan_test.go;
//  3. what the plan shows of it (planComputed: the planned computed
//     attributes; addFlowProblems: the refusals as diagnostics).
//
// ModifyPlan runs all three. Create and Update state the facts again from
// the now known plan and decide again (which can only refine the plan's
// unknowns, never contradict it), then hand the decision to flowApply
// (flow_apply.go), which makes every call to Diga. The way runs one
// direction, plan → facts → decision → flowApply → client: flowApply
// carries a decision out and never changes it. The one fact only the apply
// can learn, whether a template's copy can be published, refines the facts
// in Create, which then decides again before anything else is sent.

// tristate is a truth value at plan time: a fact or a decision is
// certainly true (triTrue), certainly false (triFalse), or not known until
// apply (triUnknown: it depends on a value the configuration gives only
// then). Not to be confused with the framework's unknown values, from which
// flowFactsOf derives triUnknown.
type tristate uint8

const (
	triFalse tristate = iota
	triTrue
	triUnknown
)

// triOf is the tristate of a bool known at plan time.
func triOf(b bool) tristate {
	if b {
		return triTrue
	}
	return triFalse
}

func (m tristate) and(o tristate) tristate {
	switch {
	case m == triFalse || o == triFalse:
		return triFalse
	case m == triTrue && o == triTrue:
		return triTrue
	}
	return triUnknown
}

func (m tristate) or(o tristate) tristate {
	switch {
	case m == triTrue || o == triTrue:
		return triTrue
	case m == triFalse && o == triFalse:
		return triFalse
	}
	return triUnknown
}

func (m tristate) not() tristate {
	switch m {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

func (m tristate) String() string {
	return [...]string{"false", "true", "unknown"}[m]
}

// definitionIntent is what the configuration does with `definition`.
type definitionIntent uint8

const (
	// defUnmanaged: not configured. The draft belongs to whoever edits it
	// in the Diga UI; Terraform never imports or publishes it.
	defUnmanaged definitionIntent = iota
	// defUnknown: configured, but known only at apply.
	defUnknown
	// defUnchanged: configured and means the flow already in state.
	defUnchanged
	// defChanged: configured and differs from state (always when creating).
	defChanged
)

func (d definitionIntent) String() string {
	return [...]string{"unmanaged", "unknown", "unchanged", "changed"}[d]
}

// flowFacts is what decideFlow decides from.
type flowFacts struct {
	Creating bool
	// FromTemplate: the flow is created by copying a template.
	FromTemplate bool
	// NameChanged: the configured name differs from state (false when
	// creating: the name goes with the create).
	NameChanged tristate
	Definition  definitionIntent
	// Publishable: Diga can publish the definition the apply leaves in the
	// draft (its trigger is not EMPTY). For a managed definition it is that
	// definition's; for a template copy it is the copy's, known at apply.
	Publishable tristate
	// Publish is the `publish` attribute.
	Publish tristate
	// PublishPending: the fingerprint of the configured name and
	// definition is not the published_hash in state (an earlier publish
	// failed, or publish was switched back on).
	PublishPending tristate
	// PublishedBefore: state records a published version (published_hash
	// is set: Terraform published it, or it was imported as it stood).
	PublishedBefore bool
	// EnabledBefore is state's `enabled`; Enabled the configured one.
	EnabledBefore bool
	Enabled       tristate
	// TestBeforePublish is the `test_before_publish` attribute.
	TestBeforePublish tristate
}

// flowFactsOf states the facts decideFlow decides from: the configured
// definition (null when not managed), the plan and the prior state (an
// empty model when creating). It also returns the configured definition,
// parsed, when it is known.
//
// written: state's definition is the text Terraform last wrote (private
// state says so), so it is compared with the configuration as two texts the
// user wrote (removing a pieceVersion pin or a displayName is a change);
// otherwise state's text stands for Diga's flow (an import, or drift read
// back), and what Diga fills in is not a difference.
func flowFactsOf(configured definitionValue, plan, state flowModel, creating, written bool) (flowFacts, *flowdef.Definition) {
	f := flowFacts{
		Creating:          creating,
		FromTemplate:      creating && !plan.TemplateID.IsNull(),
		NameChanged:       triFalse,
		Publishable:       triUnknown,
		PublishPending:    triFalse,
		Publish:           triOfBool(plan.Publish),
		Enabled:           triOfBool(plan.Enabled),
		TestBeforePublish: triOfBool(plan.TestBeforePublish),
		PublishedBefore:   !state.PublishedHash.IsNull() && !state.PublishedHash.IsUnknown(),
		EnabledBefore:     state.Enabled.ValueBool(),
	}
	if !creating {
		f.NameChanged = triUnknown
		if !plan.Name.IsUnknown() {
			f.NameChanged = triOf(!plan.Name.Equal(state.Name))
		}
	}
	var def *flowdef.Definition
	switch {
	case configured.IsNull():
		f.Definition = defUnmanaged
	case configured.IsUnknown() || plan.Definition.IsUnknown():
		f.Definition = defUnknown
		f.PublishPending = triUnknown
	default:
		planned := plan.Definition
		f.Definition = defChanged
		if !creating && sameDefinition(plan.Definition, state.Definition, written) {
			// The plan keeps state's text, which means the same.
			f.Definition, planned = defUnchanged, state.Definition
		}
		var err error
		if def, err = planned.Definition(); err != nil {
			// Reported by the type's validation.
			f.Definition = defUnknown
			f.PublishPending = triUnknown
			return f, nil
		}
		f.Publishable = triOf(def.Publishable())
		f.PublishPending = triUnknown
		if !plan.Name.IsUnknown() {
			f.PublishPending = triOf(!state.PublishedHash.Equal(types.StringValue(def.Fingerprint(plan.Name.ValueString()))))
		}
	}
	return f, def
}

// sameDefinition reports whether the planned definition means what state
// holds (see flowFactsOf for written).
func sameDefinition(planned, state definitionValue, written bool) bool {
	if planned.ValueString() == state.ValueString() {
		return true
	}
	p, err := planned.Definition()
	if err != nil {
		return false
	}
	st, err := state.Definition()
	if err != nil {
		return false
	}
	if written {
		return p.SameText(st)
	}
	return p.SameAs(st)
}

// triOfBool is the tristate of a planned bool: triUnknown while the
// framework's value is unknown.
func triOfBool(b types.Bool) tristate {
	if b.IsUnknown() {
		return triUnknown
	}
	return triOf(b.ValueBool())
}

// flowProblem is a plan-time finding about the configuration.
type flowProblem struct {
	Attribute string // root attribute name
	Error     bool   // false: a warning
	Summary   string
	Detail    string
}

// flowDecision is what the apply does, in order.
type flowDecision struct {
	Rename tristate // PATCH …/rename (update only)
	Import tristate // POST …/import of the configured definition
	// Publish: POST …/publish. With a managed definition the apply first
	// makes sure the draft holds exactly the configured definition.
	Publish tristate
	// TestFirst: POST …/test on the draft just before the publish; a run
	// that does not succeed stops the apply there (nothing published, the
	// status untouched), so the publish stays pending.
	TestFirst tristate
	// Status is the status the apply leaves (set when Diga reports
	// another); unknown when `enabled` is.
	Status tristate
	// Writes: the apply writes to the flow at all, so server-derived
	// values (flow_category, updated, variables, an unmanaged definition)
	// may change and are planned unknown.
	Writes   tristate
	Problems []flowProblem
}

// decideFlow is the single place where diga_flow's behaviour is decided.
func decideFlow(f flowFacts) flowDecision {
	var d flowDecision
	managed := f.Definition != defUnmanaged

	d.Rename = triFalse
	if !f.Creating {
		d.Rename = f.NameChanged
	}

	switch f.Definition {
	case defChanged:
		d.Import = triTrue
	case defUnknown:
		d.Import = triUnknown
	default:
		d.Import = triFalse
	}

	// Terraform publishes only what Terraform wrote: a managed definition,
	// or the copy of a template it has just made. An unmanaged draft is the
	// Diga UI's, and a rename alone does not publish it.
	switch {
	case managed:
		due := triOf(f.Creating).or(d.Rename).or(d.Import).or(f.PublishPending)
		d.Publish = f.Publish.and(f.Publishable).and(due)
	case f.Creating && f.FromTemplate:
		d.Publish = f.Publish.and(f.Publishable)
	default:
		d.Publish = triFalse
	}

	// The gate guards exactly the publishes Terraform makes.
	d.TestFirst = d.Publish.and(f.TestBeforePublish)

	d.Status = f.Enabled
	statusChanges := f.Enabled
	if !f.Creating {
		statusChanges = f.Enabled.and(triOf(f.EnabledBefore).not()).or(f.Enabled.not().and(triOf(f.EnabledBefore)))
	}
	d.Writes = triOf(f.Creating).or(d.Rename).or(d.Import).or(d.Publish).or(statusChanges)

	d.Problems = enablingProblems(f, managed)
	return d
}

// enablingProblems refuses at plan what the apply could never carry out:
// Diga silently ignores enabling a flow that has no published version.
func enablingProblems(f flowFacts, managed bool) []flowProblem {
	if f.Enabled != triTrue {
		return nil
	}
	switch {
	case f.Creating && !f.FromTemplate && !managed:
		return []flowProblem{{Attribute: "enabled", Error: true, Summary: "Flow cannot be enabled",
			Detail: "A new flow without a definition is an empty draft (trigger EMPTY), which Diga cannot publish, " +
				"and Diga only enables published flows. Give the flow a definition (or a template_id), or set " +
				"enabled = false."}}
	case managed && f.Publishable == triFalse:
		return []flowProblem{{Attribute: "enabled", Error: true, Summary: "Flow cannot be enabled",
			Detail: "enabled = true needs a published flow, and Diga cannot publish a flow whose trigger type is " +
				"EMPTY. Give the definition a trigger (type PIECE_TRIGGER), or set enabled = false."}}
	case managed && f.Publish == triFalse && !f.PublishedBefore && !f.EnabledBefore:
		what := "A new flow with publish = false is never published"
		if !f.Creating {
			what = "Terraform has never published this flow, and publish = false keeps it that way"
		}
		return []flowProblem{{Attribute: "enabled", Error: true, Summary: "Flow cannot be enabled",
			Detail: what + ", and Diga only enables published flows (it silently ignores the status change). " +
				"Set publish = true (the default), or set enabled = false."}}
	case !managed && !f.Creating && !f.PublishedBefore && !f.EnabledBefore:
		return []flowProblem{{Attribute: "enabled", Summary: "Flow may not be enabled",
			Detail: "Terraform has never published this flow, and without a definition in the configuration it " +
				"never will: its draft belongs to the Diga UI. Diga only enables a flow that was published; if " +
				"nobody published it in the Diga UI, the apply will fail. Publish it in the Diga UI, or manage " +
				"its definition here."}}
	}
	return nil
}

// refused reports whether the decision refuses the configuration.
func (d flowDecision) refused() bool {
	for _, p := range d.Problems {
		if p.Error {
			return true
		}
	}
	return false
}

func addFlowProblems(diags *diag.Diagnostics, problems []flowProblem) {
	for _, p := range problems {
		if p.Error {
			diags.AddAttributeError(path.Root(p.Attribute), p.Summary, p.Detail)
		} else {
			diags.AddAttributeWarning(path.Root(p.Attribute), p.Summary, p.Detail)
		}
	}
}

// planComputed writes the decision into the plan, so that the plan says
// what the apply will do and the apply's result matches it: the status the
// apply leaves, published_hash when a publish is due, what Diga derives
// (unknown whenever the apply writes, kept otherwise), and state's
// definition text when the configured one means the same.
func planComputed(plan *flowModel, state flowModel, facts flowFacts, def *flowdef.Definition, d flowDecision) {
	if facts.Definition == defUnchanged {
		// Means the same flow (key order, whitespace, keys Diga fills in):
		// keep the text in state, so no change is planned.
		plan.Definition = state.Definition
	}
	plan.Status = types.StringUnknown()
	if d.Status != triUnknown {
		plan.Status = types.StringValue(statusFor(d.Status == triTrue))
	}
	switch d.Publish {
	case triTrue:
		plan.PublishedHash = types.StringUnknown()
		if def != nil && !plan.Name.IsUnknown() {
			plan.PublishedHash = types.StringValue(def.Fingerprint(plan.Name.ValueString()))
		}
	case triUnknown:
		plan.PublishedHash = types.StringUnknown()
	default:
		plan.PublishedHash = state.PublishedHash
	}
	if d.Writes == triFalse {
		// Nothing is sent: what Diga derives stays as it is.
		plan.FlowCategory, plan.Updated = state.FlowCategory, state.Updated
		plan.ProducedVariables, plan.ConsumedVariables = state.ProducedVariables, state.ConsumedVariables
		if facts.Definition == defUnmanaged {
			plan.Definition = state.Definition
		}
	} else {
		// Diga derives these from the draft, and any write answers with
		// the draft as it is then, edits made in the Diga UI included.
		plan.FlowCategory, plan.Updated = types.StringUnknown(), types.StringUnknown()
		plan.ProducedVariables = types.ListUnknown(types.StringType)
		plan.ConsumedVariables = types.ListUnknown(types.StringType)
		if facts.Definition == defUnmanaged {
			plan.Definition = definitionUnknown()
		}
	}
}
