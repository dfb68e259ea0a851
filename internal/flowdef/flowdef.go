// Package flowdef owns the text of a flow definition: the trigger object of a
// Diga flow, with its chain of steps (trigger → nextAction → …, router
// branches and loop bodies in children). It parses definitions, validates
// them before anything is sent to Diga, decides whether the definition a
// user wrote and the one Diga returns mean the same flow, and renders the
// canonical form kept in Terraform state.
//
// Meaning, not text, is compared:
//   - key order and whitespace never matter, and numbers compare by value;
//   - null and absent are the same, and so are an empty object or array and
//     an absent key;
//   - `valid` flags and `skip: false` on the trigger and steps are server
//     bookkeeping and never matter, and so are error-handling options left
//     at their default (`{"value": false}`);
//   - on the trigger, on steps and in their settings, a key that the user did
//     not write is the server's to fill (pieceVersion, propertySettings,
//     sampleData, inputUiInfo, …) — unless it changes
//     what the flow does: the next step, branch and loop bodies, the piece,
//     action and trigger names, the step type and name, the step input,
//     router branches, code and loop items, `skip: true` and error-handling
//     options a user set in the Diga UI. Those are compared whatever the
//     user wrote, so a step added in the Diga UI is a difference;
//   - inside values (input, branches, …) everything is compared, so an edited
//     message text or an added input field is a difference;
//   - a key the user wrote that Diga's documented response model cannot
//     carry (a CODE step's settings.sourceCode, a loop's settings.items, …)
//     is write-only: a server that drops it when answering is not a
//     difference, one that returns it is compared.
package flowdef

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
)

// Parse decodes definition text into its tree. The definition must be one
// JSON object; numbers keep their exact text. Errors read as the end of a
// sentence about the definition: "not valid JSON: …", "not a JSON object
// but an array".
func Parse(text string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w%s", err, nonNumberHint(text, err))
	}
	if dec.More() {
		return nil, errors.New("not valid JSON: unexpected data after the top-level object")
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("not valid JSON: unexpected data after the top-level object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object (the flow's trigger) but %s", kindOf(v))
	}
	return obj, nil
}

// nonNumberHint explains a syntax error at NaN or Infinity, which some JSON
// writers (Python's json.dumps among them) produce but JSON does not allow.
func nonNumberHint(text string, err error) string {
	var syn *json.SyntaxError
	if !errors.As(err, &syn) || syn.Offset < 1 || int(syn.Offset) > len(text) {
		return ""
	}
	at := int(syn.Offset) - 1
	for _, w := range []string{"NaN", "Infinity"} {
		if strings.HasPrefix(text[at:], w) {
			if at > 0 && text[at-1] == '-' {
				w = "-" + w
			}
			return fmt.Sprintf(" (%s is not a JSON number, and Diga could not store it; write it as a string, or a finite number)", w)
		}
	}
	return ""
}

