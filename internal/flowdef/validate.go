package flowdef

import (
	"fmt"
	"strings"
)

// TriggerTypes and ActionTypes are Diga's TriggerType and ActionType enums.
var (
	TriggerTypes = []string{"EMPTY", "PIECE_TRIGGER"}
	ActionTypes  = []string{"PIECE", "CODE", "LOOP_ON_ITEMS", "ROUTER"}
)

// MaxSteps bounds the number of steps a definition may hold. Diga documents
// no limit; this one only stops a runaway generated definition before it is
// sent.
const MaxSteps = 1000

// Problem is one reason a definition cannot be applied, located by step.
type Problem struct {
	// Step is the path of the step, e.g. "trigger > router_1.children[0] >
	// send_slack"; the middle of a long path is shortened
	// ("trigger > a > b > c > … 190 steps … > x > y > z").
	Step string
	// Name is the name of the step the problem is about; "" for the
	// trigger and for a step without a name.
	Name    string
	Message string // what is wrong and how to fix it
}

func (p Problem) String() string { return p.Step + ": " + p.Message }

// Validate checks a parsed definition against what Diga accepts and can
// return, without calling it: trigger and action types, required piece
// settings, unique step names, well-formed routers and loops, and the
// limits (MaxStepDepth, MaxJSONDepth, numbers a 64-bit float holds). The
// size limit needs the text: see CheckSize.
func Validate(trigger map[string]any) []Problem {
	v := &validator{names: map[string]*stepPath{}}
	v.trigger(trigger)
	return v.problems
}

type validator struct {
	problems   []Problem
	names      map[string]*stepPath // step name → path where first seen
	steps      int
	limitCount int // problems found by the limit checks
}

