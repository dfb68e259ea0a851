package provider

// This file holds the one decision of diga_flow: from the configuration (or
// plan) and the prior state, what will the apply do to the flow? ModifyPlan
// plans the computed attributes from the answer, and Create and Update carry
// it out step by step, calling decideFlow again with the now known plan. The
// function is pure: no framework types, no client, no I/O.

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