// Canonical renders v as compact JSON with sorted keys: the form Terraform's
// jsonencode() produces, so a definition written with jsonencode and its
// canonical form are the same text.
func Canonical(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(v); err != nil {
		// Only values from Parse or plain Go JSON types reach here.
		panic(fmt.Sprintf("flowdef: cannot encode definition: %v", err))
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// stepStructuralKeys are step keys compared even when the user did not write
// them: they change which steps run and how.
var stepStructuralKeys = map[string]bool{
	"name": true, "type": true, "nextAction": true, "children": true, "settings": true,
	// skip: true (set in the UI) means the step does not run; skip: false
	// is bookkeeping and cleaned away.
	"skip": true,
}

// settingsStructuralKeys are settings keys compared even when the user did
// not write them.
var settingsStructuralKeys = map[string]bool{
	"pieceName": true, "actionName": true, "triggerName": true, "input": true,
	"branches": true, "sourceCode": true, "items": true,
	// Whether a failing step stops the flow or is retried; an option left
	// at its default (false) is cleaned away.
	"errorHandlingOptions": true,
}

// readableStepKeys and readableSettingsKeys are the keys of Diga's
// documented response models (StepResponse / TriggerResponse and
// StepSettingsResponse / TriggerSettingsResponse). A server that serialises
// through those models can only return these.
var readableStepKeys = map[string]bool{
	"name": true, "type": true, "valid": true, "displayName": true, "skip": true,
	"settings": true, "children": true, "nextAction": true,
}

var readableSettingsKeys = map[string]bool{
	"pieceName": true, "pieceVersion": true, "actionName": true, "triggerName": true, "input": true,
	"propertySettings": true, "sampleData": true, "branches": true, "executionType": true,
}

// Equivalent reports whether the server's definition means the same flow as
// the one the user wrote (see the package documentation). It is asymmetric:
// keys only the server has are judged by where they appear.
func Equivalent(user, server any) bool {
	return len(Differences(user, server, 1)) == 0
}

// Differences lists up to limit places where server's definition does not
// mean what user's does, as readable paths such as
// `trigger > step_1 > settings.input.text: "Hi" ≠ "Hello"`.
func Differences(user, server any, limit int) []string {
	d := &differ{max: limit}
	d.step(clean(user), clean(server), triggerPath())
	return d.out
}

type differ struct {
	max int
	out []string
}

func (d *differ) add(format string, args ...any) {
	if len(d.out) < d.max {
		d.out = append(d.out, fmt.Sprintf(format, args...))
	}
}

func (d *differ) full() bool { return len(d.out) >= d.max }

// step compares two trigger/step objects; where is the path of the user's
// step.
func (d *differ) step(u, s any, where *stepPath) {
	if d.full() {
		return
	}
	um, uok := u.(map[string]any)
	sm, sok := s.(map[string]any)
	if !uok || !sok {
		if !equalValues(u, s) {
			d.add("%s: %s in the configuration, %s on the server", where, brief(u), brief(s))
		}
		return
	}
	for _, k := range slices.Sorted(maps.Keys(um)) {
		sv, present := sm[k]
		if !present && k == "settings" {
			sv, present = map[string]any{}, true // settings emptied by cleaning
		}
		if !present {
			if readableStepKeys[k] {
				d.add("%s: %s is %s in the configuration but absent on the server", where, k, brief(um[k]))
			}
			continue
		}
		switch k {
		case "nextAction":
			d.step(um[k], sv, where.next(um[k]))
		case "children":
			d.children(um[k], sv, where)
		case "settings":
			d.settings(um[k], sv, where)
		default:
			if !equalValues(um[k], sv) {
				d.add("%s: %s = %s in the configuration, %s on the server", where, k, brief(um[k]), brief(sv))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(sm)) {
		if _, present := um[k]; present || !stepStructuralKeys[k] {
			continue
		}
		if k == "name" && where.depth == 0 {
			continue // Diga names the trigger "trigger" when the user does not
		}
		switch k {
		case "nextAction":
			d.add("%s: the server has a next step %s that the configuration does not", where, stepName(sm[k]))
		default:
			d.add("%s: %s = %s on the server, absent in the configuration", where, k, brief(sm[k]))
		}
	}
}

func (d *differ) children(u, s any, where *stepPath) {
	ua, uok := u.([]any)
	sa, sok := s.([]any)
	if !uok || !sok {
		if !equalValues(u, s) {
			d.add("%s: children = %s in the configuration, %s on the server", where, brief(u), brief(s))
		}
		return
	}
	if len(ua) != len(sa) {
		d.add("%s: %d children (branches or loop body) in the configuration, %d on the server", where, len(ua), len(sa))
		return
	}
	for i := range ua {
		d.step(ua[i], sa[i], where.branch(i).next(ua[i]))
	}
}

func (d *differ) settings(u, s any, where *stepPath) {
	um, uok := u.(map[string]any)
	sm, sok := s.(map[string]any)
	if !uok || !sok {
		if !equalValues(u, s) {
			d.add("%s: settings = %s in the configuration, %s on the server", where, brief(u), brief(s))
		}
		return
	}
	for _, k := range slices.Sorted(maps.Keys(um)) {
		sv, present := sm[k]
		if !present {
			if readableSettingsKeys[k] {
				d.add("%s: settings.%s is %s in the configuration but absent on the server", where, k, brief(um[k]))
			}
			continue
		}
		if !equalValues(um[k], sv) {
			d.valueDiff(um[k], sv, where.String()+": settings."+k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(sm)) {
		if _, present := um[k]; !present && settingsStructuralKeys[k] {
			d.add("%s: settings.%s = %s on the server, absent in the configuration", where, k, brief(sm[k]))
		}
	}
}

// valueDiff names the innermost differing path inside two plain values.
func (d *differ) valueDiff(u, s any, where string) {
	um, uok := u.(map[string]any)
	sm, sok := s.(map[string]any)
	if uok && sok {
		keys := map[string]bool{}
		for k := range um {
			keys[k] = true
		}
		for k := range sm {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			uv, uin := um[k]
			sv, sin := sm[k]
			switch {
			case !uin:
				d.add("%s.%s = %s on the server, absent in the configuration", where, k, brief(sv))
			case !sin:
				d.add("%s.%s = %s in the configuration, absent on the server", where, k, brief(uv))
			case !equalValues(uv, sv):
				d.valueDiff(uv, sv, where+"."+k)
			}
		}
		return
	}
	d.add("%s = %s in the configuration, %s on the server", where, brief(u), brief(s))
}

// Project returns the server's definition in the shape worth keeping in
// state: bookkeeping removed, and — when reference (what the user wrote
// before) is given — server-filled keys the user never wrote dropped too, so
// a plan shows only the differences that matter.
func Project(server, reference any) any {
	return project(clean(server), clean(reference), true)
}

func project(s, ref any, isStep bool) any {
	sm, ok := s.(map[string]any)
	if !ok {
		return s
	}
	rm, hasRef := ref.(map[string]any)
	out := make(map[string]any, len(sm))
	for k, v := range sm {
		var rv any
		if hasRef {
			var in bool
			rv, in = rm[k]
			structural := (isStep && stepStructuralKeys[k]) || (!isStep && settingsStructuralKeys[k])
			if !in && !structural {
				continue
			}
		}
		if !isStep {
			out[k] = v
			continue
		}
		switch k {
		case "nextAction":
			out[k] = project(v, rv, true)
		case "settings":
			out[k] = project(v, rv, false)
		case "children":
			sa, _ := v.([]any)
			ra, _ := rv.([]any)
			if sa == nil {
				out[k] = v
				continue
			}
			children := make([]any, len(sa))
			for i := range sa {
				var r any
				if i < len(ra) {
					r = ra[i]
				}
				children[i] = project(sa[i], r, true)
			}
			out[k] = children
		default:
			out[k] = v
		}
	}
	// Keys the server cannot return keep the value the user wrote.
	readable := readableSettingsKeys
	if isStep {
		readable = readableStepKeys
	}
	for k, rv := range rm {
		if _, in := out[k]; in {
			continue
		}
		switch {
		case !readable[k]:
			out[k] = rv
		case isStep && k == "settings":
			if p, ok := project(map[string]any{}, rv, false).(map[string]any); ok && len(p) > 0 {
				out[k] = p
			}
		}
	}
	return out
}

// clean removes what never carries meaning: null values and empty objects or
// arrays as object members, and the bookkeeping keys `valid` and `skip:
// false` on the trigger and steps. Elements of arrays are kept (a null
// router branch is a position).
func clean(v any) any {
	return cleanValue(v, true)
}

func cleanValue(v any, isStep bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if isStep {
				if k == "valid" {
					continue
				}
				if b, ok := val.(bool); ok && k == "skip" && !b {
					continue
				}
			}
			childIsStep := isStep && (k == "nextAction" || k == "children")
			c := cleanValue(val, childIsStep)
			if k == "errorHandlingOptions" {
				c = withoutDefaultOptions(c)
			}
			if isEmpty(c) {
				continue
			}
			out[k] = c
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cleanValue(e, isStep)
		}
		return out
	default:
		return v
	}
}

// withoutDefaultOptions drops error-handling options at their default,
// {"value": false}, which Activepieces fills in on every step.
func withoutDefaultOptions(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, opt := range m {
		if o, ok := opt.(map[string]any); ok && len(o) == 1 && o["value"] == false {
			continue
		}
		out[k] = opt
	}
	return out
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

// equalValues compares two cleaned JSON values; numbers by value.
func equalValues(a, b any) bool {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok || !equalValues(x, y) {
				return false
			}
		}
		return true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !equalValues(av[i], bv[i]) {
				return false
			}
		}
		return true
	case json.Number, float64:
		x, okx := toRat(a)
		y, oky := toRat(b)
		return okx && oky && x.Cmp(y) == 0
	default:
		return a == b
	}
}

func toRat(v any) (*big.Rat, bool) {
	switch n := v.(type) {
	case json.Number:
		r, ok := new(big.Rat).SetString(string(n))
		return r, ok
	case float64:
		r := new(big.Rat)
		if r.SetFloat64(n) == nil {
			return nil, false
		}
		return r, true
	}
	return nil, false
}

// brief renders a value for a message, shortened.
func brief(v any) string {
	if v == nil {
		return "null"
	}
	s := Canonical(v)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func stepName(v any) string {
	if m, ok := v.(map[string]any); ok {
		if n, ok := m["name"].(string); ok {
			return fmt.Sprintf("%q", n)
		}
	}
	return brief(v)
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
