package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// Report is everything one run learnt; -json writes it.
type Report struct {
	Tool     string        `json:"tool"`
	BaseURL  string        `json:"base_url"`
	FlowName string        `json:"flow_name"`
	FlowID   string        `json:"flow_id,omitempty"`
	Started  time.Time     `json:"started"`
	Piece    *PieceInfo    `json:"piece,omitempty"`
	Steps    []*StepResult `json:"steps"`
	// Verdicts answer the questions, one each; see Verdict.
	Verdicts     []Verdict `json:"verdicts"`
	Observations []string  `json:"observations,omitempty"`
	// ImportMode and ResponseMode name the emulator modes
	// (cmd/diga-emulator -import-mode, -response-mode) whose reading the
	// answers match; "" when none does (ModesNote says why).
	ImportMode   string `json:"import_mode"`
	ResponseMode string `json:"response_mode"`
	ModesNote    string `json:"modes_note,omitempty"`
	// Agent is the agent step (DIGA_PROBE_AGENT_ID); nil when not run.
	// AgentFlowMode names the emulator's -agent-flow-mode whose reading
	// its answers match ("" when undecided).
	Agent         *AgentResult `json:"agent,omitempty"`
	AgentFlowMode string       `json:"agent_flow_mode,omitempty"`
	// Deleted lists the flows deleted at the end; Leftovers those that
	// could not be: the user must delete them.
	Deleted   []string `json:"deleted"`
	Leftovers []string `json:"leftovers,omitempty"`
	// ControlLookup is the sample data of a step never sent, read with
	// the first BodyLookup: what Diga answers for a step that is not there.
	ControlLookup *CallResult `json:"control_lookup,omitempty"`
	// Requests counts every HTTP attempt, retries included.
	Requests  int        `json:"requests"`
	Exchanges []Exchange `json:"exchanges"`
	Error     string     `json:"error,omitempty"`

	// extra are flows a lost create answer may have left under the run's
	// unique name: deleted too.
	extra []string
}

// PieceInfo is the Diga piece as the catalogue showed it.
type PieceInfo struct {
	Name        string   `json:"name"`
	Version     string   `json:"version,omitempty"`
	Actions     []string `json:"actions,omitempty"`
	Triggers    []string `json:"triggers,omitempty"`
	ActionUsed  string   `json:"action_used,omitempty"`
	TriggerUsed string   `json:"trigger_used,omitempty"`
	Error       string   `json:"error,omitempty"`
}

// StepResult is one import and the GET after it.
type StepResult struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Skipped     string          `json:"skipped,omitempty"`
	DisplayName string          `json:"display_name,omitempty"`
	Sent        json.RawMessage `json:"sent,omitempty"`
	Import      *CallResult     `json:"import,omitempty"`
	Read        *CallResult     `json:"read,omitempty"`
	// DraftUnchanged: after a refused import, whether the GET shows the
	// same tree as the GET before it.
	DraftUnchanged *bool `json:"draft_unchanged_after_refusal,omitempty"`
	// BodyLookup (steps d and b): the sample data of the loop body's
	// step, read when GET shows no loop body (see Report.ControlLookup).
	BodyLookup *CallResult `json:"body_lookup,omitempty"`
	Seen       []string    `json:"seen,omitempty"`
}

// CallResult is one client call: the last attempt's status and what the
// answer held.
type CallResult struct {
	OK          bool            `json:"ok"`
	Status      int             `json:"status"`
	Attempts    int             `json:"attempts"`
	ContentType string          `json:"content_type,omitempty"`
	ErrorCode   string          `json:"error_code,omitempty"`
	Error       string          `json:"error,omitempty"`
	Name        *string         `json:"name,omitempty"`
	Trigger     json.RawMessage `json:"trigger,omitempty"`
}

// Verdict answers one question.
type Verdict struct {
	// Question is a stable key: complete_tree, import, loop_bodies,
	// missing_piece_version, get_answer, get_shows_draft,
	// piece_version_range; with the agent step agent_unpublished_flow
	// and agent_no_such_flow.
	Question string `json:"question"`
	Title    string `json:"title"`
	// Answer is a stable key (see answerText); Summary says it in words.
	Answer  string `json:"answer"`
	Summary string `json:"summary"`
	// Axis is the emulator flag the question belongs to ("import",
	// "response" or "agent-flow"; "" for questions every mode answers
	// alike) and Mode the
	// emulator mode whose reading Answer is ("" when none is).
	Axis     string `json:"axis,omitempty"`
	Mode     string `json:"mode,omitempty"`
	Evidence string `json:"evidence"`
	Meaning  string `json:"meaning"`
}