func (v *validator) add(step *stepPath, format string, args ...any) {
	v.problems = append(v.problems, Problem{Step: step.String(), Name: step.name, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) trigger(t map[string]any) {
	where := triggerPath()
	v.values(where, t, 1)
	typ, ok := t["type"].(string)
	switch {
	case t["type"] == nil:
		v.add(where, "type is required: one of %s", strings.Join(TriggerTypes, ", "))
	case !ok || !contains(TriggerTypes, typ):
		v.add(where, "type %s is not a trigger type: use one of %s", brief(t["type"]), strings.Join(TriggerTypes, ", "))
	}
	v.optionalString(where, t, "name")
	v.optionalString(where, t, "displayName")
	if name, ok := t["name"].(string); ok && name != "" {
		v.names[name] = where
	}
	settings := v.settingsOf(where, t)
	if typ == "PIECE_TRIGGER" {
		v.requiredSetting(where, settings, "pieceName", "the piece that provides the trigger, e.g. \"@diga/piece-diga\"")
		v.requiredSetting(where, settings, "triggerName", "the piece's trigger, e.g. \"call_finished\"")
	}
	if c, ok := t["children"]; ok && !isEmpty(c) {
		v.add(where, "a trigger has no children; put the first step in nextAction")
	}
	v.chain(t["nextAction"], where, 2)
}

// chain validates a nextAction chain starting at first; parent is the path
// of the step before it and depth the JSON depth of first.
func (v *validator) chain(first any, parent *stepPath, depth int) {
	for cur := first; cur != nil; depth++ {
		step, ok := cur.(map[string]any)
		if !ok {
			v.add(parent, "nextAction must be a step object or null, not %s", kindOf(cur))
			return
		}
		where := v.step(step, parent, depth)
		if where == nil {
			return
		}
		parent = where
		cur = step["nextAction"]
	}
}

// step validates one step (not its nextAction) and returns its path, or nil
// when validation must stop (too many steps, or nested too deep). depth is
// the JSON depth of the step object.
func (v *validator) step(s map[string]any, parent *stepPath, depth int) *stepPath {
	v.steps++
	if v.steps > MaxSteps {
		v.add(parent, "the definition has more than %d steps", MaxSteps)
		return nil
	}
	where := parent.next(s)
	if where.depth > MaxStepDepth {
		v.limitProblem(parent, "the steps after this one nest more than %d levels below the trigger (MaxStepDepth: every "+
			"step of a nextAction chain and the first step of a branch or loop body is one level deeper); Diga's API "+
			"cannot store or return a deeper tree. Split the flow into several flows", MaxStepDepth)
		return nil
	}
	if depth > MaxJSONDepth {
		v.limitProblem(parent, "the steps after this one nest deeper than %d JSON levels (MaxJSONDepth); Diga's API "+
			"cannot parse or return JSON much deeper. Split the flow into several flows", MaxJSONDepth)
		return nil
	}
	v.values(where, s, depth)
	name, ok := s["name"].(string)
	switch {
	case s["name"] == nil || (ok && name == ""):
		v.add(where, "every step needs a name, unique in the flow (e.g. \"step_1\")")
	case !ok:
		v.add(where, "name must be a string, not %s", kindOf(s["name"]))
	default:
		if first, dup := v.names[name]; dup {
			v.add(where, "step name %q is already used by %s; step names must be unique across the whole flow", name, first)
		} else {
			v.names[name] = where
		}
	}
	v.optionalString(where, s, "displayName")

	typ, ok := s["type"].(string)
	switch {
	case s["type"] == nil:
		v.add(where, "type is required: one of %s", strings.Join(ActionTypes, ", "))
	case !ok || !contains(ActionTypes, typ):
		v.add(where, "type %s is not an action type: use one of %s", brief(s["type"]), strings.Join(ActionTypes, ", "))
	}
	settings := v.settingsOf(where, s)

	children, hasChildren := s["children"].([]any)
	if c, ok := s["children"]; ok && c != nil && !hasChildren {
		v.add(where, "children must be an array, not %s", kindOf(c))
	}

	switch typ {
	case "PIECE":
		v.requiredSetting(where, settings, "pieceName", "the piece that provides the action, e.g. \"@activepieces/piece-slack\"")
		v.requiredSetting(where, settings, "actionName", "the piece's action, e.g. \"send_channel_message\"")
	case "ROUTER":
		branches, ok := settings["branches"].([]any)
		if !ok || len(branches) == 0 {
			v.add(where, "a ROUTER needs settings.branches: a non-empty array with one object per branch")
			break
		}
		for i, b := range branches {
			if _, ok := b.(map[string]any); !ok {
				v.add(where, "settings.branches[%d] must be an object, not %s", i, kindOf(b))
			}
		}
		if hasChildren && len(children) != len(branches) {
			v.add(where, "a ROUTER has one entry in children per branch (null for an empty branch): %d branches but %d children", len(branches), len(children))
		}
	case "LOOP_ON_ITEMS":
		v.requiredSetting(where, settings, "items", "the list to loop over, e.g. \"{{trigger.items}}\"")
		if len(children) > 1 {
			v.add(where, "a LOOP_ON_ITEMS has at most one child: the first step of the loop body (%d given)", len(children))
		}
	default:
		if len(children) > 0 {
			v.add(where, "only ROUTER and LOOP_ON_ITEMS steps have children")
		}
	}
	for i, c := range children {
		if c == nil {
			continue
		}
		v.chain(c, where.branch(i), depth+2)
	}
	return where
}

func (v *validator) settingsOf(where *stepPath, obj map[string]any) map[string]any {
	raw, present := obj["settings"]
	if !present || raw == nil {
		return map[string]any{}
	}
	settings, ok := raw.(map[string]any)
	if !ok {
		v.add(where, "settings must be an object, not %s", kindOf(raw))
		return map[string]any{}
	}
	if in, ok := settings["input"]; ok && in != nil {
		if _, isObj := in.(map[string]any); !isObj {
			v.add(where, "settings.input must be an object, not %s", kindOf(in))
		}
	}
	return settings
}

func (v *validator) requiredSetting(where *stepPath, settings map[string]any, key, hint string) {
	s, ok := settings[key].(string)
	if !ok || strings.TrimSpace(s) == "" {
		v.add(where, "settings.%s is required: %s", key, hint)
	}
}

func (v *validator) optionalString(where *stepPath, obj map[string]any, key string) {
	if val, ok := obj[key]; ok && val != nil {
		if _, isStr := val.(string); !isStr {
			v.add(where, "%s must be a string, not %s", key, kindOf(val))
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
