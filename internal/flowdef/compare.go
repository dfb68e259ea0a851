package flowdef

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// This file compares definitions by meaning (see the package
// documentation): a normal form that drops bookkeeping and defaults, the
// visibility of an answer (what Diga's answer can show at all), the
// differences between the user's definition and Diga's, and the projection
// of Diga's definition into the shape the user wrote.

// stepStructuralKeys are step keys compared even when the user did not write
// them: they change which steps run and how.
var stepStructuralKeys = map[string]bool{
	"name": true, "type": true, "nextAction": true, "children": true, "firstLoopAction": true,
	"settings": true,
	// skip: true (set in the UI) means the step does not run; skip: false
	// is bookkeeping and normalised away.
	"skip": true,
}

// settingsStructuralKeys are settings keys compared even when the user did
// not write them.
var settingsStructuralKeys = map[string]bool{
	"pieceName": true, "actionName": true, "triggerName": true, "input": true,
	"branches": true, "executionType": true, "sourceCode": true, "items": true,
	// Whether a failing step stops the flow or is retried; an option left
	// at its default (false) is normalised away.
	"errorHandlingOptions": true,
}

// readableStepKeys and readableSettingsKeys are the keys of Diga's
// declared response models (StepResponse / TriggerResponse and
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

// visibility is what an answer can show: the keys of the declared models
// always; keys outside them only when the answer carries such keys
// anywhere (it is then the engine's whole tree); loop bodies when the
// answer shows one anywhere, in firstLoopAction or children.
type visibility struct {
	undeclared bool
	loopBodies bool
}

// visibilityOf looks at a raw (not normalised) server tree.
func visibilityOf(tree any) visibility {
	var v visibility
	WalkSteps(tree, func(step map[string]any) {
		for k, val := range step {
			if val != nil && !readableStepKeys[k] {
				v.undeclared = true
			}
		}
		if s, ok := step["settings"].(map[string]any); ok {
			for k, val := range s {
				if val != nil && !readableSettingsKeys[k] {
					v.undeclared = true
				}
			}
		}
		if step["type"] == "LOOP_ON_ITEMS" && loopBody(step) != nil {
			v.loopBodies = true
		}
	})
	if v.undeclared {
		v.loopBodies = true
	}
	return v
}

// stepKeyShown reports whether an answer with visibility v would show step
// key k if the server had it.
func (v visibility) stepKeyShown(k string) bool {
	return readableStepKeys[k] || v.undeclared || (k == "firstLoopAction" && v.loopBodies)
}

func (v visibility) settingsKeyShown(k string) bool {
	return readableSettingsKeys[k] || v.undeclared
}

// WalkSteps calls visit for the trigger and every step object of a raw
// tree (a definition, or an answer from Diga): nextAction chains, router
// branches and loop bodies in either form. An answer is not trusted to end:
// the walk stops past MaxStepDepth.
func WalkSteps(tree any, visit func(map[string]any)) {
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		for cur, _ := v.(map[string]any); cur != nil; cur, _ = cur["nextAction"].(map[string]any) {
			if depth > MaxStepDepth+2 {
				return // Validate reports it; an answer is not trusted to end
			}
			visit(cur)
			if children, ok := cur["children"].([]any); ok {
				for _, c := range children {
					walk(c, depth+1)
				}
			}
			walk(cur["firstLoopAction"], depth+1)
			depth++
		}
	}
	walk(tree, 0)
}

// loopBody is the first step of a LOOP_ON_ITEMS step's body, from
// firstLoopAction or (the older form, and Diga's declared response model)
// children[0]; nil when it has none.
func loopBody(step map[string]any) any {
	if b, ok := step["firstLoopAction"].(map[string]any); ok {
		return b
	}
	if c, ok := step["children"].([]any); ok && len(c) > 0 {
		if b, ok := c[0].(map[string]any); ok {
			return b
		}
	}
	return nil
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
	return differences(user, server, visibilityOf(server), limit)
}

