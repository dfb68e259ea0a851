package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// The agent step (opt-in: DIGA_PROBE_AGENT_ID names a scratch agent)
// learns whether Diga refuses flow_ids naming a flow that cannot run for an
// agent. It reads the agent's draft and published version, assigns the
// scratch flow (never published, so disabled) to the draft, then an id of
// no flow, reading the draft back after each, and restores the draft's
// flows as they were. It never launches or publishes a version, so the
// agent's calls are never affected; only its draft changes, for seconds.

// The agent step's parts, as the exchanges are labelled.
const (
	stepAgent         = "agent"
	stepAgentScratch  = "agent-unpublished"
	stepAgentNoFlow   = "agent-no-flow"
	stepAgentRestore  = "agent-restore"
	agentModePath     = "path"
	modeAgentAccepted = "accepted"
	modeAgentChecked  = "checked"
)

// agentRequestsAtLeast and agentRequestsAtMost bound what the agent step
// adds when nothing is retried: two reads, two assignments each read
// back, and a restore (a PATCH and its read-back) only when an
// assignment stayed.
const (
	agentRequestsAtLeast = 6
	agentRequestsAtMost  = 8
)

// AgentResult is what the agent step saw.
type AgentResult struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Mode is the draft's mode as Diga shows it.
	Mode           string `json:"mode,omitempty"`
	DraftVersionID string `json:"draft_version_id,omitempty"`
	// DraftFlowIDs are the draft's flows before the probe, in Diga's order:
	// what the restore puts back.
	DraftFlowIDs           []string    `json:"draft_flow_ids"`
	Read                   *CallResult `json:"read,omitempty"`
	PublishedRead          *CallResult `json:"published_read,omitempty"`
	HasPublished           bool        `json:"has_published"`
	PublishedVersionNumber int64       `json:"published_version_number,omitempty"`
	PublishedFlowIDs       []string    `json:"published_flow_ids,omitempty"`
	// Skipped says why no assignment was sent.
	Skipped     string          `json:"skipped,omitempty"`
	Assignments []*AssignResult `json:"assignments,omitempty"`
	// Restore is the PATCH that put the flows back (nil when none was
	// needed); Restored whether the draft read back afterwards holds
	// exactly DraftFlowIDs.
	Restore       *CallResult `json:"restore,omitempty"`
	RestoreRead   *CallResult `json:"restore_read,omitempty"`
	Restored      bool        `json:"restored"`
	RestoredFlows []string    `json:"restored_flow_ids,omitempty"`

	// touched: an assignment went out, so the draft may differ.
	touched bool
	// draftNow is the draft's flows as last read after the last write;
	// draftKnown whether that read is current.
	draftNow   []string
	draftKnown bool
}

// AssignResult is one PATCH of the draft's flow_ids and the GET after it.
type AssignResult struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// FlowID is the flow added to the draft's flows; Sent the whole
	// flow_ids sent.
	FlowID string      `json:"flow_id"`
	Sent   []string    `json:"sent"`
	Patch  *CallResult `json:"patch"`
	// Answered are the flows the PATCH answer shows (when accepted).
	Answered []AgentFlowSeen `json:"answered_flows,omitempty"`
	ReadBack *CallResult     `json:"read_back,omitempty"`
	// Held: the draft read back holds FlowID; Shown how it shows it.
	Held  bool           `json:"held"`
	Shown *AgentFlowSeen `json:"shown,omitempty"`
}

// AgentFlowSeen is one flow of an agent answer.
type AgentFlowSeen struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	Status string `json:"status,omitempty"`
}

func flowsSeen(a client.Agent) []AgentFlowSeen {
	out := make([]AgentFlowSeen, len(a.Flows))
	for i, f := range a.Flows {
		out[i] = AgentFlowSeen{ID: f.ID, Name: f.Name, Status: f.Status}
	}
	return out
}

func agentFlowIDs(a client.Agent) []string {
	out := make([]string, len(a.Flows))
	for i, f := range a.Flows {
		out[i] = f.ID
	}
	return out
}

// sameSet compares two lists of ids as sets.
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// noSuchFlowID is an id of the form of Diga's flow ids (21 characters)
// that no flow has.
func noSuchFlowID() string {
	return "tfProbeNoFlow" + randomSuffix()
}