// The emulator's mode names (internal/emulator/modes.go; the probe's tests
// check they are the same).
const (
	modeLenient          = "lenient"
	modeEngine           = "engine"
	modeDeclared         = "declared"
	modeFull             = "full"
	modeDeclaredNoBodies = "declared-no-loop-bodies"
)

// Answers.
const (
	ansUnknown = "unknown"
	ansOther   = "other"

	ansImported = "imported"
	ansRefused  = "refused"
	ansBodyLost = "loop-body-lost"

	ansFillsKeysIn = "fills-keys-in"
	ansEngineAsIs  = "engine-as-is"

	ansChildrenKept   = "children-kept"
	ansMovedToFLA     = "moved-to-firstLoopAction"
	ansFirstLoopOnly  = "firstLoopAction-only"
	ans500            = "500"
	ans4xx            = "4xx"
	ansFilledIn       = "filled-in"
	ansAcceptedNoVer  = "accepted-without-version"
	ansWholeTree      = "whole-engine-tree"
	ansDeclared       = "declared-models"
	ansDeclaredNoBody = "declared-models-no-loop-bodies"
	ansDraft          = "draft"
	ansNotDraft       = "not-draft"
	ansExact          = "exact"
	ansAsSent         = "as-sent"
)

var answerText = map[string]string{
	ansUnknown:        "cannot tell",
	ansOther:          "another reading (none of the emulator's)",
	ansImported:       "imported: every step, the loop body included, is stored",
	ansRefused:        "REFUSED",
	ansBodyLost:       "imported, but the loop body in firstLoopAction is LOST",
	ansFillsKeysIn:    "Diga fills the missing keys in: the short form imports",
	ansEngineAsIs:     "the engine gets the body as it is: the short form is refused",
	ansChildrenKept:   "kept: a loop body written in children survives the import",
	ansMovedToFLA:     "kept, moved to firstLoopAction",
	ansFirstLoopOnly:  "only firstLoopAction counts: a body written in children is silently lost",
	ans500:            "500: the import fails",
	ans4xx:            "refused with a 4xx",
	ansFilledIn:       "Diga fills the version in",
	ansAcceptedNoVer:  "accepted and stored without a version",
	ansWholeTree:      "the whole engine tree: undeclared keys such as lastUpdatedDate, sourceCode, items are present",
	ansDeclared:       "the declared models only; loop bodies shown as children[0]",
	ansDeclaredNoBody: "the declared models only; loop bodies not shown",
	ansDraft:          "the draft",
	ansNotDraft:       "not the draft",
	ansExact:          "the exact version (the range stripped)",
	ansAsSent:         "the range as sent",
}

func (r *Report) step(id string) *StepResult {
	for _, s := range r.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *s)
}

// outcome describes a call's answer in a few words: "200",
// "500 text/html", "400 STEP_NOT_FOUND", "no answer".
func (c *CallResult) outcome() string {
	switch {
	case c == nil:
		return "not sent"
	case c.Status == 0:
		return "no answer (" + c.Error + ")"
	case c.OK:
		return fmt.Sprint(c.Status)
	case c.ErrorCode != "":
		return fmt.Sprintf("%d %s", c.Status, c.ErrorCode)
	}
	ct := c.ContentType
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if ct == "" {
		return fmt.Sprint(c.Status)
	}
	return fmt.Sprintf("%d %s", c.Status, ct)
}

// tree is the trigger of a successful GET; nil otherwise.
func (s *StepResult) tree() map[string]any {
	if s == nil || s.Read == nil || !s.Read.OK {
		return nil
	}
	return decodeTree(s.Read.Trigger)
}

// stored reports whether the import was accepted and the GET after it
// shows every named step.
func (s *StepResult) stored(names ...string) bool {
	return s != nil && s.Import != nil && s.Import.OK && hasAll(s.tree(), names...)
}

// answered reports whether the import went out and was answered.
func (s *StepResult) answered() bool {
	return s != nil && s.Import != nil && s.Import.Status != 0
}