// SameText reports whether two texts the user wrote mean the same flow,
// both ways round: everything they hold is compared (nothing is hidden, as
// in an answer through Diga's declared models), and a key one has and the
// other lacks is a difference unless normalising drops it (bookkeeping and
// defaults). The plan uses it when state holds the text Terraform last
// wrote: removing a pieceVersion pin, a displayName or a valid: false is a
// change then, which it is not against Diga's answer.
func SameText(a, b any) bool {
	n := normalizer{keepInvalid: true}
	return equalValues(n.step(a, true), n.step(b, true))
}

// StatedDifferences is Differences between the configuration and a text
// that stands for Diga's flow (state's): everything either holds is
// visible, but keys only the state has are judged as Diga's.
func StatedDifferences(user, stated any, limit int) []string {
	return differences(user, stated, visibility{undeclared: true, loopBodies: true}, limit)
}

func differences(user, server any, vis visibility, limit int) []string {
	d := &differ{max: limit, vis: vis}
	d.step(normal(user), normal(server), triggerPath())
	return d.out
}

type differ struct {
	max int
	vis visibility
	out []string
}

func (d *differ) add(format string, args ...any) {
	if len(d.out) < d.max {
		d.out = append(d.out, fmt.Sprintf(format, args...))
	}
}

func (d *differ) full() bool { return len(d.out) >= d.max }

