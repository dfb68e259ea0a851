package main

import (
	"encoding/json"
	"slices"
	"sort"

	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// Reading trigger trees as Diga returns them: plain JSON, walked without
// trusting their shape.

// declaredStepKeys and declaredSettingsKeys are the keys of Diga's
// declared response models (TriggerResponse / StepResponse and their
// settings models in api/diga-openapi.json; flowdef's compare.go reads
// answers with the same lists). An answer serialised through those
// models cannot show any other key.
var declaredStepKeys = map[string]bool{
	"name": true, "type": true, "valid": true, "displayName": true, "skip": true,
	"settings": true, "children": true, "nextAction": true,
}

var declaredSettingsKeys = map[string]bool{
	"pieceName": true, "pieceVersion": true, "actionName": true, "triggerName": true, "input": true,
	"propertySettings": true, "sampleData": true, "branches": true, "executionType": true,
}

// decodeTree reads a raw trigger; nil when absent, null or not an object.
func decodeTree(raw json.RawMessage) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// walkTree calls visit for the trigger and every step (flowdef.WalkSteps).
func walkTree(tree map[string]any, visit func(step map[string]any)) { flowdef.WalkSteps(tree, visit) }

// findStep returns the step (or trigger) named name; nil when absent.
func findStep(tree map[string]any, name string) map[string]any {
	var found map[string]any
	walkTree(tree, func(s map[string]any) {
		if found == nil && s["name"] == name {
			found = s
		}
	})
	return found
}

// stepNames lists the names of the trigger and every step, in walk order.
func stepNames(tree map[string]any) []string {
	var out []string
	walkTree(tree, func(s map[string]any) {
		if n, ok := s["name"].(string); ok {
			out = append(out, n)
		}
	})
	return out
}

// undeclaredKeys lists, sorted, the non-null keys outside the declared
// models as "key" or "settings.key" (once each).
func undeclaredKeys(tree map[string]any) []string {
	seen := map[string]bool{}
	walkTree(tree, func(s map[string]any) {
		for k, v := range s {
			if v != nil && !declaredStepKeys[k] {
				seen[k] = true
			}
		}
		if st, ok := s["settings"].(map[string]any); ok {
			for k, v := range st {
				if v != nil && !declaredSettingsKeys[k] {
					seen["settings."+k] = true
				}
			}
		}
	})
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// loopBodyAt says where a loop step shows a body: "firstLoopAction",
// "children[0]" or "" (none).
func loopBodyAt(loop map[string]any) string {
	if _, ok := loop["firstLoopAction"].(map[string]any); ok {
		return "firstLoopAction"
	}
	if kids, ok := loop["children"].([]any); ok && len(kids) > 0 {
		if _, ok := kids[0].(map[string]any); ok {
			return "children[0]"
		}
	}
	return ""
}

// settingString is step.settings[key] when it is a string.
func settingString(step map[string]any, key string) (string, bool) {
	st, _ := step["settings"].(map[string]any)
	s, ok := st[key].(string)
	return s, ok
}

// hasAll reports whether every name is a step of tree.
func hasAll(tree map[string]any, names ...string) bool {
	have := stepNames(tree)
	for _, n := range names {
		if !slices.Contains(have, n) {
			return false
		}
	}
	return true
}

// describeValue renders a JSON value briefly for a line of output.
func describeValue(v any, present bool) string {
	if !present {
		return "absent"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}