// seen are the lines printed after a step: what its answers show.
func (p *prober) seen(id string, r *StepResult) []string {
	var out []string
	if r.Import.OK {
		out = append(out, fmt.Sprintf("import accepted (%s)", r.Import.outcome()))
	} else {
		out = append(out, fmt.Sprintf("import refused (%s): %s", r.Import.outcome(), r.Import.Error))
	}
	if r.DraftUnchanged != nil {
		if *r.DraftUnchanged {
			out = append(out, "the refused import left the draft as it was")
		} else {
			out = append(out, "the refused import CHANGED the draft (partly applied?)")
		}
	}
	if r.Read == nil || !r.Read.OK {
		if r.Read != nil {
			out = append(out, "GET failed: "+r.Read.Error)
		}
		return out
	}
	tree := r.tree()
	named := "the import's displayName"
	if r.Read.Name == nil || *r.Read.Name != r.DisplayName {
		named = "not the import's displayName " + fmt.Sprintf("%q", r.DisplayName)
	}
	out = append(out, fmt.Sprintf("GET: name %s (%s); steps %s", deref(r.Read.Name), named, strings.Join(stepNames(tree), ", ")))
	if keys := undeclaredKeys(tree); len(keys) > 0 {
		out = append(out, "keys outside the declared models: "+strings.Join(keys, ", "))
	} else {
		out = append(out, "only keys of the declared models")
	}
	walkTree(tree, func(s map[string]any) {
		if s["type"] == "LOOP_ON_ITEMS" {
			at := loopBodyAt(s)
			if at == "" {
				at = "not shown (children " + describeValue(s["children"], hasKey(s, "children")) + ")"
			}
			out = append(out, fmt.Sprintf("loop %v: body %s", s["name"], at))
		}
	})
	out = append(out, "valid: "+validFlags(tree))
	if !r.Import.OK {
		return out // the rest describes what an import stored
	}
	switch id {
	case stepC, stepE:
		if s := findStep(tree, id+"_piece"); s != nil {
			st, _ := s["settings"].(map[string]any)
			v, ok := st["pieceVersion"]
			out = append(out, fmt.Sprintf("%s_piece settings.pieceVersion: %s", id, describeValue(v, ok)))
		}
	case stepA1, stepA2:
		st, _ := tree["settings"].(map[string]any)
		line := fmt.Sprintf("trigger: name %s, type %s, displayName %s", describeValue(tree["name"], hasKey(tree, "name")),
			describeValue(tree["type"], hasKey(tree, "type")), describeValue(tree["displayName"], hasKey(tree, "displayName")))
		if id == stepA1 {
			v, ok := st["pieceVersion"]
			line += ", settings.pieceVersion " + describeValue(v, ok)
		}
		out = append(out, line)
	}
	return out
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// validFlags lists "name=valid" for the trigger and every step.
func validFlags(tree map[string]any) string {
	var parts []string
	walkTree(tree, func(s map[string]any) {
		name, _ := s["name"].(string)
		if name == "" {
			name = "(trigger without name)"
		}
		parts = append(parts, name+"="+describeValue(s["valid"], hasKey(s, "valid")))
	})
	return strings.Join(parts, ", ")
}

// decide answers the questions from the steps' results.
func (p *prober) decide() {
	r := p.rep
	r.Verdicts = []Verdict{
		p.completeTreeVerdict(), p.importVerdict(), p.loopVerdict(), p.pieceVersionVerdict(),
		p.getVerdict(), p.draftVerdict(), p.rangeVerdict(),
	}
	r.Verdicts = append(r.Verdicts, p.agentVerdicts()...)
	for i := range r.Verdicts {
		v := &r.Verdicts[i]
		v.Summary = answerText[v.Answer]
	}
	r.ImportMode, r.ResponseMode, r.ModesNote = modesOf(r.Verdicts)
	r.AgentFlowMode = agentFlowMode(r.Verdicts)
	r.Observations = append(p.observations(), p.agentObservations()...)
}

func (p *prober) importVerdict() Verdict {
	v := Verdict{Question: "import", Title: "Import of the short form (no trigger name, valid, displayName, pieceVersion, lastUpdatedDate)", Axis: "import"}
	type probe struct {
		s          *StepResult
		code, what string
	}
	var ran []probe
	for _, pr := range []probe{
		{p.rep.step(stepA1), "a1_code", "a1 (piece trigger without name and pieceVersion)"},
		{p.rep.step(stepA2), "a2_code", "a2 (EMPTY trigger without name)"},
	} {
		if pr.s.answered() {
			ran = append(ran, pr)
		}
	}
	if len(ran) == 0 {
		v.Answer, v.Evidence = ansUnknown, "the short-form imports (a1, a2) got no answer"
		return v
	}
	accepted, refused := 0, 0
	var ev []string
	for _, pr := range ran {
		s := pr.s
		switch {
		case s.stored(pr.code):
			accepted++
			tree := s.tree()
			line := fmt.Sprintf("%s: %s, trigger named %s", pr.what, s.Import.outcome(), describeValue(tree["name"], hasKey(tree, "name")))
			if s.ID == stepA1 {
				st, _ := tree["settings"].(map[string]any)
				pv, ok := st["pieceVersion"]
				line += ", pieceVersion " + describeValue(pv, ok)
			}
			ev = append(ev, line)
		case s.Import.OK:
			ev = append(ev, fmt.Sprintf("%s: %s but the GET after it does not show %s", pr.what, s.Import.outcome(), pr.code))
		default:
			refused++
			ev = append(ev, fmt.Sprintf("%s: %s", pr.what, s.Import.outcome()))
		}
	}
	v.Evidence = strings.Join(ev, "; ")
	switch {
	case accepted == len(ran):
		v.Answer, v.Mode = ansFillsKeysIn, modeLenient
		v.Meaning = "Diga completes a short tree before the engine sees it. The provider sends complete engine trees " +
			"anyway (flowdef.EngineTree), so nothing changes for it; scripts that import the short form work too."
	case refused == len(ran):
		v.Answer, v.Mode = ansEngineAsIs, modeEngine
		v.Meaning = "Only complete engine trees import. The provider must keep building them (flowdef.EngineTree fills " +
			"in the trigger's name, valid, displayName, lastUpdatedDate and pieceVersion); a hand-written import of the " +
			"short form (a script, curl) fails."
	default:
		v.Answer = ansOther
		v.Meaning = "Diga accepts some short forms and refuses others (see the evidence): the provider's complete " +
			"engine trees are the safe choice; tell the maintainers which part was refused."
	}
	return v
}

// bodyState is what the answers tell of the loop body one import sent.
type bodyState int

const (
	bodyUnknown bodyState = iota
	bodyShown             // the GET after the import shows it
	bodyHidden            // GET does not show it, but the step is there
	bodyAbsent            // the import lost it
)

// loopFacts gathers what d and b tell about loop bodies.
type loopFacts struct {
	d, b     bodyState
	dAt, bAt string // where GET shows the body (bodyShown)
	// shown: GET shows loop bodies ("yes"), hides them ("no"), or ""
	// (cannot tell).
	shown string
}

func (p *prober) loopFacts() loopFacts {
	var f loopFacts
	state := func(id string) (bodyState, string) {
		s := p.rep.step(id)
		if !s.stored(id + "_loop") {
			return bodyUnknown, ""
		}
		tree := s.tree()
		if findStep(tree, id+"_loop_body") != nil {
			return bodyShown, loopBodyAt(findStep(tree, id+"_loop"))
		}
		switch exists(s.BodyLookup, p.rep.ControlLookup) {
		case 1:
			return bodyHidden, ""
		case -1:
			return bodyAbsent, ""
		}
		return bodyUnknown, ""
	}
	f.d, f.dAt = state(stepD)
	f.b, f.bAt = state(stepB)
	// One body shown means GET shows bodies: the other, not shown, was lost.
	switch {
	case f.d == bodyShown || f.b == bodyShown:
		f.shown = "yes"
		if f.d != bodyShown && p.rep.step(stepD).stored(stepD+"_loop") {
			f.d = bodyAbsent
		}
		if f.b != bodyShown && p.rep.step(stepB).stored(stepB+"_loop") {
			f.b = bodyAbsent
		}
	case f.d == bodyHidden || f.b == bodyHidden:
		f.shown = "no"
	}
	return f
}

// exists reads a sample-data look-up against the control: 1 when the step
// answers as a step that is there, -1 as one that is not, 0 when the
// answers do not tell.
func exists(lookup, control *CallResult) int {
	switch {
	case lookup == nil || control == nil || lookup.Status == 0 || control.Status == 0:
		return 0
	case lookup.OK && !control.OK:
		return 1
	case !lookup.OK && !control.OK && lookup.Status == control.Status && lookup.ErrorCode == control.ErrorCode:
		return -1
	}
	return 0
}

// lookupEvidence describes a step's sample-data look-up and the control.
func (p *prober) lookupEvidence(s *StepResult, body string) string {
	if s == nil || s.BodyLookup == nil {
		return ""
	}
	return fmt.Sprintf("; sample data of %s: %s, of %s (never sent): %s", body, s.BodyLookup.outcome(), neverSentStep, p.rep.ControlLookup.outcome())
}

func (p *prober) completeTreeVerdict() Verdict {
	v := Verdict{Question: "complete_tree", Title: "The complete engine tree the provider sends (loop body in firstLoopAction)"}
	d := p.rep.step(stepD)
	switch {
	case !d.answered():
		v.Answer, v.Evidence = ansUnknown, "step d got no answer"
		return v
	case !d.Import.OK:
		v.Answer, v.Axis, v.Evidence = ansRefused, "import", "d: "+d.Import.outcome()
		v.Meaning = "Diga refuses the very body the provider imports: every apply with a definition fails. Tell the " +
			"maintainers, with this output."
		if d.Import.Status >= 500 && strings.Contains(d.Import.ContentType, "html") {
			v.Meaning = "An HTML error page is a gateway's answer more likely than Diga's: run the probe again. If d " +
				"is refused again, every apply with a definition fails; tell the maintainers, with this output."
		}
		return v
	case !d.stored("d_code", "d_loop", "d_router"):
		v.Answer, v.Axis, v.Evidence = ansOther, "import", "d: "+d.Import.outcome()+", but the GET after it does not show its steps"
		return v
	}
	f := p.loopFacts()
	switch f.d {
	case bodyShown, bodyHidden:
		v.Answer = ansImported
		v.Evidence = "d: " + d.Import.outcome() + ", every step stored"
		if f.d == bodyHidden {
			v.Evidence += " (the loop body, which GET does not show, found by its sample data" + p.lookupEvidence(d, "d_loop_body") + ")"
		}
		v.Meaning = "What the provider imports is stored, loop bodies included."
	case bodyAbsent:
		v.Answer, v.Axis = ansBodyLost, "import"
		v.Evidence = "d: " + d.Import.outcome() + ", but its loop body d_loop_body is gone"
		if f.b == bodyShown {
			v.Evidence += " while b's body, sent in children, shows as " + f.bAt
		}
		v.Evidence += p.lookupEvidence(d, "d_loop_body")
		v.Meaning = "Diga drops firstLoopAction on import (as a server reading the body through its declared models " +
			"would): every loop the provider imports loses its body. The provider must send loop bodies in children " +
			"instead; tell the maintainers."
	default:
		v.Answer = ansUnknown
		v.Evidence = "d: " + d.Import.outcome() + "; whether its loop body was kept cannot be told (GET shows none" + p.lookupEvidence(d, "d_loop_body") + ")"
	}
	return v
}

func (p *prober) loopVerdict() Verdict {
	v := Verdict{Question: "loop_bodies", Title: "A loop body written in children, on import", Axis: "import"}
	b := p.rep.step(stepB)
	switch {
	case !b.answered():
		v.Answer, v.Evidence = ansUnknown, "step b got no answer"
		return v
	case !b.Import.OK:
		v.Answer, v.Evidence = ansOther, "the import of b was refused: "+b.Import.outcome()
		v.Meaning = "Diga refuses a loop body in children outright: the provider sends bodies in firstLoopAction " +
			"(flowdef.EngineTree), so only hand-written imports are affected."
		return v
	case !b.stored("b_loop"):
		v.Answer, v.Evidence = ansUnknown, "the GET after b does not show the loop b_loop"
		return v
	}
	lostMeaning := "A loop body sent in children is dropped without an error: the provider must keep sending it in " +
		"firstLoopAction (flowdef.EngineTree does), and a hand-written import that succeeds may still have lost steps."
	keptMeaning := "A loop body written in children survives an import; the provider sends firstLoopAction anyway, so " +
		"nothing changes for it."
	f := p.loopFacts()
	switch f.b {
	case bodyShown:
		v.Evidence = "the GET after b shows b_loop_body at " + f.bAt
		if f.bAt == "firstLoopAction" {
			v.Answer = ansMovedToFLA
			v.Meaning = "Diga moves a body written in children to firstLoopAction: either form imports."
			return v
		}
		v.Answer, v.Mode, v.Meaning = ansChildrenKept, modeLenient, keptMeaning
	case bodyHidden:
		v.Answer, v.Mode, v.Meaning = ansChildrenKept, modeLenient, keptMeaning
		v.Evidence = "GET shows no loop bodies, but b_loop_body is there" + p.lookupEvidence(b, "b_loop_body")
	case bodyAbsent:
		v.Answer, v.Mode, v.Meaning = ansFirstLoopOnly, modeEngine, lostMeaning
		if f.shown == "yes" {
			v.Evidence = "the GET after b shows no body in b_loop, while GET does show loop bodies (d's, sent in firstLoopAction)"
		} else {
			v.Evidence = "GET shows no loop bodies, and b_loop_body is not there" + p.lookupEvidence(b, "b_loop_body")
		}
	default:
		v.Answer = ansUnknown
		v.Evidence = "GET shows no loop body after b" + p.lookupEvidence(b, "b_loop_body")
		v.Meaning = "Diga's sample-data answers do not tell a step that is there from one that is not."
	}
	return v
}

func (p *prober) pieceVersionVerdict() Verdict {
	v := Verdict{Question: "missing_piece_version", Title: "A PIECE step without pieceVersion in an otherwise complete tree", Axis: "import"}
	c := p.rep.step(stepC)
	if !c.answered() {
		v.Answer, v.Evidence = ansUnknown, "step c got no answer"
		return v
	}
	v.Evidence = "c: " + c.Import.outcome()
	if !c.Import.OK {
		switch {
		case c.Import.Status == 500:
			v.Answer, v.Mode = ans500, modeEngine
			v.Meaning = "The engine throws on a piece step without a version and Diga passes it on as a bare 500: the " +
				"provider must take the version from the catalogue before importing (it does), and stop before sending " +
				"when the catalogue cannot give one (it does)."
		case c.Import.Status >= 400 && c.Import.Status < 500:
			v.Answer = ans4xx
			v.Meaning = "Diga refuses a piece step without a version with a readable error: the provider's catalogue " +
				"look-up before import stays necessary."
		default:
			v.Answer = ansOther
		}
		return v
	}
	step := findStep(c.tree(), "c_piece")
	if step == nil {
		v.Answer = ansOther
		v.Evidence += ", but the GET after it does not show c_piece"
		return v
	}
	if pv, ok := settingString(step, "pieceVersion"); ok && pv != "" {
		v.Answer = ansFilledIn
		v.Evidence += fmt.Sprintf(", stored pieceVersion %q (catalogue: %q)", pv, p.pieceVersion)
		v.Meaning = "Diga fills the version in itself: the provider's catalogue look-up before an import is redundant, " +
			"and harmless."
		return v
	}
	v.Answer, v.Mode = ansAcceptedNoVer, modeLenient
	v.Evidence += ", stored without pieceVersion"
	v.Meaning = "Diga stores a piece step without a version: the import succeeds, the step may not run. The provider " +
		"always sends the catalogue's version, so its flows are not affected."
	return v
}

func (p *prober) getVerdict() Verdict {
	v := Verdict{Question: "get_answer", Title: "What GET shows of the stored tree", Axis: "response"}
	// The first complete tree stored; d has every kind of key.
	var from *StepResult
	for _, id := range []string{stepD, stepB, stepC, stepE} {
		if s := p.rep.step(id); s.stored() && s.tree() != nil {
			from = s
			break
		}
	}
	if from == nil {
		v.Answer, v.Evidence = ansUnknown, "no complete tree was imported"
		return v
	}
	keys := undeclaredKeys(from.tree())
	f := p.loopFacts()
	at := f.dAt
	if at == "" {
		at = f.bAt
	}
	sent := strings.Join(undeclaredKeys(decodeTree(from.Sent)), ", ") + " were sent"
	switch {
	case len(keys) > 0 && f.shown != "no":
		v.Answer, v.Mode = ansWholeTree, modeFull
		v.Evidence = fmt.Sprintf("the GET after %s shows keys outside the declared models: %s", from.ID, strings.Join(keys, ", "))
		if f.shown == "yes" {
			v.Evidence += "; a loop body at " + at
		}
		v.Meaning = "Everything stored is visible: an edit in the Diga UI to any key (a CODE step's code, a loop's items, " +
			"error handling, a loop body) shows in a plan."
	case len(keys) > 0:
		v.Answer = ansOther
		v.Evidence = fmt.Sprintf("the GET after %s shows keys outside the declared models (%s) but no loop body", from.ID, strings.Join(keys, ", "))
	case f.shown == "yes" && at == "children[0]":
		v.Answer, v.Mode = ansDeclared, modeDeclared
		v.Evidence = fmt.Sprintf("the GET after %s shows no key outside the declared models (%s), and a loop body as children[0]", from.ID, sent)
		v.Meaning = "Keys outside Diga's declared models never come back: an edit in the Diga UI to a CODE step's code, " +
			"a loop's items or error handling does not show in a plan (the provider keeps them from state), and " +
			"`terraform import` cannot recover them. Loop bodies are compared as children[0]."
	case f.shown == "yes":
		v.Answer = ansOther
		v.Evidence = "a loop body shows at " + at
	case f.shown == "no" || (f.d == bodyUnknown && f.b == bodyUnknown && p.rep.step(stepD).stored("d_loop") && p.rep.step(stepB).stored("b_loop")):
		v.Answer, v.Mode = ansDeclaredNoBody, modeDeclaredNoBodies
		v.Evidence = fmt.Sprintf("the GET after %s shows no key outside the declared models (%s), and no loop body", from.ID, sent)
		if loop := findStep(from.tree(), from.ID+"_loop"); loop != nil {
			v.Evidence += fmt.Sprintf(" (%s_loop's children: %s)", from.ID, describeValue(loop["children"], hasKey(loop, "children")))
		}
		if f.shown == "no" {
			v.Evidence += "; the sample data show the body is stored"
		} else {
			v.Evidence += "; not confirmed: the sample-data look-ups do not tell whether the bodies are stored"
		}
		v.Meaning = "Under this reading a loop body edited in the Diga UI does not show in a plan, nor does an edit to " +
			"a CODE step's code, a loop's items or error handling; `terraform import` of a flow with a loop cannot " +
			"recover the loop's body."
	default:
		v.Answer = ansUnknown
		v.Evidence = fmt.Sprintf("the GET after %s shows no key outside the declared models; whether GET shows loop bodies cannot be told", from.ID)
	}
	return v
}

func (p *prober) draftVerdict() Verdict {
	v := Verdict{Question: "get_shows_draft", Title: "Whether GET shows the draft (the flow is never published)"}
	firstSteps := map[string]string{stepD: "d_code", stepB: "b_code", stepC: "c_piece", stepE: "e_piece", stepA1: "a1_code", stepA2: "a2_code"}
	for _, id := range []string{stepD, stepB, stepC, stepE, stepA1, stepA2} {
		s := p.rep.step(id)
		if s == nil || s.Import == nil || !s.Import.OK || s.Read == nil || !s.Read.OK {
			continue
		}
		nameNote := fmt.Sprintf("GET's name %s is the import's displayName", deref(s.Read.Name))
		if s.Read.Name == nil || *s.Read.Name != s.DisplayName {
			nameNote = fmt.Sprintf("GET's name %s is not the import's displayName %q", deref(s.Read.Name), s.DisplayName)
		}
		if s.stored(firstSteps[id]) {
			v.Answer = ansDraft
			v.Evidence = fmt.Sprintf("after the accepted import %s GET shows its steps; %s", id, nameNote)
			v.Meaning = "Refresh compares the configuration with the draft: an unpublished edit made in the Diga UI shows " +
				"as drift, and the apply re-imports the configured definition before a publish."
		} else {
			v.Answer = ansNotDraft
			v.Evidence = fmt.Sprintf("after the accepted import %s GET does not show its steps; %s", id, nameNote)
			v.Meaning = "GET does not show what an import wrote: the provider's drift detection and its re-import before " +
				"publish rely on GET showing the draft. Tell the maintainers."
		}
		return v
	}
	v.Answer, v.Evidence = ansUnknown, "no import was accepted"
	return v
}

func (p *prober) rangeVerdict() Verdict {
	v := Verdict{Question: "piece_version_range", Title: "A pieceVersion range (^x.y.z) on import", Axis: "import"}
	e := p.rep.step(stepE)
	switch {
	case e == nil || e.Skipped != "":
		v.Answer = ansUnknown
		if e != nil {
			v.Evidence = "step e skipped: " + e.Skipped
		}
		return v
	case !e.answered():
		v.Answer, v.Evidence = ansUnknown, "step e got no answer"
		return v
	case !e.Import.OK:
		v.Answer, v.Evidence = ansOther, "e: "+e.Import.outcome()
		v.Meaning = "Diga refuses a version range: a definition must give exact versions (or none, taken from the catalogue)."
		return v
	}
	step := findStep(e.tree(), "e_piece")
	if step == nil {
		v.Answer, v.Evidence = ansOther, "the GET after e does not show e_piece"
		return v
	}
	pv, _ := settingString(step, "pieceVersion")
	v.Evidence = fmt.Sprintf("sent ^%s, stored %q", p.pieceVersion, pv)
	switch pv {
	case p.pieceVersion:
		v.Answer, v.Mode = ansExact, modeEngine
		v.Meaning = "Diga stores the exact version; the provider reads a stored version inside a configured range as no change."
	case "^" + p.pieceVersion:
		v.Answer, v.Mode = ansAsSent, modeLenient
		v.Meaning = "Diga stores the range as sent; the provider compares it as written."
	default:
		v.Answer = ansOther
	}
	return v
}

// modesOf names the emulator modes the verdicts agree on.
func modesOf(vs []Verdict) (importMode, responseMode, note string) {
	var notes []string
	pick := func(axis string) string {
		mode, conflict := "", false
		for _, v := range vs {
			if v.Axis != axis || v.Answer == ansUnknown {
				continue
			}
			if v.Mode == "" {
				notes = append(notes, fmt.Sprintf("%s: %q is no emulator mode's reading", v.Question, v.Answer))
				conflict = true
				continue
			}
			if mode != "" && mode != v.Mode {
				conflict = true
			}
			if mode == "" {
				mode = v.Mode
			}
		}
		if conflict {
			var parts []string
			for _, v := range vs {
				if v.Axis == axis && v.Answer != ansUnknown && v.Mode != "" {
					parts = append(parts, v.Question+" → "+v.Mode)
				}
			}
			if len(parts) > 0 {
				notes = append(notes, fmt.Sprintf("no single %s mode fits (%s)", axis, strings.Join(parts, ", ")))
			}
			return ""
		}
		if mode == "" {
			notes = append(notes, "no answer decides the "+axis+" mode")
		}
		return mode
	}
	importMode = pick("import")
	responseMode = pick("response")
	return importMode, responseMode, strings.Join(notes, "; ")
}

// observations are the cheap extras worth a line each.
func (p *prober) observations() []string {
	var out []string
	if d := p.rep.step(stepD); d.tree() != nil && d.stored("d_code") {
		out = append(out, "valid after the complete tree d: "+validFlags(d.tree()))
		walkTree(d.tree(), func(s map[string]any) {
			if s["type"] == "CODE" && s["valid"] == false {
				out = append(out, fmt.Sprintf("%v, a complete CODE step, shows valid=false: the import may have dropped "+
					"settings.sourceCode (which GET may not show)", s["name"]))
			}
		})
	}
	for _, s := range p.rep.Steps {
		if s.Import != nil && s.Import.OK && s.Read != nil && s.Read.OK && s.Import.Trigger != nil {
			same := flowdef.Canonical(decodeTree(s.Import.Trigger)) == flowdef.Canonical(s.tree())
			if !same {
				out = append(out, fmt.Sprintf("the answer to import %s shows another tree than the GET after it", s.ID))
			}
		}
		if s.DraftUnchanged != nil {
			if *s.DraftUnchanged {
				out = append(out, fmt.Sprintf("the refused import %s left the draft as it was", s.ID))
			} else {
				out = append(out, fmt.Sprintf("the refused import %s CHANGED the draft: Diga applies imports partly", s.ID))
			}
		}
	}
	if a1 := p.rep.step(stepA1); a1.stored("a1_code") {
		st, _ := a1.tree()["settings"].(map[string]any)
		pv, ok := st["pieceVersion"]
		out = append(out, fmt.Sprintf("after the short form a1 the trigger is named %s, its displayName is %s, its pieceVersion %s",
			describeValue(a1.tree()["name"], hasKey(a1.tree(), "name")), describeValue(a1.tree()["displayName"], hasKey(a1.tree(), "displayName")), describeValue(pv, ok)))
	}
	return out
}

// printVerdicts writes the summary: one block per question, the emulator
// modes, the extras, the request count and the scratch flow's fate.
func (p *prober) printVerdicts() {
	r := p.rep
	if len(r.Steps) == 0 {
		p.printf("\nNothing was imported, so nothing is decided.\n")
		p.printFooter()
		return
	}
	p.printf("\n== What holds for this Diga account ==\n")
	for _, v := range r.Verdicts {
		mode := ""
		switch {
		case v.Mode != "":
			mode = fmt.Sprintf(" [emulator: -%s-mode %s]", v.Axis, v.Mode)
		case v.Axis != "" && v.Answer != ansUnknown:
			mode = " [no emulator mode]"
		}
		p.printf("\n%s:\n  %s%s\n", v.Title, v.Summary, mode)
		if v.Evidence != "" {
			p.printf("  seen: %s\n", v.Evidence)
		}
		if v.Meaning != "" {
			p.printf("  for the provider: %s\n", v.Meaning)
		}
	}
	p.printf("\nEmulator modes matching this account: ")
	switch {
	case r.ImportMode != "" && r.ResponseMode != "":
		p.printf("-import-mode %s -response-mode %s\n", r.ImportMode, r.ResponseMode)
		p.printf("  (DIGA_EMULATOR_IMPORT_MODE=%s DIGA_EMULATOR_RESPONSE_MODE=%s for the acceptance tests)\n", r.ImportMode, r.ResponseMode)
	default:
		p.printf("import %s, response %s\n", orNone(r.ImportMode), orNone(r.ResponseMode))
	}
	if r.ModesNote != "" {
		p.printf("  note: %s\n", r.ModesNote)
	}
	if r.AgentFlowMode != "" {
		p.printf("  and -agent-flow-mode %s (DIGA_EMULATOR_AGENT_FLOW_MODE=%s)\n", r.AgentFlowMode, r.AgentFlowMode)
	}
	if len(r.Observations) > 0 {
		p.printf("\nAlso seen:\n")
		for _, o := range r.Observations {
			p.printf("  - %s\n", o)
		}
	}
	p.printFooter()
}

// printFooter: the request count and what became of the scratch flow.
func (p *prober) printFooter() {
	r := p.rep
	p.printf("\nRequests sent: %d, retries included (the piece look-up without the key).\n", r.Requests)
	switch {
	case r.FlowID == "" && len(r.extra) == 0:
		p.printf("No scratch flow was created.\n")
	case len(r.Leftovers) > 0:
		p.printf("The scratch flow was NOT deleted: delete %s (named %q) yourself.\n", strings.Join(r.Leftovers, ", "), r.FlowName)
	default:
		p.printf("Scratch flow %s deleted.\n", strings.Join(r.Deleted, ", "))
	}
	if a := r.Agent; a != nil && a.touched {
		if a.Restored {
			p.printf("The draft of agent %s holds its own flows again: %s.\n", a.ID, idList(a.RestoredFlows))
		} else {
			p.printf("The draft of agent %s was NOT restored: set its flows back to %s yourself.\n", a.ID, idList(a.DraftFlowIDs))
		}
	}
	p.printf("This output never contains your API key; paste it (or the -json report) into an issue as it is.\n")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
