package enginecheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The pinned versions of node/package.json. A pin bump updates these and
// re-reads every verdict below.
const (
	zodLine     = "0.96.2"
	typeboxLine = "0.37.0"
)

const date = "2026-12-06T00:00:00.000Z"

// obj is a JSON object under construction; with returns a deep copy with
// the keys set (nil deletes one).
type obj map[string]any

func (o obj) with(kv ...any) obj {
	c := deepCopy(o).(obj)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case obj:
		c := obj{}
		for k, e := range x {
			c[k] = deepCopy(e)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = deepCopy(e)
		}
		return c
	default:
		return v
	}
}

func callFinished() obj {
	return obj{
		"name": "trigger", "type": "PIECE_TRIGGER", "valid": true, "displayName": "Call Finished", "lastUpdatedDate": date,
		"settings": obj{"pieceName": "@diga/piece-diga", "pieceVersion": "0.1.0", "triggerName": "call_finished",
			"input": obj{}, "propertySettings": obj{}},
	}
}

func slack(name string) obj {
	return obj{
		"name": name, "type": "PIECE", "valid": true, "displayName": name, "lastUpdatedDate": date,
		"settings": obj{"pieceName": "@activepieces/piece-slack", "pieceVersion": "0.17.9", "actionName": "send_channel_message",
			"input": obj{"channel": "C0123456789", "text": "Call {{trigger.call_id}} finished"}, "propertySettings": obj{}},
	}
}

func code(name string) obj {
	return obj{
		"name": name, "type": "CODE", "valid": true, "displayName": name, "lastUpdatedDate": date,
		"settings": obj{"input": obj{"id": "{{trigger.call_id}}"},
			"sourceCode": obj{"code": "export const code = async (inputs) => inputs.id;", "packageJson": "{}"}},
	}
}

func loop(name string, body obj) obj {
	return obj{
		"name": name, "type": "LOOP_ON_ITEMS", "valid": true, "displayName": name, "lastUpdatedDate": date,
		"settings": obj{"items": "{{trigger.items}}"}, "firstLoopAction": body,
	}
}

func router(name string, heads ...any) obj {
	return obj{
		"name": name, "type": "ROUTER", "valid": true, "displayName": name, "lastUpdatedDate": date,
		"settings": obj{"executionType": "EXECUTE_FIRST_MATCH", "branches": []any{
			obj{"branchName": "long call", "branchType": "CONDITION", "conditions": []any{[]any{
				obj{"operator": "NUMBER_IS_GREATER_THAN", "firstValue": "{{trigger.duration}}", "secondValue": "60"}}}},
			obj{"branchName": "Otherwise", "branchType": "FALLBACK"},
		}},
		"children": heads,
	}
}

// chain links steps through nextAction, the first one first.
func chain(steps ...obj) obj {
	for i := len(steps) - 2; i >= 0; i-- {
		steps[i]["nextAction"] = steps[i+1]
	}
	return steps[0]
}

func body(trigger obj) json.RawMessage {
	b, err := json.Marshal(obj{"displayName": "Post-call summary", "trigger": trigger})
	if err != nil {
		panic(err)
	}
	return b
}

// completeTree uses every step type and every place a step can hang.
func completeTree() obj {
	return chain(callFinished(),
		code("extract"),
		loop("each_item", chain(slack("per_item"), slack("per_item_2"))),
		router("by_length", slack("long_call"), nil),
		slack("notify"))
}

