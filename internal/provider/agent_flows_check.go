package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// agentCheck holds the checks diga_agent_flows makes before anything is
// live, at plan (atPlan) and again at apply before the first write. At plan
// a check that cannot run is a warning, never an error; at apply it stops
// the apply before anything is written.
type agentCheck struct {
	c      *client.Client
	plans  *agentPlans
	atPlan bool
}

// agent returns the agent's draft, refusing an agent that does not exist
// or takes its flows through a conversational path. ok is false when the
// agent could not be checked or was refused.
func (k agentCheck) agent(ctx context.Context, agentID string, diags *diag.Diagnostics) (client.Agent, bool) {
	draft, err := k.c.GetAgent(ctx, agentID)
	switch {
	case err != nil && client.IsNotFound(err):
		diags.AddAttributeError(path.Root("agent_id"), "Agent not found",
			fmt.Sprintf("Diga has no agent %s in this project. Check agent_id: the diga_agents data source lists "+
				"the project's agents.", agentID))
		return client.Agent{}, false
	case err != nil:
		k.couldNot(diags, "Unable to read agent "+agentID, err)
		return client.Agent{}, false
	case draft.Mode == agentModePath:
		diags.AddAttributeError(path.Root("agent_id"), "Agent takes its flows through a conversational path",
			fmt.Sprintf("Agent %s runs a conversational path (mode = path): its flows are set on the nodes of the "+
				"path in the Diga dashboard's path editor, not through flow_ids, so diga_agent_flows cannot assign "+
				"them. Use a single-prompt agent (mode = free), or assign the flows in the path editor.",
				agentLabel(draft.Name, agentID)))
		return draft, false
	}
	return draft, true
}

// couldNot reports a check that could not run: a warning at plan, an
// error at apply.
func (k agentCheck) couldNot(diags *diag.Diagnostics, summary string, err error) {
	if k.atPlan {
		diags.AddWarning("Could not check the assignment at plan",
			fmt.Sprintf("%s: %s. The apply checks again before it writes anything.", summary, err))
		return
	}
	addAPIError(diags, summary, err, nil)
}

// flows checks each flow to assign and returns their names by id (nil when
// a name is not known yet). A flow that is being added and does not fit an
// agent is an error; one the agent already has gets a warning, so that a
// flow broken elsewhere does not block every plan of its agent.
func (k agentCheck) flows(ctx context.Context, desired, current []string, diags *diag.Diagnostics) map[string]string {
	names := map[string]string{}
	have := map[string]bool{}
	for _, id := range current {
		have[id] = true
	}
	for _, id := range desired {
		fit := k.flow(ctx, id, diags)
		if fit.name == nil {
			names = nil
		} else if names != nil {
			names[id] = *fit.name
		}
		if len(fit.problems) == 0 {
			continue
		}
		label := agentLabel(deref(fit.name), id)
		detail := fmt.Sprintf("Flow %s cannot run for an agent:\n  - %s", label, strings.Join(fit.problems, "\n  - "))
		if have[id] {
			diags.AddAttributeWarning(path.Root("flow_ids"), "Assigned flow cannot run", detail+
				"\n\nThe agent already has this flow, so the plan goes on; fix the flow so that calls run it.")
			continue
		}
		diags.AddAttributeError(path.Root("flow_ids"), "Flow cannot be assigned", detail+
			"\n\nNothing was sent. Fix the flow, or leave it out of flow_ids.")
	}
	return names
}

// flowFit is what the checks found about one flow.
type flowFit struct {
	name     *string // nil when not known yet
	problems []string
}

