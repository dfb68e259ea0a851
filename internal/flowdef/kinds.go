package flowdef

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Flows for Diga's voice agents
//
// A flow whose trigger is one of the Diga piece's triggers runs only for
// the voice agents it is assigned to, and what it is for follows from that
// trigger: a pre-call flow (Pre-Call) prepares a call before it starts, a
// post-call flow (Call Finished) handles a call that ended, a during-call
// flow (Function Call) is a function the agent calls while it talks. Diga
// publishes such a flow whatever its steps are, but two of them only work
// when the run ends on the Diga action that answers the agent: a pre-call
// flow on Return Call Data, a synchronous during-call flow on Return
// Response. JobProblems finds the paths that end elsewhere before the flow
// is live; AssignmentProblems adds what makes a flow useless on an agent.
//
// The piece's package name and the trigger, action and input names are
// this project's inference from Diga's documentation, which gives UI
// labels only (the same inference as the emulator's piece data).

// Kind is what a flow does for an agent, in the words of Diga's
// flow_category.
type Kind string

// The kinds of flow an agent runs; KindNone is every other flow.
const (
	KindNone       Kind = ""
	KindPreCall    Kind = "pre_call"
	KindPostCall   Kind = "post_call"
	KindDuringCall Kind = "during_call"
)

// The Diga piece, its triggers (one per Kind) and the actions that answer
// the agent.
const (
	DigaPiece                = "@diga/piece-diga"
	DigaTriggerPreCall       = "pre_call"
	DigaTriggerCallFinished  = "call_finished"
	DigaTriggerFunctionCall  = "function_call"
	DigaActionReturnCallData = "return_call_data"
	DigaActionReturnResponse = "return_response"
)

// Label is the kind for people: "pre-call", "post-call", "during-call";
// "" for KindNone.
func (k Kind) Label() string {
	switch k {
	case KindPreCall:
		return "pre-call"
	case KindPostCall:
		return "post-call"
	case KindDuringCall:
		return "during-call"
	}
	return ""
}

// kindOfTrigger maps a Diga trigger's name to its Kind.
var kindOfTrigger = map[string]Kind{
	DigaTriggerPreCall:      KindPreCall,
	DigaTriggerCallFinished: KindPostCall,
	DigaTriggerFunctionCall: KindDuringCall,
}

// Kind is the flow's kind by its trigger: a PIECE_TRIGGER of the Diga
// piece (pieceName exactly "@diga/piece-diga") whose triggerName is
// pre_call, call_finished or function_call. Any other trigger, and no
// definition, is KindNone.
func (d *Definition) Kind() Kind {
	if d == nil {
		return KindNone
	}
	return triggerKind(d.tree)
}

func triggerKind(trigger map[string]any) Kind {
	if t, _ := trigger["type"].(string); t != "PIECE_TRIGGER" {
		return KindNone
	}
	settings, _ := trigger["settings"].(map[string]any)
	if piece, _ := settings["pieceName"].(string); piece != DigaPiece {
		return KindNone
	}
	name, _ := settings["triggerName"].(string)
	return kindOfTrigger[name]
}

// Synchronous reports whether the flow is a during-call flow the agent
// waits for: its Function Call trigger's input execution_mode is absent
// (null and "" count as absent: the piece's default is synchronous) or
// "synchronous". Any other value is asynchronous; JobProblems reports one
// that is neither word. False for every other kind.
func (d *Definition) Synchronous() bool {
	if d.Kind() != KindDuringCall {
		return false
	}
	return synchronous(triggerInput(d.tree))
}

func synchronous(input map[string]any) bool {
	mode, present := input["execution_mode"]
	if !present || blank(mode) {
		return true
	}
	s, _ := mode.(string)
	return s == executionSynchronous
}

const (
	executionSynchronous  = "synchronous"
	executionAsynchronous = "asynchronous"
)

func triggerInput(trigger map[string]any) map[string]any {
	settings, _ := trigger["settings"].(map[string]any)
	input, _ := settings["input"].(map[string]any)
	return input
}