// cases are every body the tests below look at, checked in one node run.
var cases = map[string]json.RawMessage{
	"complete":           body(completeTree()),
	"not json":           json.RawMessage(`{"displayName": "x", "trigger": `),
	"no valid":           body(chain(callFinished().with("valid", nil), slack("notify"))),
	"no displayName":     body(chain(callFinished().with("displayName", nil), slack("notify"))),
	"no lastUpdatedDate": body(chain(callFinished().with("lastUpdatedDate", nil), slack("notify"))),
	"no propertySettings": body(chain(callFinished().with("settings",
		callFinished()["settings"].(obj).with("propertySettings", nil)), slack("notify"))),
	"nested step short": body(chain(callFinished(),
		slack("no_valid").with("valid", nil, "lastUpdatedDate", nil),
		slack("no_display").with("displayName", nil),
		slack("no_props").with("settings", slack("x")["settings"].(obj).with("propertySettings", nil)))),
	"unnamed trigger":         body(chain(callFinished().with("name", nil), slack("notify"))),
	"trigger named start":     body(chain(callFinished().with("name", "start"), slack("notify"))),
	"loop body in children":   body(chain(callFinished(), loop("loop_1", nil).with("firstLoopAction", nil, "children", []any{slack("loop_body")}), slack("after_loop"))),
	"router no executionType": body(chain(callFinished(), router("branch_1", slack("long_call"), nil).with("settings", router("x")["settings"].(obj).with("executionType", nil)))),
	"code no packageJson": body(chain(callFinished(), code("extract").with("settings",
		code("x")["settings"].(obj).with("sourceCode", obj{"code": "export const code = async () => 1;"})))),
	"nested piece no pieceVersion": body(chain(callFinished(), loop("each_item", slack("per_item").with("settings",
		slack("x")["settings"].(obj).with("pieceVersion", nil))))),
	"two pieces no pieceVersion": body(chain(callFinished(),
		router("by_length",
			chain(slack("first").with("settings", slack("x")["settings"].(obj).with("pieceVersion", nil)), slack("first_next")),
			slack("second").with("settings", slack("x")["settings"].(obj).with("pieceVersion", nil))),
		code("after").with("displayName", nil))),
	// The README's definition as the provider sends it today.
	"short form": json.RawMessage(`{"displayName": "Post-call summary", "trigger": {
		"type": "PIECE_TRIGGER",
		"settings": {"pieceName": "@diga/piece-diga", "triggerName": "call_finished"},
		"nextAction": {"name": "post_to_slack", "type": "PIECE", "settings": {
			"pieceName": "@activepieces/piece-slack", "actionName": "send_channel_message",
			"input": {"channel": "C0123456789", "text": "Call {{trigger.call_id}} finished"}}}}}`),
	"hyphenated step": body(chain(callFinished(), slack("post-to-slack"))),
	"sent invalid":    body(chain(callFinished(), slack("notify").with("valid", false))),
	"continueOnFailure": body(chain(callFinished(), slack("notify").with("continueOnFailureBranches",
		obj{"onSuccess": slack("on_success"), "onFailure": slack("on_failure")}))),
}

var (
	checkOnce sync.Once
	checked   map[string]Result
	checkErr  error
)

// verdicts checks every case once and returns the name case's verdicts by
// version; it fails t when the checker cannot run (never a skip).
func verdicts(t *testing.T, name string) (Result, map[string]Verdict) {
	t.Helper()
	checkOnce.Do(func() {
		names := slices.Sorted(maps.Keys(cases))
		bodies := make([]Body, len(names))
		for i, n := range names {
			bodies[i] = Body{ID: n, Body: cases[n]}
		}
		var rs []Result
		rs, checkErr = Check(t.Context(), bodies)
		checked = map[string]Result{}
		for _, r := range rs {
			checked[r.ID] = r
		}
	})
	if checkErr != nil {
		t.Fatal(checkErr)
	}
	r, ok := checked[name]
	if !ok {
		t.Fatalf("no result for case %q", name)
	}
	byVersion := map[string]Verdict{}
	for _, v := range r.Versions {
		byVersion[v.Version] = v
	}
	if r.Error == "" {
		if _, ok := byVersion[zodLine]; !ok {
			t.Fatalf("no verdict of %s; got %v", zodLine, slices.Collect(maps.Keys(byVersion)))
		}
		if _, ok := byVersion[typeboxLine]; !ok {
			t.Fatalf("no verdict of %s; got %v", typeboxLine, slices.Collect(maps.Keys(byVersion)))
		}
	}
	return r, byVersion
}

func hasIssue(list []Issue, path, msgPart string) bool {
	for _, is := range list {
		if is.Path == path && strings.Contains(is.Message, msgPart) {
			return true
		}
	}
	return false
}

func invalidStep(v Verdict, step string) *InvalidStep {
	for i := range v.Invalid {
		if v.Invalid[i].Step == step {
			return &v.Invalid[i]
		}
	}
	return nil
}

func TestCompleteTreePassesBothLines(t *testing.T) {
	r, vs := verdicts(t, "complete")
	want := []string{"extract", "each_item", "per_item", "per_item_2", "by_length", "long_call", "notify"}
	for _, v := range vs {
		if !v.OK() {
			t.Errorf("%s: %v", v.Version, v.Problems())
		}
		if !v.FlowValid {
			t.Errorf("%s: the draft is not valid", v.Version)
		}
		if !sameSet(v.StepsSent, want) || !sameSet(v.StepsAfter, want) {
			t.Errorf("%s: steps sent %v, after %v; want %v", v.Version, v.StepsSent, v.StepsAfter, want)
		}
		if len(v.Trigger) == 0 || string(v.Trigger) == "null" {
			t.Errorf("%s: no resulting trigger", v.Version)
		}
	}
	if !r.OK() || len(r.Problems()) != 0 {
		t.Errorf("problems: %v", r.Problems())
	}
}