// agentStep runs the agent step; it does nothing without an agent id.
func (p *prober) agentStep(ctx context.Context) {
	if p.cfg.AgentID == "" {
		return
	}
	a := &AgentResult{ID: p.cfg.AgentID}
	p.rep.Agent = a
	p.rec.setStep(stepAgent)
	p.printf("\n[%s] the scratch agent %s: its draft and published version\n", stepAgent, a.ID)
	mark := p.rec.mark()
	draft, err := p.c.GetAgent(ctx, a.ID)
	a.Read = p.callResult(nil, err, p.rec.since(mark))
	if err != nil {
		a.Skipped = "the agent's draft could not be read: " + a.Read.outcome()
		p.printf("    skipped: %s\n", a.Skipped)
		return
	}
	a.Name, a.Mode, a.DraftVersionID = draft.Name, draft.Mode, draft.VersionID
	a.DraftFlowIDs = agentFlowIDs(draft)
	a.draftNow, a.draftKnown = a.DraftFlowIDs, true
	p.printf("    draft: name %q, mode %q, flows %s\n", a.Name, a.Mode, idList(a.DraftFlowIDs))
	mark = p.rec.mark()
	pub, published, err := p.c.GetPublishedAgent(ctx, a.ID)
	a.PublishedRead = p.callResult(nil, err, p.rec.since(mark))
	switch {
	case err != nil:
		p.printf("    published version not read: %s\n", a.PublishedRead.outcome())
	case published:
		a.HasPublished, a.PublishedVersionNumber, a.PublishedFlowIDs = true, pub.VersionNumber, agentFlowIDs(pub)
		p.printf("    published: v%d, flows %s (the probe never changes it)\n", pub.VersionNumber, idList(a.PublishedFlowIDs))
	default:
		p.printf("    published: none\n")
	}
	if a.Mode == agentModePath {
		a.Skipped = "the agent is in mode path (a conversational path takes its flows on its nodes, not through " +
			"flow_ids): name a single-prompt agent (mode free) in DIGA_PROBE_AGENT_ID"
		p.printf("    skipped: %s\n", a.Skipped)
		return
	}

	// A flow of the agent's own that could not run would let Diga refuse
	// the assignment for it, which would tell nothing of the scratch flow.
	for _, f := range draft.Flows {
		if f.Status != string(client.FlowStatusEnabled) {
			a.Skipped = fmt.Sprintf("the agent's draft holds flow %s with status %s: Diga could refuse the "+
				"assignment for that flow and tell nothing about the scratch flow. Name an agent whose flows are all "+
				"published and enabled (or one without flows) in DIGA_PROBE_AGENT_ID", f.ID, orNull(f.Status))
			p.printf("    skipped: %s\n", a.Skipped)
			return
		}
	}

	for _, s := range []struct{ id, title, flow string }{
		{stepAgentScratch, "assign the scratch flow (never published, so disabled) to the draft", p.rep.FlowID},
		{stepAgentNoFlow, "assign an id of no flow (as a deleted flow's) to the draft", noSuchFlowID()},
	} {
		if ctx.Err() != nil {
			break
		}
		p.assign(ctx, a, s.id, s.title, s.flow)
	}
	p.restoreAgent()
}

// assign sends the draft's original flows plus flowID, then reads the
// draft back.
func (p *prober) assign(ctx context.Context, a *AgentResult, id, title, flowID string) {
	p.rec.setStep(id)
	p.printf("\n[%s] %s\n", id, title)
	r := &AssignResult{ID: id, Title: title, FlowID: flowID, Sent: append(slices.Clone(a.DraftFlowIDs), flowID)}
	a.Assignments = append(a.Assignments, r)
	a.touched, a.draftKnown = true, false
	mark := p.rec.mark()
	got, err := p.c.SetAgentFlows(ctx, a.ID, r.Sent)
	r.Patch = p.callResult(nil, err, p.rec.since(mark))
	if err == nil {
		r.Answered = flowsSeen(got)
	}
	if ctx.Err() != nil {
		return
	}
	mark = p.rec.mark()
	draft, err := p.c.GetAgent(ctx, a.ID)
	r.ReadBack = p.callResult(nil, err, p.rec.since(mark))
	if err == nil {
		a.draftNow, a.draftKnown = agentFlowIDs(draft), true
		for _, f := range flowsSeen(draft) {
			if f.ID == flowID {
				r.Held, r.Shown = true, &f
			}
		}
	}
	for _, line := range assignSeen(r) {
		p.printf("    seen: %s\n", line)
	}
}

func assignSeen(r *AssignResult) []string {
	var out []string
	if r.Patch.OK {
		out = append(out, fmt.Sprintf("PATCH accepted (%s)", r.Patch.outcome()))
	} else {
		out = append(out, fmt.Sprintf("PATCH refused (%s): %s", r.Patch.outcome(), r.Patch.Error))
	}
	switch {
	case r.ReadBack == nil:
	case !r.ReadBack.OK:
		out = append(out, "GET of the draft failed: "+r.ReadBack.Error)
	case r.Held:
		out = append(out, fmt.Sprintf("the draft holds %s, shown with name %s and status %s", r.FlowID,
			orNull(r.Shown.Name), orNull(r.Shown.Status)))
	default:
		out = append(out, "the draft does not hold "+r.FlowID)
	}
	return out
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return fmt.Sprintf("%q", s)
}