// JobProblems lists what makes the flow fail on every call although Diga
// publishes it, by step (errors: Warning is false):
//
//   - a pre-call flow whose run can end on a step that is not the Diga
//     action return_call_data, and a synchronous during-call flow whose run
//     can end on a step that is not return_response (see ends for where a
//     run can end); a flow without steps ends on its trigger;
//   - a Function Call trigger without a function_name or description, with
//     an execution_mode that is neither synchronous nor asynchronous, or
//     without parameters, or with a parameter that breaks the rules of
//     parameterProblems.
//
// Other kinds of flow have no such problems, nor has a definition that is
// nil.
func (d *Definition) JobProblems() []Problem {
	if d == nil {
		return nil
	}
	var out []Problem
	switch d.Kind() {
	case KindPreCall:
		out = endProblems(d.tree, DigaActionReturnCallData, "Return Call Data", "pre-call flow",
			"Diga takes the call's prompt addition and dynamic variables from the Return Call Data step that ends a "+
				"pre-call flow (the generic Respond piece does not reach the agent), so a run that ends elsewhere "+
				"fails on every call (and hangs the call up when abort_on_failure is on)", "")
	case KindDuringCall:
		out = functionCallProblems(d.tree)
		if d.Synchronous() {
			out = append(out, endProblems(d.tree, DigaActionReturnResponse, "Return Response",
				"synchronous during-call flow",
				"the agent waits for the Return Response step that ends a synchronous during-call flow (at most "+
					"60 s) and otherwise gets an error instead of the function's result, on every call",
				", or, when the agent need not wait for a result, set settings.input.execution_mode = \"asynchronous\"")...)
		}
	}
	return out
}

// AssignmentProblems lists why the flow cannot do its job on a voice
// agent: a trigger that is not one of the Diga piece's three (agents run
// no other flow), then JobProblems.
func (d *Definition) AssignmentProblems() []Problem {
	if d == nil {
		return []Problem{{Step: "trigger", Message: "the flow has no definition (no trigger): " + agentTriggersRule}}
	}
	if d.Kind() == KindNone {
		return []Problem{{Step: "trigger", Message: fmt.Sprintf("the trigger is %s, not one an agent runs: %s",
			describeTrigger(d.tree), agentTriggersRule)}}
	}
	return d.JobProblems()
}

const agentTriggersRule = "agents only run flows with a Diga Pre-Call, Call Finished or Function Call trigger " +
	"(type PIECE_TRIGGER, pieceName \"" + DigaPiece + "\", triggerName \"" + DigaTriggerPreCall + "\", \"" +
	DigaTriggerCallFinished + "\" or \"" + DigaTriggerFunctionCall + "\"), so assigning this flow to an agent " +
	"would never run it. Give the flow one of these triggers, or leave it unassigned (a flow with Make Call " +
	"launches calls on its own trigger)"

func describeTrigger(trigger map[string]any) string {
	typ, _ := trigger["type"].(string)
	if typ != "PIECE_TRIGGER" {
		if typ == "" {
			return "without a type"
		}
		return "of type " + typ
	}
	settings, _ := trigger["settings"].(map[string]any)
	piece, _ := settings["pieceName"].(string)
	name, _ := settings["triggerName"].(string)
	return fmt.Sprintf("the trigger %q of %q", name, piece)
}

// An end is where a run can stop: the step it ends on, or a router whose
// branch (branch ≥ 0) runs no step or that no branch may take (branch -1).
type end struct {
	step   map[string]any // the trigger itself for a flow that runs no step
	where  *stepPath
	branch int
	reason string // why the run ends at a router
	// skipped: the first of the skipped steps that follow step at the end
	// of its chain (quoted), "" when none do.
	skipped string
}

// ends lists the ends of the chain that starts at first, after parent:
// its last step that runs, or, when that is a ROUTER, the ends of each
// branch's chain (the FALLBACK branch included); a branch that runs no
// step ends at the router, and so does a router with no FALLBACK branch
// (when no condition holds, nothing runs after it). A loop ends like an
// ordinary step: the run goes on after its body. Skipped steps (skip:
// true) do not run, so a chain ends on the last step that is not skipped,
// and a chain without one ends at parent.
func ends(first any, parent *stepPath, parentStep map[string]any) []end {
	last, where, at := parentStep, parent, parent
	skipped := ""
	for cur, _ := first.(map[string]any); cur != nil; cur, _ = cur["nextAction"].(map[string]any) {
		at = at.next(cur)
		if at.depth > MaxStepDepth {
			break // Validate reports it
		}
		if cur["skip"] == true {
			if skipped == "" {
				skipped = quoteName(cur)
			}
			continue
		}
		last, where, skipped = cur, at, ""
	}
	if where == parent {
		return []end{{step: parentStep, where: parent, branch: -1, skipped: skipped}}
	}
	if t, _ := last["type"].(string); t != "ROUTER" {
		return []end{{step: last, where: where, branch: -1, skipped: skipped}}
	}
	settings, _ := last["settings"].(map[string]any)
	branches, _ := settings["branches"].([]any)
	children, _ := last["children"].([]any)
	n := max(len(branches), len(children))
	var out []end
	fallback := false
	for i := range n {
		var br map[string]any
		if i < len(branches) {
			br, _ = branches[i].(map[string]any)
		}
		if t, _ := br["branchType"].(string); t == "FALLBACK" {
			fallback = true
		}
		var child any
		if i < len(children) {
			child = children[i]
		}
		if sub := ends(child, where.branch(i), last); len(sub) == 1 && sub[0].where.depth == where.depth {
			// The branch runs no step.
			what := "is empty"
			if sub[0].skipped != "" {
				what = "has only skipped steps (skip = true)"
			}
			out = append(out, end{step: last, where: where.branch(i), branch: i,
				reason: "its " + routerBranchLabel(i, br) + " " + what + ", so a run that takes it ends at the router"})
		} else {
			out = append(out, sub...)
		}
	}
	if !fallback {
		reason := "it has no FALLBACK branch, so a run in which no branch's conditions hold ends at the router"
		if n == 0 {
			reason = "it has no branches, so a run ends at the router"
		}
		out = append(out, end{step: last, where: where, branch: -1, reason: reason})
	}
	return out
}

