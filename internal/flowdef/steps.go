package flowdef

import (
	"fmt"
	"strconv"
	"strings"
)

// Flat step lists
//
// A definition is a tree: each step holds the next one in nextAction, a
// router holds the first step of each branch in children, a loop the first
// step of its body. FromSteps builds that tree from the form people think
// in: a trigger and an ordered list of steps, where a router's branches and
// a loop's body are lists of their own.
//
// Each step of a list is a step object as Diga writes it (name, type,
// displayName, settings, skip, …) without nextAction and children, plus:
//
//   - branches (routers): one object per branch, holding what Diga keeps in
//     settings.branches (branchName, branchType, conditions, …) and, in
//     steps, the branch's own step list (absent or empty: an empty branch);
//   - steps (loops): the loop body's step list.
//
// type may be left out when the step says what it is: branches make a
// ROUTER, steps a LOOP_ON_ITEMS, settings.actionName a PIECE step and
// settings.sourceCode a CODE step. The trigger's type defaults to
// PIECE_TRIGGER and its name to "trigger" (Diga's name for it). Nothing else is added or renamed, so the tree holds
// exactly what the list says and a plan shows a change in Diga's own terms.

// ListProblem is one reason a flat step list cannot become a definition,
// located by its position in the lists as written.
type ListProblem struct {
	// InTrigger: the problem is about the trigger, not the step list.
	InTrigger bool
	// Position is where the step is in the lists as written:
	// "steps[4].branches[1].steps[0]", or "trigger".
	Position string
	// Step is the step's name; "" when it has none (and for the trigger).
	Step    string
	Message string // what is wrong and how to fix it
}

func (p ListProblem) String() string {
	if p.Step == "" {
		return p.Position + ": " + p.Message
	}
	return fmt.Sprintf("%s (%q): %s", p.Position, p.Step, p.Message)
}

// FromSteps builds a definition from a trigger object and a flat, ordered
// list of steps (see "Flat step lists" above) and returns its canonical
// text (what jsonencode of the same tree gives). trigger and steps are
// plain JSON values: maps, slices, strings, json.Number, bools and nil.
// When anything is wrong the text is "" and every problem found is listed
// with its list position; the checks of Validate and CheckSize are run on
// the tree too, and their problems located the same way.
func FromSteps(trigger, steps any) (string, []ListProblem) {
	b := &listBuilder{positions: map[string]string{}}
	root := b.trigger(trigger)
	first := b.chain(steps, "steps")
	if len(b.problems) > 0 {
		return "", b.problems
	}
	if first != nil {
		root["nextAction"] = first
	}
	for _, p := range Validate(root) {
		if p.Warning {
			continue
		}
		pos, ok := b.positions[p.Name]
		lp := ListProblem{Position: pos, Step: p.Name, Message: p.Message}
		if p.Name == "" || !ok {
			lp = ListProblem{InTrigger: true, Position: "trigger", Message: p.Message}
		}
		b.problems = append(b.problems, lp)
	}
	if len(b.problems) > 0 {
		return "", b.problems
	}
	text := Canonical(root)
	if err := CheckSize(text); err != nil {
		return "", []ListProblem{{Position: "steps", Message: err.Error()}}
	}
	return text, nil
}

type listBuilder struct {
	problems []ListProblem
	// positions maps each step name to the position where it was first
	// written; the trigger's name maps to "trigger".
	positions map[string]string
}

func (b *listBuilder) add(pos, step, format string, args ...any) {
	b.problems = append(b.problems, ListProblem{Position: pos, Step: step, Message: fmt.Sprintf(format, args...)})
}

func (b *listBuilder) trigger(v any) map[string]any {
	t, ok := v.(map[string]any)
	if !ok {
		b.problems = append(b.problems, ListProblem{InTrigger: true, Position: "trigger",
			Message: fmt.Sprintf("the trigger must be an object such as { settings = { pieceName = \"@diga/piece-diga\", triggerName = \"call_finished\" } }, not %s", kindOf(v))})
		return map[string]any{}
	}
	out := make(map[string]any, len(t)+1)
	for k, val := range t {
		if val != nil {
			out[k] = val
		}
	}
	for _, k := range []string{"nextAction", "children"} {
		if _, has := out[k]; has {
			b.problems = append(b.problems, ListProblem{InTrigger: true, Position: "trigger",
				Message: k + " does not belong in the trigger here: the steps go in the step list (the second argument), in the order they run"})
		}
	}
	if _, has := out["type"]; !has {
		out["type"] = "PIECE_TRIGGER"
	}
	if _, has := out["name"]; !has {
		// Diga names every trigger "trigger"; writing it keeps the state's
		// copy and this text alike, so a drift diff shows only the drift.
		out["name"] = "trigger"
	}
	if name, ok := out["name"].(string); ok && name != "" {
		b.positions[name] = "trigger"
	}
	return out
}

