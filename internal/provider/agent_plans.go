package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// agentPlans is what one provider instance learns while Terraform plans,
// shared by diga_flow and diga_agent_flows:
//
//   - the flows this plan changes, as diga_flow planned them, so that
//     diga_agent_flows checks a flow of the same configuration from its
//     planned values rather than from what Diga holds before the apply
//     (Terraform plans a resource after the resources it references);
//   - the agents claimed by a diga_agent_flows resource, so that two of them
//     for one agent are refused at plan;
//   - which agents use which flow, looked up once per instance when a plan
//     deletes or replaces a flow.
type agentPlans struct {
	mu         sync.Mutex
	flows      map[string]plannedFlow
	claims     map[string]string // agent id → token of the resource instance that manages it
	destroying map[string]string // agent id → token of a resource instance this plan destroys

	// dropped records, per agent, the flows a diga_agent_flows of this plan
	// takes off the agent: true when it also releases the agent without
	// them (so no version that takes calls keeps them).
	dropped map[string]map[string]bool

	usersOnce sync.Once
	users     map[string][]agentUse // flow id → agents using it
	usersErr  error
}

// plannedFlow is a diga_flow as its plan leaves it.
type plannedFlow struct {
	Name    string // "" when not known at plan
	Enabled *bool  // nil when not known at plan
	// Definition is the definition the apply imports; nil when the
	// definition is not managed (the draft belongs to the Diga UI) or not
	// known at plan.
	Definition *flowdef.Definition
	Deleted    bool // the plan destroys the flow
}

// recordFlow notes what this plan does to flow id.
func (p *agentPlans) recordFlow(id string, f plannedFlow) {
	if p == nil || id == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.flows == nil {
		p.flows = map[string]plannedFlow{}
	}
	p.flows[id] = f
}