func idList(ids []string) string {
	if len(ids) == 0 {
		return "[]"
	}
	return "[" + strings.Join(ids, ", ") + "]"
}

// restoreAgent puts the draft's original flows back when an assignment may
// have changed them, with the cleanup context (it also runs after an
// interrupt), and checks the result. It runs at most once.
func (p *prober) restoreAgent() {
	a := p.rep.Agent
	if a == nil || !a.touched || a.Restored || a.Restore != nil || a.RestoreRead != nil {
		return
	}
	p.rec.setStep(stepAgentRestore)
	p.printf("\n[%s] give the draft its flows back: %s\n", stepAgentRestore, idList(a.DraftFlowIDs))
	ctx, cancel := p.cfg.CleanupContext()
	defer cancel()
	if !a.draftKnown {
		mark := p.rec.mark()
		draft, err := p.c.GetAgent(ctx, a.ID)
		a.RestoreRead = p.callResult(nil, err, p.rec.since(mark))
		if err == nil {
			a.draftNow, a.draftKnown = agentFlowIDs(draft), true
		}
	}
	if a.draftKnown && sameSet(a.draftNow, a.DraftFlowIDs) {
		a.Restored, a.RestoredFlows = true, a.draftNow
		p.printf("    the draft holds its own flows: nothing to restore\n")
		return
	}
	mark := p.rec.mark()
	_, err := p.c.SetAgentFlows(ctx, a.ID, a.DraftFlowIDs)
	a.Restore = p.callResult(nil, err, p.rec.since(mark))
	mark = p.rec.mark()
	draft, err := p.c.GetAgent(ctx, a.ID)
	a.RestoreRead = p.callResult(nil, err, p.rec.since(mark))
	if err == nil {
		a.RestoredFlows = agentFlowIDs(draft)
		a.Restored = sameSet(a.RestoredFlows, a.DraftFlowIDs)
	}
	if a.Restored {
		p.printf("    restored: the draft holds %s again\n", idList(a.RestoredFlows))
		return
	}
	p.printf("    COULD NOT RESTORE the draft of agent %s (%s)\n", a.ID, a.Restore.outcome())
	p.printf("    Set its flows back to %s in the Diga dashboard (the agent's draft only; no version changed).\n",
		idList(a.DraftFlowIDs))
}

// agentOf sums up a 2xx agent answer on one line, leaving the agent's
// prompt and other settings out of the printed output; "" for any other
// exchange.
func agentOf(ex Exchange) string {
	if ex.Status < 200 || ex.Status > 299 || !strings.HasPrefix(ex.Path, "/v1/agent/") || !strings.Contains(ex.ContentType, "json") {
		return ""
	}
	var w struct {
		AgentID       *string `json:"agent_id"`
		Mode          *string `json:"mode"`
		VersionNumber any     `json:"version_number"`
		IsDraft       *bool   `json:"is_draft"`
		IsPublished   *bool   `json:"is_published"`
		Flows         []struct {
			ID     string  `json:"id"`
			Status *string `json:"status"`
		} `json:"flows"`
	}
	if json.Unmarshal([]byte(ex.Body), &w) != nil || w.AgentID == nil {
		return ""
	}
	kind := "version"
	switch {
	case w.IsDraft != nil && *w.IsDraft:
		kind = "draft"
	case w.IsPublished != nil && *w.IsPublished:
		kind = "published version"
	}
	flows := make([]string, len(w.Flows))
	for i, f := range w.Flows {
		status := "null"
		if f.Status != nil {
			status = *f.Status
		}
		flows[i] = f.ID + " " + status
	}
	mode := "null"
	if w.Mode != nil {
		mode = *w.Mode
	}
	return fmt.Sprintf("(%s %v, mode %s, flows [%s]; the rest in the -json report)", kind, w.VersionNumber, mode,
		strings.Join(flows, ", "))
}

// ---- verdicts ----------------------------------------------------------------

// Answers of the agent questions.
const (
	ansAccepted        = "accepted"
	ansAcceptedDropped = "accepted-dropped"
)

func init() {
	answerText[ansAccepted] = "accepted: the draft holds the flow"
	answerText[ansAcceptedDropped] = "accepted, but the draft does not hold the flow (dropped silently)"
}

// agentVerdicts answer the agent questions (none when the step did not run).
func (p *prober) agentVerdicts() []Verdict {
	a := p.rep.Agent
	if a == nil {
		return nil
	}
	return []Verdict{p.unpublishedFlowVerdict(a), p.noFlowVerdict(a)}
}

