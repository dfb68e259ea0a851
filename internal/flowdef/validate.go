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
	Step    string // path of the step, e.g. "trigger > router_1.children[0] > send_slack"
	Message string // what is wrong and how to fix it
}

func (p Problem) String() string { return p.Step + ": " + p.Message }

// Validate checks a parsed definition against what Diga accepts, without
// calling it: trigger and action types, required piece settings, unique step
// names, and well-formed routers and loops.
func Validate(trigger map[string]any) []Problem {
	v := &validator{names: map[string]string{}}
	v.trigger(trigger)
	return v.problems
}

type validator struct {
	problems []Problem
	names    map[string]string // step name → path where first seen
	steps    int
}

func (v *validator) add(step, format string, args ...any) {
	v.problems = append(v.problems, Problem{Step: step, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) trigger(t map[string]any) {
	const where = "trigger"
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
	v.chain(t["nextAction"], where)
}

// chain validates a nextAction chain starting at first; parent is the path
// of the step before it.
func (v *validator) chain(first any, parent string) {
	for cur := first; cur != nil; {
		step, ok := cur.(map[string]any)
		if !ok {
			v.add(parent, "nextAction must be a step object or null, not %s", kindOf(cur))
			return
		}
		where := v.step(step, parent)
		if where == "" {
			return
		}
		parent = where
		cur = step["nextAction"]
	}
}

// step validates one step (not its nextAction) and returns its path, or ""
// when validation must stop (too many steps).
func (v *validator) step(s map[string]any, parent string) string {
	v.steps++
	if v.steps > MaxSteps {
		v.add(parent, "the definition has more than %d steps", MaxSteps)
		return ""
	}
	where := stepPath(parent, s)
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
		v.chain(c, fmt.Sprintf("%s.children[%d]", where, i))
	}
	return where
}

func (v *validator) settingsOf(where string, obj map[string]any) map[string]any {
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

func (v *validator) requiredSetting(where string, settings map[string]any, key, hint string) {
	s, ok := settings[key].(string)
	if !ok || strings.TrimSpace(s) == "" {
		v.add(where, "settings.%s is required: %s", key, hint)
	}
}

func (v *validator) optionalString(where string, obj map[string]any, key string) {
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