// plannedFlow returns what this plan does to flow id, if it plans it.
func (p *agentPlans) plannedFlow(id string) (plannedFlow, bool) {
	if p == nil {
		return plannedFlow{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.flows[id]
	return f, ok
}

// claimResult is what claim found.
type claimResult int

const (
	claimed        claimResult = iota // the agent is this instance's
	claimTwice                        // another instance manages the agent
	claimDestroyed                    // another instance of the agent is destroyed by this plan
)

// claim records that the diga_agent_flows instance holding token manages
// agentID in this plan.
func (p *agentPlans) claim(agentID, token string) claimResult {
	if p == nil {
		return claimed
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.claims == nil {
		p.claims = map[string]string{}
	}
	if prior, ok := p.claims[agentID]; ok && prior != token {
		return claimTwice
	}
	p.claims[agentID] = token
	if d, ok := p.destroying[agentID]; ok && d != token {
		return claimDestroyed
	}
	return claimed
}

// destroy records that this plan destroys the instance holding token, which
// manages agentID; it reports whether another instance claims the agent.
func (p *agentPlans) destroy(agentID, token string) bool {
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.destroying == nil {
		p.destroying = map[string]string{}
	}
	p.destroying[agentID] = token
	prior, ok := p.claims[agentID]
	return ok && prior != token
}

// privateClaimKey holds, in a diga_agent_flows instance's private state,
// the random token that tells it apart from other instances in a plan.
const privateClaimKey = "claim"

// claimToken returns the instance's token, or a new one.
func claimToken(ctx context.Context, p privateState) string {
	var token string
	if b, _ := p.GetKey(ctx, privateClaimKey); len(b) > 0 && json.Unmarshal(b, &token) == nil && token != "" {
		return token
	}
	var tag [8]byte
	_, _ = rand.Read(tag[:])
	return hex.EncodeToString(tag[:])
}

// claimTokenJSON is the token as private state keeps it (a JSON string).
func claimTokenJSON(token string) []byte {
	b, _ := json.Marshal(token)
	return b
}

// drop records that a diga_agent_flows of this plan takes flows off an
// agent's draft, and off its published version too when it releases.
func (p *agentPlans) drop(agentID string, flows []string, released bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dropped == nil {
		p.dropped = map[string]map[string]bool{}
	}
	if p.dropped[agentID] == nil {
		p.dropped[agentID] = map[string]bool{}
	}
	for _, f := range flows {
		p.dropped[agentID][f] = p.dropped[agentID][f] || released
	}
}

// stillUsing removes from uses what this plan's diga_agent_flows take off
// their agents (as far as they were planned before: Terraform plans a
// destroy of dependents first, but a flow and an assignment that no longer
// references it are planned in any order).
func (p *agentPlans) stillUsing(flowID string, uses []agentUse) []agentUse {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []agentUse
	for _, u := range uses {
		released, ok := p.dropped[u.AgentID][flowID]
		switch {
		case !ok:
		case released:
			continue
		default:
			u.Draft = false
			if !u.Published {
				continue
			}
		}
		out = append(out, u)
	}
	return out
}

// agentUse is an agent that runs a flow: on its draft, its published
// version, or both.
type agentUse struct {
	AgentID, Name    string
	Draft, Published bool
	PublishedVersion int64
}

func (u agentUse) String() string {
	name := u.Name
	if name == "" {
		name = u.AgentID
	} else {
		name = strings.TrimSpace(name) + " (" + u.AgentID + ")"
	}
	switch {
	case u.Published && u.Draft:
		return name + ": published version v" + strconv.FormatInt(u.PublishedVersion, 10) + " and draft"
	case u.Published:
		return name + ": published version v" + strconv.FormatInt(u.PublishedVersion, 10)
	default:
		return name + ": draft only"
	}
}

// agentsUsing returns the agents whose draft or published version holds
// flowID, scanning the project's agents once per provider instance (every
// agent's draft from the listing, and each agent's published version).
func (p *agentPlans) agentsUsing(ctx context.Context, c *client.Client, flowID string) ([]agentUse, error) {
	p.usersOnce.Do(func() { p.users, p.usersErr = scanAgentUse(ctx, c) })
	if p.usersErr != nil {
		return nil, p.usersErr
	}
	return p.users[flowID], nil
}

func scanAgentUse(ctx context.Context, c *client.Client) (map[string][]agentUse, error) {
	agents, err := c.ListAgents(ctx)
	if err != nil {
		return nil, err
	}
	uses := map[string]map[string]*agentUse{}
	note := func(a client.Agent, flowID string) *agentUse {
		if uses[flowID] == nil {
			uses[flowID] = map[string]*agentUse{}
		}
		u := uses[flowID][a.ID]
		if u == nil {
			u = &agentUse{AgentID: a.ID, Name: a.Name}
			uses[flowID][a.ID] = u
		}
		return u
	}
	for _, a := range agents {
		for _, f := range a.Flows {
			note(a, f.ID).Draft = true
		}
		if a.Mode == agentModePath {
			continue // flows reach it through its path, not flow_ids
		}
		pub, ok, err := c.GetPublishedAgent(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		for _, f := range pub.Flows {
			u := note(a, f.ID)
			u.Published, u.PublishedVersion = true, pub.VersionNumber
		}
	}
	out := make(map[string][]agentUse, len(uses))
	for flowID, byAgent := range uses {
		list := make([]agentUse, 0, len(byAgent))
		for _, u := range byAgent {
			list = append(list, *u)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].AgentID < list[j].AgentID })
		out[flowID] = list
	}
	return out, nil
}

// agentModePath is the mode of an agent driven by a conversational path:
// its flows are set on the path's nodes, not through flow_ids.
const agentModePath = "path"

// planFlowAgents records what a diga_flow plan does to its flow, for the
// assignment checks of diga_agent_flows later in the same plan. def is the
// definition the apply imports (nil when not managed or not known).
func (pd *providerData) planFlowAgents(id types.String, name types.String, enabled types.Bool, def *flowdef.Definition) {
	if id.IsUnknown() || id.IsNull() {
		return // a new flow: nothing can name it before the apply
	}
	f := plannedFlow{Definition: def}
	if !name.IsUnknown() {
		f.Name = name.ValueString()
	}
	if !enabled.IsUnknown() {
		e := enabled.ValueBool()
		f.Enabled = &e
	}
	pd.agentPlans().recordFlow(id.ValueString(), f)
}

// planFlowRemoval records that a plan destroys or replaces a flow and says
// so when agents use it: Diga removes a deleted flow from every version of
// every agent at once, the published ones included.
func (pd *providerData) planFlowRemoval(ctx context.Context, id, name types.String, replacing bool, diags *diag.Diagnostics) {
	if id.IsUnknown() || id.IsNull() {
		return
	}
	pd.agentPlans().recordFlow(id.ValueString(), plannedFlow{Deleted: true})
	c := pd.planClient()
	if c == nil {
		return
	}
	users, err := pd.agentPlans().agentsUsing(ctx, c, id.ValueString())
	if err != nil {
		diags.AddWarning("Could not check which agents use this flow",
			fmt.Sprintf("Listing the project's agents failed: %s. If an agent runs flow %s, deleting it takes it off "+
				"that agent at once.", err, id.ValueString()))
		return
	}
	if users = pd.agentPlans().stillUsing(id.ValueString(), users); len(users) == 0 {
		return
	}
	lines := make([]string, len(users))
	live := false
	for i, u := range users {
		lines[i] = "  - " + u.String()
		live = live || u.Published
	}
	what, fix := "Destroying", "Assign another flow to these agents first, or remove this one from them (diga_agent_flows), "+
		"before destroying it."
	if replacing {
		what = "Replacing"
		fix = "The new flow gets a new id: assign it with diga_agent_flows (flow_ids = [diga_flow.<name>.id], " +
			"release = true) and add lifecycle { create_before_destroy = true } to this diga_flow, so that the " +
			"new flow is assigned and released before the old one is deleted."
	}
	summary := "Flow is assigned to agents"
	if live {
		summary = "Flow runs on live agents"
	}
	diags.AddWarning(summary, fmt.Sprintf("%s flow %s deletes it, and Diga then removes it from every version of "+
		"every agent, the published ones included: calls stop running it at once. It is assigned to:\n%s\n\n%s",
		what, agentLabel(name.ValueString(), id.ValueString()), strings.Join(lines, "\n"), fix))
}