func routerBranchLabel(i int, br map[string]any) string {
	label := "branch " + strconv.Itoa(i) + " (children[" + strconv.Itoa(i) + "]"
	if name, _ := br["branchName"].(string); strings.TrimSpace(name) != "" {
		label += ", " + strconv.Quote(name)
	}
	return label + ")"
}

// endProblems reports each end of the flow that is not the Diga action
// want: a flow of kind (e.g. "pre-call flow") that must end with the
// action labelled label, for the reason why.
func endProblems(trigger map[string]any, want, label, kind, why, otherFix string) []Problem {
	fix := fmt.Sprintf("add a %s step (type PIECE, pieceName %q, actionName %q) as the last step of every path%s",
		label, DigaPiece, want, otherFix)
	var out []Problem
	for _, e := range ends(trigger["nextAction"], triggerPath(), trigger) {
		var msg string
		switch {
		case e.where.depth == 0 && e.skipped != "":
			msg = fmt.Sprintf("every step of this %s is skipped (skip = true), so every run ends on its trigger: "+
				"%s; %s", kind, why, fix)
		case e.where.depth == 0:
			msg = fmt.Sprintf("this %s has no steps, so every run ends on its trigger: %s; %s", kind, why, fix)
		case e.reason != "":
			msg = fmt.Sprintf("the router %s ends this %s's run, and %s: %s; %s", quoteName(e.step), kind, e.reason,
				why, fix)
			if e.branch < 0 {
				msg += ", a FALLBACK branch included (it takes the runs no condition takes)"
			}
		case isDigaAction(e.step, want):
			continue
		default:
			after := ""
			if e.skipped != "" {
				after = fmt.Sprintf(" (the steps after it, from %s on, are skipped: skip = true)", e.skipped)
			}
			msg = fmt.Sprintf("this path of the %s ends on %s, not on %s%s: %s; %s", kind, describeStep(e.step), label,
				after, why, fix)
		}
		out = append(out, Problem{Step: e.where.String(), Name: e.where.name, Message: msg})
	}
	return out
}

func isDigaAction(step map[string]any, action string) bool {
	if t, _ := step["type"].(string); t != "PIECE" {
		return false
	}
	settings, _ := step["settings"].(map[string]any)
	piece, _ := settings["pieceName"].(string)
	name, _ := settings["actionName"].(string)
	return piece == DigaPiece && name == action
}

func quoteName(step map[string]any) string {
	if name, _ := step["name"].(string); name != "" {
		return strconv.Quote(name)
	}
	return "(unnamed)"
}

// describeStep says what a step is: `the step "notify" (the action
// "send_channel_message" of "@activepieces/piece-slack")`.
func describeStep(step map[string]any) string {
	s := "the step " + quoteName(step)
	settings, _ := step["settings"].(map[string]any)
	switch t, _ := step["type"].(string); t {
	case "PIECE":
		piece, _ := settings["pieceName"].(string)
		action, _ := settings["actionName"].(string)
		return s + fmt.Sprintf(" (the action %q of %q)", action, piece)
	case "LOOP_ON_ITEMS":
		return s + " (a loop: the run goes on after its body, so the body's last step does not end it)"
	case "":
		return s
	default:
		return s + " (a " + t + " step)"
	}
}

// parameterNamePattern is the rule this provider holds a Function Call
// parameter's name to; Diga's docs give none. A name starts with a letter
// or _, then holds letters, digits and _, at most 64 characters in all:
// the agent's language model receives the parameters as the properties of
// a function declaration, whose keys model providers limit to letters,
// digits, _ and - and 64 characters, and the flow reads a value as
// {{trigger.arguments.<name>}}, where a name of this form needs no
// quoting.
var parameterNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

const parameterNameRule = "a parameter name starts with a letter or _ and holds only letters, digits and _, at most " +
	"64 characters (it becomes a key of the function the agent sees, and the flow reads it as " +
	"{{trigger.arguments.<name>}}), e.g. \"appointment_date\""

// parameterTypes are the documented parameter types (Text, Number,
// Boolean, Array). Their encoding in the trigger's input is our inference:
// the lowercase word is written, any case is accepted.
var parameterTypes = []string{"text", "number", "boolean", "array"}