func TestNotJSON(t *testing.T) {
	r, _ := verdicts(t, "not json")
	if r.OK() || len(r.Versions) != 0 || !strings.Contains(r.Error, "not JSON") {
		t.Errorf("got %+v", r)
	}
}

func TestTriggerFieldsTheSchemaRequires(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		lines      []string // the versions that require it
	}{
		{"no valid", "trigger.valid", []string{zodLine, typeboxLine}},
		{"no displayName", "trigger.displayName", []string{zodLine, typeboxLine}},
		{"no propertySettings", "trigger.settings.propertySettings", []string{zodLine, typeboxLine}},
		// 0.37.0's trigger has no lastUpdatedDate.
		{"no lastUpdatedDate", "trigger.lastUpdatedDate", []string{zodLine}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, vs := verdicts(t, tc.name)
			for version, v := range vs {
				required := slices.Contains(tc.lines, version)
				if v.Accepted == required {
					t.Errorf("%s: accepted = %v, want %v (%v)", version, v.Accepted, !required, v.SchemaErrors)
				}
				if required && !hasIssue(v.SchemaErrors, tc.path, "missing") {
					t.Errorf("%s: no %s missing in %v", version, tc.path, v.SchemaErrors)
				}
			}
		})
	}
}

// On a step below the trigger, the engine fills valid (true) and
// lastUpdatedDate itself; a missing displayName or propertySettings makes
// the step invalid. ImportFlowRequest does not look below the trigger.
func TestNestedStepFields(t *testing.T) {
	_, vs := verdicts(t, "nested step short")
	for version, v := range vs {
		if !v.Accepted || v.ImportError != "" || len(v.Dropped) != 0 {
			t.Errorf("%s: %v", version, v.Problems())
		}
		if s := invalidStep(v, "no_valid"); s != nil {
			t.Errorf("%s: no_valid is invalid: %+v", version, s)
		}
		if s := invalidStep(v, "no_display"); s == nil || !hasIssue(s.Issues, "displayName", "missing") {
			t.Errorf("%s: no_display: %+v", version, s)
		}
		if s := invalidStep(v, "no_props"); s == nil || !hasIssue(s.Issues, "settings.propertySettings", "missing") {
			t.Errorf("%s: no_props: %+v", version, s)
		}
	}
}

func TestTriggerNameDecidesTheImport(t *testing.T) {
	_, vs := verdicts(t, "unnamed trigger")
	for version, v := range vs {
		if v.Accepted || !hasIssue(v.SchemaErrors, "trigger.name", "missing") {
			t.Errorf("%s: unnamed trigger accepted: %v", version, v.SchemaErrors)
		}
		if v.ImportError == "" || !strings.HasPrefix(v.ImportOperation, "UPDATE_TRIGGER") {
			t.Errorf("%s: unnamed trigger: import error %q at %q", version, v.ImportError, v.ImportOperation)
		}
	}
	_, vs = verdicts(t, "trigger named start")
	for version, v := range vs {
		if !v.Accepted {
			t.Errorf("%s: schema rejects a trigger named start: %v", version, v.SchemaErrors)
		}
		// The draft's trigger is named "trigger"; UPDATE_TRIGGER finds the
		// trigger by the name sent.
		if !strings.Contains(v.ImportError, "NOT_FOUND") || v.ImportOperation != `UPDATE_TRIGGER "start"` {
			t.Errorf("%s: trigger named start: import error %q at %q", version, v.ImportError, v.ImportOperation)
		}
		if len(v.StepsAfter) != 0 || v.Trigger != nil && string(v.Trigger) != "null" {
			t.Errorf("%s: a failed import has a result: %v %s", version, v.StepsAfter, v.Trigger)
		}
	}
}

func TestLoopBodyInChildrenIsDropped(t *testing.T) {
	r, vs := verdicts(t, "loop body in children")
	for version, v := range vs {
		if !v.Accepted || v.ImportError != "" {
			t.Errorf("%s: %v", version, v.Problems())
		}
		if len(v.Dropped) != 1 || v.Dropped[0] != (DroppedStep{Step: "loop_body", At: "loop_1.children[0]"}) {
			t.Errorf("%s: dropped %+v", version, v.Dropped)
		}
		if !sameSet(v.StepsAfter, []string{"loop_1", "after_loop"}) {
			t.Errorf("%s: steps after %v", version, v.StepsAfter)
		}
	}
	want := zodLine + ", " + typeboxLine + ": step loop_body: dropped (sent at loop_1.children[0]; absent after the import)"
	if !slices.Contains(r.Problems(), want) {
		t.Errorf("problems %q lack %q", r.Problems(), want)
	}
}