// flow checks one flow: from this plan's diga_flow when it plans the flow,
// otherwise from what Diga holds.
func (k agentCheck) flow(ctx context.Context, id string, diags *diag.Diagnostics) flowFit {
	var fit flowFit
	var def *flowdef.Definition
	if pf, ok := k.plans.plannedFlow(id); ok && k.atPlan {
		if pf.Deleted {
			fit.problems = append(fit.problems, "this plan destroys it (its diga_flow is removed or replaced)")
			return fit
		}
		if pf.Name != "" {
			fit.name = &pf.Name
		}
		if pf.Enabled != nil && !*pf.Enabled {
			fit.problems = append(fit.problems, "its diga_flow plans enabled = false: Diga runs a flow for agents "+
				"only once it is published and enabled. Set enabled = true on it.")
		}
		def = pf.Definition
	}
	if def == nil {
		flow, err := k.c.GetFlow(ctx, id)
		switch {
		case err != nil && client.IsNotFound(err):
			fit.problems = append(fit.problems, "no flow with this id exists in the project")
			return fit
		case err != nil:
			k.couldNot(diags, "Unable to read flow "+id, err)
			return fit
		}
		if fit.name == nil {
			name := deref(flow.Name)
			fit.name = &name
		}
		if _, planned := k.plans.plannedFlow(id); !planned || !k.atPlan {
			if flow.Status == nil || *flow.Status != client.FlowStatusEnabled {
				fit.problems = append(fit.problems, fmt.Sprintf("it is not enabled (status %s): Diga runs a flow for "+
					"agents only once it is published and enabled. Publish and enable it (on its diga_flow: "+
					"enabled = true), then assign it.", statusWord(flow.Status)))
			}
		}
		if def, err = flowdef.FromServer(flow.RawTrigger); err != nil {
			fit.problems = append(fit.problems, "its definition cannot be read: "+err.Error())
			return fit
		}
	}
	for _, p := range def.AssignmentProblems() {
		fit.problems = append(fit.problems, p.String())
	}
	return fit
}

func statusWord(s *client.FlowStatus) string {
	if s == nil {
		return "unknown"
	}
	return string(*s)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// releaseCheck is what a release needs to know before it writes.
type releaseCheck struct {
	Due          bool         // the published version does not run the flows asked for
	Published    client.Agent // the published version, when HasPublished
	HasPublished bool
}

// release decides whether a release is due for flows and refuses one that
// would put live anything but flows, unless allowOther.
//
// publishNew: an agent with no published version is published (create and
// update); otherwise (destroy) there is nothing live to change.
func (k agentCheck) release(ctx context.Context, draft client.Agent, flows []string, allowOther, publishNew bool,
	diags *diag.Diagnostics) (releaseCheck, bool) {
	pub, published, err := k.c.GetPublishedAgent(ctx, draft.ID)
	if err != nil {
		k.couldNot(diags, "Unable to read the published version of agent "+draft.ID, err)
		return releaseCheck{}, false
	}
	rc := releaseCheck{Published: pub, HasPublished: published}
	rc.Due = (!published && publishNew) || (published && !sameStrings(agentFlowIDs(pub), flows))
	if !rc.Due || allowOther {
		return rc, true
	}
	agent := agentLabel(draft.Name, draft.ID)
	if !published {
		// A warning at plan: the state that causes it is Diga's, not the
		// configuration's, and an error would also stop a destroy (which
		// releases nothing then) in the plan Terraform makes before it.
		detail := fmt.Sprintf("Agent %s has no published version: a release would put its whole draft live (prompt, "+
			"voice, tools and flows) on its phone numbers. Publish it once in the Diga dashboard, or set "+
			"release_draft_changes = true to let Terraform publish the whole draft.", agent)
		if k.atPlan {
			diags.AddAttributeWarning(path.Root("release"), "Agent has no published version",
				detail+" The apply refuses before it writes anything.")
			return rc, true
		}
		diags.AddAttributeError(path.Root("release"), "Agent has no published version", detail+" Nothing was sent.")
		return rc, false
	}
	if diffs := client.AgentDraftDifferences(draft, pub); len(diffs) > 0 {
		diags.AddAttributeError(path.Root("release"), "Draft holds changes that are not live",
			fmt.Sprintf("The draft of agent %s differs from its published version v%d in: %s. A release publishes the "+
				"whole draft, so these would go live with the flows. Publish or discard them in the Diga dashboard "+
				"first, or set release_draft_changes = true to release them too. Nothing was sent.",
				agent, pub.VersionNumber, strings.Join(diffs, ", ")))
		return rc, false
	}
	return rc, true
}