func (a *AgentResult) assignment(id string) *AssignResult {
	for _, r := range a.Assignments {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// assignAnswer classifies one assignment: accepted (and held), accepted
// but dropped, refused (4xx), or unknown.
func assignAnswer(r *AssignResult) (answer, evidence string) {
	switch {
	case r == nil:
		return ansUnknown, "not sent"
	case r.Patch.Status == 0:
		return ansUnknown, "the PATCH got no answer: " + r.Patch.Error
	case !r.Patch.OK && r.Patch.Status >= 400 && r.Patch.Status < 500:
		return ansRefused, fmt.Sprintf("PATCH flow_ids: %s: %s", r.Patch.outcome(), r.Patch.Error)
	case !r.Patch.OK:
		return ansOther, "PATCH flow_ids: " + r.Patch.outcome()
	case r.ReadBack == nil || !r.ReadBack.OK:
		return ansUnknown, "PATCH flow_ids: " + r.Patch.outcome() + ", but the draft could not be read back"
	case r.Held:
		return ansAccepted, fmt.Sprintf("PATCH flow_ids: %s; the draft read back holds it (name %s, status %s)",
			r.Patch.outcome(), orNull(r.Shown.Name), orNull(r.Shown.Status))
	}
	return ansAcceptedDropped, "PATCH flow_ids: " + r.Patch.outcome() + "; the draft read back does not hold it"
}

func (p *prober) unpublishedFlowVerdict(a *AgentResult) Verdict {
	v := Verdict{Question: "agent_unpublished_flow", Axis: "agent-flow",
		Title: "Assigning a flow that is not published or enabled to an agent"}
	if a.Skipped != "" {
		v.Answer, v.Evidence = ansUnknown, "skipped: "+a.Skipped
		return v
	}
	v.Answer, v.Evidence = assignAnswer(a.assignment(stepAgentScratch))
	v.Evidence = "the scratch flow (never published, status DISABLED): " + v.Evidence
	switch v.Answer {
	case ansAccepted:
		v.Mode = modeAgentAccepted
		v.Meaning = "Diga stores an assignment that cannot run: nothing on Diga's side stops it, so diga_agent_flows' " +
			"own checks (the flow enabled, a Diga trigger, the right last step) are the only guard before calls."
	case ansRefused:
		v.Mode = modeAgentChecked
		v.Meaning = "Diga refuses to assign a flow that is not published and enabled: an assignment must come after " +
			"the flow's publish and enable, which diga_agent_flows requires anyway (a reference to diga_flow.<name>.id " +
			"orders the apply)."
	case ansAcceptedDropped:
		v.Meaning = "Diga answers success but drops the flow: an apply would think it assigned a flow the agent does " +
			"not have. The provider reads the draft back after assigning and reports a difference; tell the maintainers."
	}
	return v
}

func (p *prober) noFlowVerdict(a *AgentResult) Verdict {
	v := Verdict{Question: "agent_no_such_flow", Title: "Assigning an id of no flow (a deleted flow's) to an agent"}
	if a.Skipped != "" {
		v.Answer, v.Evidence = ansUnknown, "skipped: "+a.Skipped
		return v
	}
	r := a.assignment(stepAgentNoFlow)
	v.Answer, v.Evidence = assignAnswer(r)
	if r != nil {
		v.Evidence = r.FlowID + ": " + v.Evidence
	}
	switch v.Answer {
	case ansRefused:
		v.Meaning = "A deleted or mistyped flow id is refused, which the provider's own check (\"no flow with this id " +
			"exists\") says at plan, before anything is sent."
	case ansAccepted:
		v.Meaning = "Diga keeps an id of no flow in an agent's flows: the provider's existence check is the only guard, " +
			"and a data source may show flows without a name or status."
	case ansAcceptedDropped:
		v.Meaning = "Diga drops an id of no flow without an error: an apply naming a deleted flow would succeed " +
			"without assigning it; the provider checks each flow exists first."
	}
	return v
}

// agentFlowMode is the emulator's -agent-flow-mode matching the account
// ("" when the step did not decide it).
func agentFlowMode(vs []Verdict) string {
	for _, v := range vs {
		if v.Question == "agent_unpublished_flow" {
			return v.Mode
		}
	}
	return ""
}

// agentObservations are the agent step's extras worth a line each.
func (p *prober) agentObservations() []string {
	a := p.rep.Agent
	if a == nil || a.Read == nil || !a.Read.OK {
		return nil
	}
	out := []string{fmt.Sprintf("the agent's draft shows mode %s", orNull(a.Mode))}
	for _, r := range a.Assignments {
		if r.Patch.OK && len(r.Answered) > 0 && r.Held {
			for _, f := range r.Answered {
				if f.ID == r.FlowID && (f.Status != r.Shown.Status || f.Name != r.Shown.Name) {
					out = append(out, fmt.Sprintf("%s: the PATCH answer shows %s otherwise than the GET after it", r.ID, r.FlowID))
				}
			}
		}
	}
	return out
}