// step compares two normalised trigger/step objects; where is the path of
// the user's step.
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
			sv, present = map[string]any{}, true // settings emptied by normalising
		}
		if !present {
			switch {
			case !d.vis.stepKeyShown(k):
			case k == "firstLoopAction":
				d.add("%s: the loop body %s in the configuration is absent on the server", where, stepName(um[k]))
			default:
				d.add("%s: %s is %s in the configuration but absent on the server", where, k, brief(um[k]))
			}
			continue
		}
		switch k {
		case "nextAction":
			d.step(um[k], sv, where.next(um[k]))
		case "firstLoopAction":
			d.step(um[k], sv, where.body().next(um[k]))
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
		switch k {
		case "nextAction":
			d.add("%s: the server has a next step %s that the configuration does not", where, stepName(sm[k]))
		case "firstLoopAction":
			d.add("%s: the server has a loop body starting with %s that the configuration does not", where, stepName(sm[k]))
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
		d.add("%s: %d branches with steps in the configuration, %d on the server", where, len(ua), len(sa))
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
		switch {
		case !present:
			if d.vis.settingsKeyShown(k) {
				d.add("%s: settings.%s is %s in the configuration but absent on the server", where, k, brief(um[k]))
			}
		case k == "pieceVersion":
			if !versionHolds(um[k], sv) {
				d.add("%s: settings.pieceVersion = %s in the configuration, %s on the server", where, brief(um[k]), brief(sv))
			}
		case !equalValues(um[k], sv):
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

// versionHolds reports whether the exact piece version the server holds
// meets the version the user wrote: the same version, or one in the range
// of a "~" (same minor) or "^" (same major; same minor below 1.0.0) form,
// as npm reads them. The engine stores exact versions.
func versionHolds(user, server any) bool {
	us, uok := user.(string)
	ss, sok := server.(string)
	if !uok || !sok {
		return equalValues(user, server)
	}
	if us == ss {
		return true
	}
	op := ""
	if strings.HasPrefix(us, "~") || strings.HasPrefix(us, "^") {
		op, us = us[:1], us[1:]
	}
	want, ok1 := parseVersion(us)
	got, ok2 := parseVersion(strings.TrimLeft(ss, "~^"))
	if !ok1 || !ok2 {
		return false
	}
	if got == want {
		return true
	}
	atLeast := got[0] > want[0] || got[0] == want[0] && (got[1] > want[1] || got[1] == want[1] && got[2] >= want[2])
	switch op {
	case "~":
		return atLeast && got[0] == want[0] && got[1] == want[1]
	case "^":
		switch {
		case want[0] > 0:
			return atLeast && got[0] == want[0]
		case want[1] > 0:
			return atLeast && got[0] == 0 && got[1] == want[1]
		}
		return got == want
	}
	return false
}

// parseVersion reads "x.y.z" (digits only).
func parseVersion(s string) ([3]int, bool) {
	var v [3]int
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || strings.HasPrefix(p, "+") {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

// Project returns the server's definition in the shape worth keeping in
// state: bookkeeping removed, and — when reference (what the user wrote
// before) is given — server-filled keys the user never wrote dropped too,
// keys the answer cannot show kept as the user wrote them, and loop bodies
// in the form the user wrote them, so a plan shows only the differences
// that matter.
func Project(server, reference any) any {
	ref := normal(reference)
	out := project(normal(server), ref, true, visibilityOf(server))
	if names := loopsInChildren(reference); len(names) > 0 {
		WalkSteps(out, func(step map[string]any) {
			if body, ok := step["firstLoopAction"]; ok && names[stepNameOf(step)] {
				delete(step, "firstLoopAction")
				step["children"] = []any{body}
			}
		})
	}
	if reference != nil {
		out = redress(out, reference, ref)
	}
	return out
}

// redress puts back into a projected tree what the user wrote that
// normalising removed from both sides (bookkeeping and defaults: the
// trigger's name, an explicit EXECUTE_FIRST_MATCH or packageJson "{}",
// skip: false, nulls, trailing empty branches), so the state's text
// differs from the configuration only where the meaning does. raw is the
// user's tree and norm its normal form, walked alongside. It copies what
// it changes: out shares values with the server's tree.
func redress(out, raw, norm any) any { return redressIn(out, raw, norm, false) }

// redressIn is redress; branchHeads: out is a router's children, where
// empty branches the user listed at the end are put back.
func redressIn(out, raw, norm any, branchHeads bool) any {
	switch o := out.(type) {
	case map[string]any:
		rm, ok := raw.(map[string]any)
		if !ok {
			return out
		}
		nm, _ := norm.(map[string]any)
		res := maps.Clone(o)
		for k, rv := range rm {
			if k == "children" && rm["type"] == "LOOP_ON_ITEMS" {
				// A loop body, moved by normalising: Project has put the
				// answer's (or none) where the user writes it.
				continue
			}
			ov, inOut := o[k]
			_, inNorm := nm[k]
			switch {
			case !inOut && !inNorm:
				res[k] = rv
			case inOut:
				res[k] = redressIn(ov, rv, nm[k], k == "children" && rm["type"] == "ROUTER")
			}
		}
		return res
	case []any:
		ra, ok := raw.([]any)
		if !ok {
			return out
		}
		na, _ := norm.([]any)
		res := make([]any, len(o), max(len(o), len(ra)))
		for i := range o {
			var r, n any
			if i < len(ra) {
				r = ra[i]
			}
			if i < len(na) {
				n = na[i]
			}
			res[i] = redressIn(o[i], r, n, false)
		}
		for i := len(o); branchHeads && i < len(ra) && ra[i] == nil; i++ {
			res = append(res, nil) // empty branches the user listed
		}
		return res
	}
	return out
}

func project(s, ref any, isStep bool, vis visibility) any {
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
		case "nextAction", "firstLoopAction":
			out[k] = project(v, rv, true, vis)
		case "settings":
			out[k] = project(v, rv, false, vis)
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
				children[i] = project(sa[i], r, true, vis)
			}
			out[k] = children
		default:
			out[k] = v
		}
	}
	// Keys the answer cannot show keep the value the user wrote.
	for k, rv := range rm {
		if _, in := out[k]; in {
			continue
		}
		shown := vis.settingsKeyShown(k)
		if isStep {
			shown = vis.stepKeyShown(k)
		}
		switch {
		case !shown:
			out[k] = rv
		case isStep && k == "settings":
			if p, ok := project(map[string]any{}, rv, false, vis).(map[string]any); ok && len(p) > 0 {
				out[k] = p
			}
		}
	}
	return out
}

// loopsInChildren names the loops of a raw tree whose body is written in
// children (the older form).
func loopsInChildren(tree any) map[string]bool {
	names := map[string]bool{}
	WalkSteps(tree, func(step map[string]any) {
		if step["type"] == "LOOP_ON_ITEMS" && step["firstLoopAction"] == nil {
			if c, ok := step["children"].([]any); ok && len(c) > 0 {
				names[stepNameOf(step)] = true
			}
		}
	})
	return names
}

func stepNameOf(step map[string]any) string {
	s, _ := step["name"].(string)
	return s
}

// normal returns the meaning-bearing form of a definition tree (the trigger
// object): what the package documentation calls bookkeeping and defaults
// removed, null and empty values dropped from objects, a loop body in
// firstLoopAction. Elements of arrays are kept (a null router branch is a
// position).
func normal(tree any) any { return normalizer{}.step(tree, true) }

// normalizer makes normal forms. keepInvalid keeps a `valid: false` (the
// engine keeps one that is sent, so between two texts the user wrote it
// means something; Diga's answers are not compared on it, since a server may
// recompute the flag).
type normalizer struct{ keepInvalid bool }

func (n normalizer) step(v any, isTrigger bool) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v // a null branch, or a value Validate reports
	}
	typ, _ := m["type"].(string)
	out := make(map[string]any, len(m))
	for k, val := range m {
		switch k {
		case "valid":
			if !n.keepInvalid || val != false {
				continue
			}
		case "lastUpdatedDate":
			continue
		case "skip":
			if b, ok := val.(bool); ok && !b {
				continue
			}
		case "name":
			if isTrigger && val == TriggerName {
				continue
			}
		case "nextAction", "firstLoopAction":
			val = n.step(val, false)
		case "children":
			if a, ok := val.([]any); ok {
				c := make([]any, len(a))
				for i, e := range a {
					c[i] = n.step(e, false)
				}
				val = c
			} else {
				val = cleanValue(val)
			}
		case "settings":
			val = normalSettings(val, typ, isTrigger)
		default:
			val = cleanValue(val)
		}
		if isEmpty(val) {
			continue
		}
		out[k] = val
	}
	switch typ {
	case "LOOP_ON_ITEMS":
		if body := loopBody(out); body != nil {
			out["firstLoopAction"] = body
		}
		delete(out, "children")
	case "ROUTER":
		if c, ok := out["children"].([]any); ok {
			n := len(c)
			for n > 0 && c[n-1] == nil {
				n--
			}
			if n == 0 {
				delete(out, "children")
			} else {
				out["children"] = c[:n]
			}
		}
	}
	return out
}