// functionCallProblems checks a Function Call trigger's inputs: what the
// agent needs to call the function at all.
func functionCallProblems(trigger map[string]any) []Problem {
	where := triggerPath()
	var out []Problem
	add := func(format string, args ...any) {
		out = append(out, Problem{Step: where.String(), Message: fmt.Sprintf(format, args...)})
	}
	input := triggerInput(trigger)
	if s, ok := input["function_name"].(string); !ok || strings.TrimSpace(s) == "" {
		add("settings.input.function_name is %s: the agent calls the function by this name; give one, e.g. "+
			"\"book_appointment\"", missingOr(input["function_name"]))
	}
	if s, ok := input["description"].(string); !ok || strings.TrimSpace(s) == "" {
		add("settings.input.description is %s: it is what tells the agent when to call the function; describe "+
			"when to use it, e.g. \"Books an appointment when the caller asks for one and gives a date\"",
			missingOr(input["description"]))
	}
	if mode, present := input["execution_mode"]; present && !blank(mode) && mode != executionSynchronous &&
		mode != executionAsynchronous {
		add("settings.input.execution_mode %s is neither %q (the default: the agent waits for Return Response) nor "+
			"%q (the agent goes on): use one of them", brief(mode), executionSynchronous, executionAsynchronous)
	}
	raw, present := input["parameters"]
	params, isList := raw.([]any)
	switch {
	case !present || raw == nil:
		add("settings.input.parameters is missing: list the function's parameters, each { name, type, required, " +
			"description } with type text, number, boolean or array, or give parameters = [] for a function " +
			"that takes none")
		return out
	case !isList:
		add("settings.input.parameters must be a list of parameters, each { name, type, required, description }, "+
			"not %s", jsonKind(raw))
		return out
	}
	seen := map[string]int{}
	for i, p := range params {
		for _, msg := range parameterProblems(p, i, seen) {
			add("%s", msg)
		}
	}
	return out
}

// parameterProblems checks the i-th parameter of a Function Call trigger:
// an object with a name (parameterNamePattern, unique), a type among
// parameterTypes (any case), a description (not blank), and required, when
// given, a boolean. seen maps the names met so far to their index.
func parameterProblems(p any, i int, seen map[string]int) []string {
	at := fmt.Sprintf("settings.input.parameters[%d]", i)
	param, ok := p.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s must be an object { name, type, required, description }, not %s", at, jsonKind(p))}
	}
	var out []string
	name, isStr := param["name"].(string)
	switch {
	case param["name"] == nil || (isStr && name == ""):
		out = append(out, fmt.Sprintf("%s needs a name: %s", at, parameterNameRule))
	case !isStr:
		out = append(out, fmt.Sprintf("%s.name must be a string, not %s", at, jsonKind(param["name"])))
	case !parameterNamePattern.MatchString(name):
		out = append(out, fmt.Sprintf("%s.name %q is not a valid parameter name: %s", at, shortLabel(name), parameterNameRule))
	default:
		if j, dup := seen[name]; dup {
			out = append(out, fmt.Sprintf("%s.name %q is already the name of settings.input.parameters[%d]: each "+
				"parameter needs its own name", at, name, j))
		} else {
			seen[name] = i
		}
	}
	typ, isStr := param["type"].(string)
	if !isStr || !contains(parameterTypes, strings.ToLower(typ)) {
		got := "missing"
		if param["type"] != nil {
			got = brief(param["type"])
		}
		out = append(out, fmt.Sprintf("%s.type is %s: use one of %s (the documented Text, Number, Boolean and "+
			"Array; case is ignored)", at, got, strings.Join(quoteAll(parameterTypes), ", ")))
	}
	if d, ok := param["description"].(string); !ok || strings.TrimSpace(d) == "" {
		out = append(out, fmt.Sprintf("%s.description is %s: tell the agent what the value is and in what form, "+
			"e.g. \"The date of the appointment, as YYYY-MM-DD\"", at, missingOr(param["description"])))
	}
	if r, ok := param["required"]; ok && r != nil {
		if _, isBool := r.(bool); !isBool {
			out = append(out, fmt.Sprintf("%s.required must be true or false, not %s", at, jsonKind(r)))
		}
	}
	return out
}

// missingOr says how a value that should be a non-blank string falls
// short: "missing", "blank" or "not a string (a number)".
func missingOr(v any) string {
	switch s, isStr := v.(string); {
	case v == nil:
		return "missing"
	case isStr && strings.TrimSpace(s) == "":
		return "blank"
	default:
		return "not a string (" + jsonKind(v) + ")"
	}
}

// jsonKind names a JSON value's kind for messages.
func jsonKind(v any) string {
	if _, ok := v.(map[string]any); ok {
		return "an object"
	}
	return kindOf(v)
}