func TestInvalidSteps(t *testing.T) {
	for _, tc := range []struct {
		name, step, path string
	}{
		{"router no executionType", "branch_1", "settings.executionType"},
		{"code no packageJson", "extract", "settings.sourceCode.packageJson"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, vs := verdicts(t, tc.name)
			for version, v := range vs {
				if !v.Accepted || v.ImportError != "" || len(v.Dropped) != 0 {
					t.Errorf("%s: %v", version, v.Problems())
				}
				s := invalidStep(v, tc.step)
				if s == nil || s.SentInvalid || !hasIssue(s.Issues, tc.path, "") || len(v.Invalid) != 1 {
					t.Errorf("%s: invalid %+v; want only %s for %s", version, v.Invalid, tc.step, tc.path)
				}
				if v.FlowValid {
					t.Errorf("%s: the draft is valid", version)
				}
			}
		})
	}
}

func TestNestedPieceWithoutVersionThrows(t *testing.T) {
	r, vs := verdicts(t, "nested piece no pieceVersion")
	for version, v := range vs {
		if !v.Accepted {
			t.Errorf("%s: rejected: %v", version, v.SchemaErrors)
		}
		if !strings.Contains(v.ImportError, "startsWith") || v.ImportOperation != `ADD_ACTION "per_item" (INSIDE_LOOP "each_item")` {
			t.Errorf("%s: import error %q at %q", version, v.ImportError, v.ImportOperation)
		}
	}
	if r.OK() {
		t.Error("OK")
	}
}

// When the import throws, a replay past each throwing operation names them
// all and shows what else is wrong.
func TestReplayPastThrowingOperations(t *testing.T) {
	r, vs := verdicts(t, "two pieces no pieceVersion")
	for version, v := range vs {
		ops := make([]string, len(v.ImportErrors))
		for i, e := range v.ImportErrors {
			ops[i] = e.Operation
		}
		want := []string{`ADD_ACTION "first" (INSIDE_BRANCH 0 "by_length")`, `ADD_ACTION "second" (INSIDE_BRANCH 1 "by_length")`}
		if !slices.Equal(ops, want) || v.ImportOperation != want[0] || !v.Partial {
			t.Errorf("%s: operations that throw %q (first %q, partial %v), want %q", version, ops, v.ImportOperation, v.Partial, want)
		}
		// first_next is lost with first, whose operation threw: not
		// reported as dropped.
		if len(v.Dropped) != 0 {
			t.Errorf("%s: dropped %+v", version, v.Dropped)
		}
		if s := invalidStep(v, "after"); s == nil || !hasIssue(s.Issues, "displayName", "missing") || len(v.Invalid) != 1 {
			t.Errorf("%s: invalid %+v", version, v.Invalid)
		}
	}
	for _, want := range []string{
		zodLine + ", " + typeboxLine + `: IMPORT_FLOW also throws (past the operations that threw) at ADD_ACTION "second" (INSIDE_BRANCH 1 "by_length"): TypeError: Cannot read properties of undefined (reading 'startsWith')`,
		zodLine + ", " + typeboxLine + `: step after: invalid after the import (past the operations that threw): displayName: missing (string)`,
	} {
		if !slices.Contains(r.Problems(), want) {
			t.Errorf("problems %q lack %q", r.Problems(), want)
		}
	}

	// 0.37.0 adds a step after a parent it cannot find silently; 0.96.2
	// reads pieceVersion first, and throws.
	r, vs = verdicts(t, "short form")
	for version, v := range vs {
		if v.Accepted || !hasIssue(v.SchemaErrors, "trigger.name", "missing") || !hasIssue(v.SchemaErrors, "trigger.settings.pieceVersion", "missing") {
			t.Errorf("%s: schema errors %v", version, v.SchemaErrors)
		}
		if len(v.ImportErrors) == 0 || !strings.HasPrefix(v.ImportErrors[0].Operation, "UPDATE_TRIGGER") {
			t.Errorf("%s: operations that throw %+v", version, v.ImportErrors)
		}
		// The replay's trigger is the draft's own, not reported; the step
		// after the unnamed trigger is lost with it.
		if len(v.Invalid) != 0 || len(v.Dropped) != 0 {
			t.Errorf("%s: invalid %+v, dropped %+v", version, v.Invalid, v.Dropped)
		}
	}
	if v := vs[zodLine]; len(v.ImportErrors) != 2 || !strings.HasPrefix(v.ImportErrors[1].Operation, `ADD_ACTION "post_to_slack"`) {
		t.Errorf("%s: operations that throw %+v", zodLine, v.ImportErrors)
	}
	if reasons := r.Reasons(); !slices.Contains(reasons, zodLine+": IMPORT_FLOW throws at UPDATE_TRIGGER: TypeError: Cannot read properties of undefined (reading 'startsWith')") {
		t.Errorf("reasons %q", reasons)
	}
}