// normalSettings cleans a step's settings and drops what is left at the
// engine's default.
func normalSettings(v any, stepType string, isTrigger bool) any {
	s, ok := cleanValue(v).(map[string]any)
	if !ok {
		return cleanValue(v)
	}
	if isTrigger {
		// The engine keeps the draft's own trigger sample data, whatever
		// is sent (diga_flow_sample_data manages it).
		delete(s, "sampleData")
	}
	if eh, ok := s["errorHandlingOptions"]; ok {
		if c := withoutDefaultOptions(eh); isEmpty(c) {
			delete(s, "errorHandlingOptions")
		} else {
			s["errorHandlingOptions"] = c
		}
	}
	switch stepType {
	case "ROUTER":
		if s["executionType"] == DefaultExecutionType {
			delete(s, "executionType")
		}
	case "CODE":
		if code, ok := s["sourceCode"].(map[string]any); ok && code["packageJson"] == DefaultPackageJSON {
			c := maps.Clone(code)
			delete(c, "packageJson")
			if len(c) == 0 {
				delete(s, "sourceCode")
			} else {
				s["sourceCode"] = c
			}
		}
	}
	return s
}

// cleanValue drops null values and empty objects or arrays from the
// objects inside v. Elements of arrays are kept.
func cleanValue(v any) any { return prune(v, true) }

// prune copies v without the null members of its objects, and, with
// dropEmpty, without the members that are empty objects or arrays once
// pruned. Elements of arrays are kept (a null router branch is a position).
func prune(v any, dropEmpty bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			c := prune(val, dropEmpty)
			if c == nil || dropEmpty && isEmpty(c) {
				continue
			}
			out[k] = c
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = prune(e, dropEmpty)
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