// chain builds the nextAction chain of the steps listed at pos and returns
// its first step (nil for an empty or absent list).
func (b *listBuilder) chain(v any, pos string) any {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		b.add(pos, "", "must be a list of step objects, not %s", kindOf(v))
		return nil
	}
	var first, prev map[string]any
	for i, item := range list {
		step := b.step(item, pos+"["+strconv.Itoa(i)+"]")
		if step == nil {
			continue
		}
		if prev == nil {
			first = step
		} else {
			prev["nextAction"] = step
		}
		prev = step
	}
	if first == nil {
		return nil
	}
	return first
}

// step builds one step of a list (not its nextAction), or returns nil when
// the item is not an object.
func (b *listBuilder) step(v any, pos string) map[string]any {
	s, ok := v.(map[string]any)
	if !ok {
		b.add(pos, "", "must be a step object with a name, such as { name = \"notify\", settings = { … } }, not %s", kindOf(v))
		return nil
	}
	name, _ := s["name"].(string)
	switch {
	case s["name"] == nil || name == "":
		b.add(pos, "", "every step needs a name, unique in the flow (e.g. \"notify_crm\")")
	case !isString(s["name"]):
		b.add(pos, "", "name must be a string, not %s", kindOf(s["name"]))
	default:
		if first, dup := b.positions[name]; dup {
			b.add(pos, name, "step name %q is already used at %s; step names must be unique across the whole flow", name, first)
		} else {
			b.positions[name] = pos
		}
	}

	out := make(map[string]any, len(s))
	for k, val := range s {
		if val != nil && k != "branches" && k != "steps" {
			out[k] = val
		}
	}
	for _, k := range []string{"nextAction", "children", "firstLoopAction"} {
		if _, has := out[k]; has {
			b.add(pos, name, "%s does not belong in a step of a list: the next step is the next item of the list, "+
				"a router's branches take branches = [{ …, steps = [ … ] }] and a loop's body steps = [ … ]", k)
		}
	}
	branches, hasBranches := s["branches"]
	body, hasBody := s["steps"]
	hasBranches, hasBody = hasBranches && branches != nil, hasBody && body != nil
	settings, isObject := s["settings"].(map[string]any)
	if !isObject && s["settings"] != nil {
		b.add(pos, name, "settings must be an object, not %s", kindOf(s["settings"]))
		return out
	}

	typ, typed := s["type"].(string)
	if !typed && s["type"] == nil {
		switch {
		case hasBranches:
			typ = "ROUTER"
		case hasBody:
			typ = "LOOP_ON_ITEMS"
		case settings["actionName"] != nil:
			typ = "PIECE"
		case settings["sourceCode"] != nil:
			typ = "CODE"
		default:
			b.add(pos, name, "type is required here (one of %s): it can only be left out when the step says what it is "+
				"(branches for a ROUTER, steps for a LOOP_ON_ITEMS, settings.actionName for a PIECE step, settings.sourceCode for CODE)",
				strings.Join(ActionTypes, ", "))
		}
		if typ != "" {
			out["type"] = typ
		}
	}

	switch {
	case hasBranches && typ != "ROUTER":
		b.add(pos, name, "branches belong to a ROUTER step, and this step's type is %s", brief(s["type"]))
	case hasBody && typ != "LOOP_ON_ITEMS":
		b.add(pos, name, "steps (a loop body) belong to a LOOP_ON_ITEMS step, and this step's type is %s", brief(s["type"]))
	case typ == "ROUTER":
		b.router(out, branches, settings, pos, name)
	case typ == "LOOP_ON_ITEMS":
		if first := b.chain(body, pos+".steps"); first != nil {
			out["firstLoopAction"] = first
		}
	}
	return out
}

// router moves the branch objects into settings.branches and their step
// lists into children.
func (b *listBuilder) router(out map[string]any, branches any, settings map[string]any, pos, name string) {
	if _, has := settings["branches"]; has {
		b.add(pos, name, "give a router's branches once, in branches = [{ branchName = …, conditions = …, steps = [ … ] }], "+
			"not in settings.branches: the list form puts each branch's steps next to its conditions")
		return
	}
	list, ok := branches.([]any)
	if !ok || len(list) == 0 {
		b.add(pos, name, "a ROUTER needs branches: a non-empty list with one object per branch, "+
			"such as { branchName = \"VIP\", branchType = \"CONDITION\", conditions = [ … ], steps = [ … ] }")
		return
	}
	defs := make([]any, len(list))
	children := make([]any, len(list))
	for i, item := range list {
		bpos := pos + ".branches[" + strconv.Itoa(i) + "]"
		br, ok := item.(map[string]any)
		if !ok {
			b.add(bpos, "", "must be a branch object (branchName, branchType, conditions and its steps), not %s", kindOf(item))
			continue
		}
		def := make(map[string]any, len(br))
		for k, val := range br {
			if k != "steps" && val != nil {
				def[k] = val
			}
		}
		defs[i] = def
		children[i] = b.chain(br["steps"], bpos+".steps")
	}
	s := make(map[string]any, len(settings)+1)
	for k, val := range settings {
		s[k] = val
	}
	s["branches"] = defs
	out["settings"] = s
	out["children"] = children
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}