// STEP_NAME_REGEX came after 0.37.0, whose step name is any string.
func TestHyphenatedStepName(t *testing.T) {
	_, vs := verdicts(t, "hyphenated step")
	s := invalidStep(vs[zodLine], "post-to-slack")
	if s == nil || !hasIssue(s.Issues, "name", "") {
		t.Errorf("%s: %+v", zodLine, vs[zodLine].Invalid)
	}
	if v := vs[typeboxLine]; !v.OK() {
		t.Errorf("%s: %v", typeboxLine, v.Problems())
	}
}

func TestSentInvalidStaysInvalid(t *testing.T) {
	r, vs := verdicts(t, "sent invalid")
	for version, v := range vs {
		s := invalidStep(v, "notify")
		if s == nil || !s.SentInvalid || !hasIssue(s.Issues, "valid", "sent as false") {
			t.Errorf("%s: %+v", version, v.Invalid)
		}
	}
	want := zodLine + ", " + typeboxLine + ": step notify: invalid after the import: valid: sent as false (a step sent invalid stays invalid)"
	if !slices.Contains(r.Problems(), want) {
		t.Errorf("problems %q lack %q", r.Problems(), want)
	}
}

// continueOnFailureBranches came after 0.37.0, which drops them.
func TestContinueOnFailureBranches(t *testing.T) {
	_, vs := verdicts(t, "continueOnFailure")
	if v := vs[zodLine]; !v.OK() || !sameSet(v.StepsAfter, []string{"notify", "on_success", "on_failure"}) {
		t.Errorf("%s: %v, steps after %v", zodLine, v.Problems(), v.StepsAfter)
	}
	v := vs[typeboxLine]
	if len(v.Dropped) != 2 || v.Dropped[0].At != "notify.continueOnFailureBranches.onSuccess" {
		t.Errorf("%s: dropped %+v", typeboxLine, v.Dropped)
	}
}

func TestReasonsHaveNoStepNames(t *testing.T) {
	r, _ := verdicts(t, "loop body in children")
	for _, reason := range r.Reasons() {
		if strings.Contains(reason, "loop_body") {
			t.Errorf("reason names a step: %q", reason)
		}
	}
	if !slices.Contains(r.Reasons(), zodLine+", "+typeboxLine+": a step is dropped") {
		t.Errorf("reasons %q", r.Reasons())
	}
}

func TestImportBody(t *testing.T) {
	got := ImportBody(`a "flow"`, json.RawMessage(`{"name":"trigger"}`))
	if string(got) != `{"displayName":"a \"flow\"","trigger":{"name":"trigger"}}` {
		t.Errorf("got %s", got)
	}
}

// Without node the check fails; it never passes silently.
func TestCheckFailsWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := Check(t.Context(), []Body{{ID: "x", Body: cases["complete"]}}); err == nil || !strings.Contains(err.Error(), "node") {
		t.Errorf("err = %v", err)
	}
}

// A node_modules that does not hold the pinned version is refused, so a pin
// bump without make engine-deps cannot check against the old version.
func TestCheckerRefusesStaleModules(t *testing.T) {
	dir, err := NodeDir()
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	pin := "npm:@activepieces/shared@" + zodLine
	if !bytes.Contains(pkg, []byte(pin)) {
		t.Fatalf("package.json does not pin %s", pin)
	}
	tmp := t.TempDir()
	script, err := os.ReadFile(filepath.Join(dir, "check.js"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"package.json": bytes.Replace(pkg, []byte(pin), []byte("npm:@activepieces/shared@0.96.1"), 1),
		"check.js":     script,
	} {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "node_modules"), filepath.Join(tmp, "node_modules")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "node", "check.js")
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "package.json pins 0.96.1: run \"make engine-deps\"") {
		t.Errorf("err %v, output %s", err, out)
	}
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
