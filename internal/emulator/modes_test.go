package emulator

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fixedNow is the clock of the mode tests: lastUpdatedDate is predictable.
var fixedNow = time.Date(2026, 3, 4, 5, 6, 7, 891234000, time.UTC)

const fixedLastUpdated = "2026-03-04T05:06:07.891Z"

func modeClient(t *testing.T, im ImportMode, rm ResponseMode) (*apiClient, string) {
	t.Helper()
	c := newClient(t, WithImportMode(im), WithResponseMode(rm), WithClock(func() time.Time { return fixedNow }))
	return c, str(c.create("modes"), "id")
}

// engineCode is a CODE step the engine's schema accepts.
func engineCode(name string, next any) map[string]any {
	return map[string]any{
		"name": name, "type": "CODE", "displayName": "Code " + name,
		"settings":   map[string]any{"sourceCode": map[string]any{"code": "export const code = async () => 1", "packageJson": "{}"}, "input": map[string]any{}},
		"nextAction": next,
	}
}

// enginePieceTrigger is a complete PIECE_TRIGGER of a piece outside the
// catalogue (schema checks only) followed by next.
func enginePieceTrigger(next any) map[string]any {
	return map[string]any{
		"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Webhook",
		"settings": map[string]any{"pieceName": "@activepieces/piece-webhook", "pieceVersion": "~0.1.0", "triggerName": "catch_webhook",
			"input": map[string]any{}, "propertySettings": map[string]any{}},
		"nextAction": next,
	}
}

func loopStep(name string, body map[string]any, next any) map[string]any {
	l := map[string]any{"name": name, "type": "LOOP_ON_ITEMS", "displayName": "Loop", "settings": map[string]any{"items": "{{trigger.items}}"}, "nextAction": next}
	for k, v := range body {
		l[k] = v
	}
	return l
}

func importBody(trigger map[string]any) map[string]any {
	return map[string]any{"displayName": "Imported", "trigger": trigger}
}

// loopNode finds the loop step "loop" in a tree (the trigger's nextAction).
func loopNode(t *testing.T, trigger any) map[string]any {
	t.Helper()
	l := obj(obj(trigger)["nextAction"])
	if str(l, "name") != "loop" {
		t.Fatalf("no loop after the trigger: %v", trigger)
	}
	return l
}

// TestLoopBodiesByMode: where a loop body may be sent, where it is stored and
// how each response mode shows it.
func TestLoopBodiesByMode(t *testing.T) {
	t.Parallel()
	body := func() map[string]any { return engineCode("body_1", engineCode("body_2", nil)) }
	sent := map[string]func() map[string]any{
		"children":        func() map[string]any { return map[string]any{"children": []any{body()}} },
		"firstLoopAction": func() map[string]any { return map[string]any{keyFirstLoopAction: body()} },
		"both": func() map[string]any {
			return map[string]any{keyFirstLoopAction: body(), "children": []any{engineCode("other", nil)}}
		},
	}
	cases := []struct {
		mode   ImportMode
		sentIn string
		// stored: where the body is in the stored tree ("" = lost).
		stored string
	}{
		{ImportLenient, "children", "children"},
		{ImportLenient, "firstLoopAction", keyFirstLoopAction},
		{ImportLenient, "both", keyFirstLoopAction},
		{ImportEngine, "children", ""},
		{ImportEngine, "firstLoopAction", keyFirstLoopAction},
		{ImportEngine, "both", keyFirstLoopAction},
	}
	for _, tc := range cases {
		for _, rm := range []ResponseMode{ResponseDeclared, ResponseFull, ResponseDeclaredNoLoopBodies} {
			t.Run(tc.mode.String()+"/"+tc.sentIn+"/"+rm.String(), func(t *testing.T) {
				t.Parallel()
				c, id := modeClient(t, tc.mode, rm)
				got := c.importFlow(id, importBody(enginePieceTrigger(loopStep("loop", sent[tc.sentIn](), engineCode("after", nil)))))

				snap, _ := c.srv.Flow(keyA, id)
				stored := loopNode(t, snap.Trigger)
				_, hasFLA := stored[keyFirstLoopAction]
				_, hasKids := stored["children"]
				switch tc.stored {
				case "children":
					if hasFLA || str(obj(stored["children"].([]any)[0]), "name") != "body_1" {
						t.Fatalf("stored loop %v", stored)
					}
				case keyFirstLoopAction:
					if hasKids || str(obj(stored[keyFirstLoopAction]), "name") != "body_1" {
						t.Fatalf("stored loop %v", stored)
					}
				default:
					if hasKids || hasFLA {
						t.Fatalf("engine kept a loop's children: %v", stored)
					}
				}
				wantNames := "trigger loop body_1 body_2 after"
				if tc.stored == "" {
					wantNames = "trigger loop after"
				}
				if got := strings.Join(stepNames(snap.Trigger), " "); got != wantNames {
					t.Fatalf("steps %q, want %q", got, wantNames)
				}

				shown := loopNode(t, got["trigger"])
				kids, _ := shown["children"].([]any)
				switch {
				case rm == ResponseFull:
					if !reflect.DeepEqual(shown, stored) {
						t.Fatalf("full answer %v\nstored %v", shown, stored)
					}
				case rm == ResponseDeclaredNoLoopBodies || tc.stored == "":
					if shown["children"] != nil {
						t.Fatalf("children %v, want null", shown["children"])
					}
				default:
					if len(kids) != 1 || str(obj(kids[0]), "name") != "body_1" || str(obj(obj(kids[0])["nextAction"]), "name") != "body_2" {
						t.Fatalf("declared children %v", shown["children"])
					}
				}
				if _, ok := shown[keyFirstLoopAction]; ok && rm != ResponseFull {
					t.Fatal("firstLoopAction is not a declared key")
				}
			})
		}
	}
}

// TestEngineImportFailures: what the engine throws on is a 500 and stores
// nothing; a trigger the draft does not have is a 400.
func TestEngineImportFailures(t *testing.T) {
	t.Parallel()
	noVersion := func(tr map[string]any) map[string]any { delete(obj(tr["settings"]), "pieceVersion"); return tr }
	piece := func(settings map[string]any) map[string]any {
		return map[string]any{"name": "p", "type": "PIECE", "displayName": "P", "settings": settings}
	}
	cases := []struct {
		name    string
		trigger map[string]any
		status  int
		message string
	}{
		{"trigger without pieceVersion", noVersion(enginePieceTrigger(nil)), 500, ""},
		{"trigger with null pieceVersion", func() map[string]any {
			tr := enginePieceTrigger(nil)
			obj(tr["settings"])["pieceVersion"] = nil
			return tr
		}(), 500, ""},
		{"trigger without settings", func() map[string]any { tr := enginePieceTrigger(nil); delete(tr, "settings"); return tr }(), 500, ""},
		{"step without pieceVersion", enginePieceTrigger(piece(map[string]any{"pieceName": "x", "actionName": "a", "input": map[string]any{}})), 500, ""},
		{"step without pieceVersion inside a loop body", enginePieceTrigger(loopStep("loop",
			map[string]any{keyFirstLoopAction: piece(map[string]any{"pieceName": "x"})}, nil)), 500, ""},
		{"step without settings", enginePieceTrigger(map[string]any{"name": "c", "type": "CODE", "displayName": "C"}), 500, ""},
		{"router without children", enginePieceTrigger(map[string]any{"name": "r", "type": "ROUTER", "displayName": "R",
			"settings": map[string]any{"branches": []any{map[string]any{"branchName": "a", "branchType": "FALLBACK"}}, "executionType": "EXECUTE_FIRST_MATCH"}}), 500, ""},
		{"router without branches", enginePieceTrigger(map[string]any{"name": "r", "type": "ROUTER", "displayName": "R",
			"settings": map[string]any{"executionType": "EXECUTE_FIRST_MATCH"}, "children": []any{}}), 500, ""},
		{"trigger named otherwise", func() map[string]any { tr := enginePieceTrigger(nil); tr["name"] = "start"; return tr }(), 400,
			"Step start not found: the draft's trigger is named trigger"},
		{"trigger without a name", func() map[string]any { tr := enginePieceTrigger(nil); delete(tr, "name"); return tr }(), 400,
			"The imported trigger has no name: the draft's trigger is named trigger"},
		{"trigger named otherwise, step without pieceVersion", func() map[string]any {
			tr := enginePieceTrigger(piece(map[string]any{}))
			tr["name"] = "start"
			return tr
		}(), 400, "Step start not found: the draft's trigger is named trigger"},
		{"trigger named otherwise and without pieceVersion", func() map[string]any {
			tr := noVersion(enginePieceTrigger(nil))
			tr["name"] = "start"
			return tr
		}(), 500, ""},
		// Ignored by the engine, so no exception: a loop's children.
		{"router without children in a loop's children", enginePieceTrigger(loopStep("loop", map[string]any{"children": []any{
			map[string]any{"name": "r", "type": "ROUTER", "displayName": "R", "settings": map[string]any{}}}}, nil)), 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, id := modeClient(t, ImportEngine, ResponseDeclared)
			before, _ := c.srv.Flow(keyA, id)
			rec := c.do("POST", "/v1/workflow/"+id+"/import", importBody(tc.trigger))
			switch tc.status {
			case 200:
				expectJSON(t, rec, 200)
				return
			case 500:
				if rec.Code != 500 || rec.Body.String() != "Internal Server Error" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
					t.Fatalf("%d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
				}
			default:
				expectEnvelope(t, rec, tc.status, codeStepNotFound, tc.message)
			}
			after, _ := c.srv.Flow(keyA, id)
			if !reflect.DeepEqual(before, after) {
				t.Fatalf("a failed import changed the flow:\n%v\n%v", before, after)
			}
		})
	}
	// Lenient: none of this is an error (a missing name is "trigger").
	c, id := modeClient(t, ImportLenient, ResponseDeclared)
	tr := noVersion(enginePieceTrigger(piece(map[string]any{})))
	delete(tr, "name")
	c.importFlow(id, importBody(tr))
}

// TestEngineImportStoresWhatTheEngineStores: kept keys, exact versions,
// lastUpdatedDate, valid = sent && schema, and what the 422 checks still
// refuse.
func TestEngineImportStoresWhatTheEngineStores(t *testing.T) {
	t.Parallel()
	c, id := modeClient(t, ImportEngine, ResponseFull)
	step := map[string]any{
		"name": "p", "type": "PIECE", "displayName": "P", "custom": "dropped", "valid": true,
		"settings": map[string]any{"pieceName": "@x/piece-x", "pieceVersion": "^1.2.3", "actionName": "a", "input": map[string]any{"k": 1},
			"propertySettings": map[string]any{"k": map[string]any{"type": "MANUAL"}}, "extra": "kept"},
		"nextAction": engineCode("c", nil),
	}
	obj(step["nextAction"])["valid"] = false
	tr := enginePieceTrigger(step)
	tr["custom"] = "dropped"
	obj(tr["settings"])["sampleData"] = map[string]any{"lastTestDate": "sent, replaced"}
	got := c.importFlow(id, importBody(tr))
	want := map[string]any{
		"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Webhook", "valid": true, "lastUpdatedDate": fixedLastUpdated,
		"settings": map[string]any{"pieceName": "@activepieces/piece-webhook", "pieceVersion": "0.1.0", "triggerName": "catch_webhook",
			"input": map[string]any{}, "propertySettings": map[string]any{}},
		"nextAction": map[string]any{
			"name": "p", "type": "PIECE", "displayName": "P", "valid": true, "lastUpdatedDate": fixedLastUpdated,
			"settings": map[string]any{"pieceName": "@x/piece-x", "pieceVersion": "1.2.3", "actionName": "a", "input": map[string]any{"k": 1.0},
				"propertySettings": map[string]any{"k": map[string]any{"type": "MANUAL"}}, "extra": "kept"},
			"nextAction": map[string]any{
				"name": "c", "type": "CODE", "displayName": "Code c", "valid": false, "lastUpdatedDate": fixedLastUpdated,
				"settings": map[string]any{"sourceCode": map[string]any{"code": "export const code = async () => 1", "packageJson": "{}"}, "input": map[string]any{}},
			},
		},
	}
	if !reflect.DeepEqual(got["trigger"], want) {
		g, _ := json.Marshal(got["trigger"])
		w, _ := json.Marshal(want)
		t.Fatalf("stored\n%s\nwant\n%s", g, w)
	}
	// A second import keeps the trigger's sample data (the replaced
	// trigger's, whatever the request says).
	c.srv.EditFlow(keyA, id, func(tr map[string]any) {
		obj(tr["settings"])["sampleData"] = map[string]any{"sampleDataFileId": "f1"}
	})
	got = c.importFlow(id, importBody(enginePieceTrigger(nil)))
	if sd := obj(obj(got["trigger"])["settings"])["sampleData"]; !reflect.DeepEqual(sd, map[string]any{"sampleDataFileId": "f1"}) {
		t.Fatalf("sampleData %v", sd)
	}
	// The 422 checks stay: a non-boolean valid is refused.
	tr = enginePieceTrigger(engineCode("c", nil))
	obj(tr["nextAction"])["valid"] = "yes"
	expectDetail(t, c.do("POST", "/v1/workflow/"+id+"/import", importBody(tr)),
		`[{"type":"bool_type","loc":["body","trigger","nextAction","valid"],"msg":"Input should be a valid boolean","input":"yes"}]`)
}

// TestEngineValidity: the schema's and the catalogue's verdicts, and the
// publish refusal they cause.
func TestEngineValidity(t *testing.T) {
	t.Parallel()
	set := func(step map[string]any, path string, v any) map[string]any {
		parts := strings.Split(path, ".")
		m := step
		for _, p := range parts[:len(parts)-1] {
			m = obj(m[p])
		}
		if v == nil {
			delete(m, parts[len(parts)-1])
		} else {
			m[parts[len(parts)-1]] = v
		}
		return step
	}
	router := func() map[string]any {
		return map[string]any{"name": "s", "type": "ROUTER", "displayName": "R", "children": []any{nil, nil},
			"settings": map[string]any{"executionType": "EXECUTE_FIRST_MATCH", "branches": []any{
				map[string]any{"branchName": "A", "branchType": "CONDITION", "conditions": []any{[]any{
					map[string]any{"firstValue": "{{trigger.x}}", "secondValue": "1", "operator": "NUMBER_IS_EQUAL_TO"}}}},
				map[string]any{"branchName": "Otherwise", "branchType": "FALLBACK"}}}}
	}
	// The catalogue cases are derived from the catalogue's data: an action
	// of a piece with auth that requires auth and some input, and a
	// required input with a default (not applied by the engine).
	authPiece, authOp := catalogueAction(t, func(p *piece, op pieceOp) bool {
		return p.auth != nil && op.requireAuth && len(requiredProps(op)) > 0
	})
	defPiece, defOp := catalogueAction(t, func(_ *piece, op pieceOp) bool {
		for _, pr := range op.props {
			if pr.required && pr.hasDefault {
				return true
			}
		}
		return false
	})
	pieceStep := func(p *piece, op pieceOp, edit func(input map[string]any)) map[string]any {
		input := completeInput(p, op)
		if edit != nil {
			edit(input)
		}
		return map[string]any{"name": "s", "type": "PIECE", "displayName": p.displayName, "settings": map[string]any{
			"pieceName": p.name, "pieceVersion": "^" + p.version, "actionName": op.name,
			"input": input, "propertySettings": map[string]any{}}}
	}
	withAuth := func(edit func(input map[string]any)) map[string]any { return pieceStep(authPiece, authOp, edit) }
	firstRequired := requiredProps(authOp)[0]
	code := func() map[string]any { s := engineCode("s", nil); delete(s, "nextAction"); return s }
	loop := func() map[string]any { return loopStep("s", nil, nil) }
	cases := []struct {
		name  string
		step  map[string]any
		valid bool
	}{
		{"router", router(), true},
		{"router without executionType", set(router(), "settings.executionType", nil), false},
		{"router with an unknown executionType", set(router(), "settings.executionType", "ALL"), false},
		{"router branch without branchType", set(router(), "settings.branches", []any{map[string]any{"branchName": "A"}}), false},
		{"router condition branch without conditions", set(router(), "settings.branches", []any{map[string]any{"branchName": "A", "branchType": "CONDITION"}}), false},
		{"router condition with a number", set(router(), "settings.branches", []any{map[string]any{"branchName": "A", "branchType": "CONDITION",
			"conditions": []any{[]any{map[string]any{"firstValue": "a", "secondValue": 1, "operator": "NUMBER_IS_EQUAL_TO"}}}}}), false},
		{"router condition with a number, read as a single-value one", set(router(), "settings.branches", []any{map[string]any{"branchName": "A", "branchType": "CONDITION",
			"conditions": []any{[]any{map[string]any{"firstValue": "a", "secondValue": 1}}}}}), true},
		{"router single-value condition", set(router(), "settings.branches", []any{map[string]any{"branchName": "A", "branchType": "CONDITION",
			"conditions": []any{[]any{map[string]any{"firstValue": "a", "operator": "EXISTS"}}}}}), true},
		{"router empty condition values (schema allows them)", set(router(), "settings.branches", []any{map[string]any{"branchName": "A", "branchType": "CONDITION",
			"conditions": []any{[]any{map[string]any{"firstValue": "", "secondValue": ""}}}}}), true},
		{"code", code(), true},
		{"code without sourceCode", set(code(), "settings.sourceCode", nil), false},
		{"code without packageJson", set(code(), "settings.sourceCode.packageJson", nil), false},
		{"code without input", set(code(), "settings.input", nil), false},
		{"code with errorHandlingOptions", set(code(), "settings.errorHandlingOptions", map[string]any{"continueOnFailure": map[string]any{"value": true}}), true},
		{"code with a bad errorHandlingOptions", set(code(), "settings.errorHandlingOptions", map[string]any{"retryOnFailure": map[string]any{"value": "no"}}), false},
		{"code with a null sampleData", set(code(), "settings.sampleData", "null"), false},
		{"code with skip null", set(code(), "skip", "null"), false},
		{"code without displayName", set(code(), "displayName", nil), false},
		{"code named with a dash", set(code(), "name", "my-step"), false},
		{"loop", loop(), true},
		{"loop with empty items (schema allows it)", set(loop(), "settings.items", ""), true},
		{"loop without items", set(loop(), "settings.items", nil), false},
		{"piece without propertySettings", set(withAuth(nil), "settings.propertySettings", nil), false},
		{"piece with a bad pieceVersion", set(withAuth(nil), "settings.pieceVersion", "latest"), false},
		{"piece with a null actionName", set(withAuth(nil), "settings.actionName", "null"), false},
		{"catalogue piece, every required input and auth", withAuth(nil), true},
		{"catalogue piece without auth", withAuth(func(in map[string]any) { delete(in, "auth") }), false},
		{"catalogue piece without a required input", withAuth(func(in map[string]any) { delete(in, firstRequired) }), false},
		{"catalogue piece with an empty required input", withAuth(func(in map[string]any) { in[firstRequired] = "" }), false},
		{"catalogue piece with a null required input", withAuth(func(in map[string]any) { in[firstRequired] = nil }), false},
		{"catalogue piece with an unknown action", set(withAuth(nil), "settings.actionName", "no_such_action"), false},
		{"catalogue piece without an input that has a default: defaults are not applied", pieceStep(defPiece, defOp, func(in map[string]any) {
			for _, pr := range defOp.props {
				if pr.required && pr.hasDefault {
					delete(in, pr.name)
					return
				}
			}
		}), false},
		{"catalogue piece with every required input, defaults given", pieceStep(defPiece, defOp, nil), true},
		{"unknown piece: schema only", set(withAuth(func(in map[string]any) { clear(in) }), "settings.pieceName", "@someone/piece-private"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// "null" stands for an explicit JSON null.
			raw, _ := json.Marshal(tc.step)
			raw = []byte(strings.ReplaceAll(string(raw), `"null"`, "null"))
			var step map[string]any
			if err := json.Unmarshal(raw, &step); err != nil {
				t.Fatal(err)
			}
			c, id := modeClient(t, ImportEngine, ResponseDeclared)
			got := c.importFlow(id, importBody(enginePieceTrigger(step)))
			if v := obj(obj(got["trigger"])["nextAction"])["valid"]; v != tc.valid {
				t.Fatalf("valid %v, want %v", v, tc.valid)
			}
			rec := c.do("POST", "/v1/workflow/"+id+"/publish", nil)
			if tc.valid {
				expectJSON(t, rec, 200)
				return
			}
			expectEnvelope(t, rec, 400, codeFlowNotPublishable, "")
			mustContain(t, rec.Body.String(), "invalid steps: "+str(step, "name")+" ")
			// A skipped invalid step does not block publishing.
			c.srv.EditFlow(keyA, id, func(tr map[string]any) { obj(tr["nextAction"])["skip"] = true })
			expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/publish", nil), 200)
		})
	}
}

// catalogueAction finds an action of the emulator's catalogue for which
// want holds (the tests do not depend on which pieces it lists).
func catalogueAction(t *testing.T, want func(*piece, pieceOp) bool) (*piece, pieceOp) {
	t.Helper()
	return catalogueOp(t, false, want)
}

func catalogueOp(t *testing.T, trigger bool, want func(*piece, pieceOp) bool) (*piece, pieceOp) {
	t.Helper()
	for _, p := range pieceCatalogue {
		ops := p.actions
		if trigger {
			ops = p.triggers
		}
		for _, op := range ops {
			if want(p, op) {
				return p, op
			}
		}
	}
	t.Fatal("no such operation in the catalogue")
	return nil, pieceOp{}
}

func requiredProps(op pieceOp) []string {
	var out []string
	for _, pr := range op.props {
		if pr.required {
			out = append(out, pr.name)
		}
	}
	return out
}

// completeInput gives every required input a value (its default when it
// has one), and auth when the operation needs it.
func completeInput(p *piece, op pieceOp) map[string]any {
	in := map[string]any{}
	for _, pr := range op.props {
		switch {
		case pr.required && pr.hasDefault && pr.defaultValue != nil && pr.defaultValue != "":
			in[pr.name] = pr.defaultValue
		case pr.required:
			in[pr.name] = "{{trigger.value}}"
		}
	}
	if p.auth != nil && op.requireAuth {
		in["auth"] = "{{connections['conn_1']}}"
	}
	return in
}

func TestEngineTriggerValidityAndPublish(t *testing.T) {
	t.Parallel()
	p, op := catalogueOp(t, true, func(_ *piece, op pieceOp) bool { return len(requiredProps(op)) > 0 })
	trig := func(edit func(map[string]any)) map[string]any {
		input := completeInput(p, op)
		if edit != nil {
			edit(input)
		}
		return map[string]any{"name": "trigger", "type": "PIECE_TRIGGER", "displayName": op.displayName, "settings": map[string]any{
			"pieceName": p.name, "pieceVersion": p.version, "triggerName": op.name, "input": input, "propertySettings": map[string]any{}}}
	}
	c, id := modeClient(t, ImportEngine, ResponseDeclared)
	got := c.importFlow(id, importBody(trig(func(in map[string]any) { delete(in, requiredProps(op)[0]) })))
	if obj(got["trigger"])["valid"] != false {
		t.Fatal("a required trigger input is missing")
	}
	rec := c.do("POST", "/v1/workflow/"+id+"/publish", nil)
	expectEnvelope(t, rec, 400, codeFlowNotPublishable, "")
	mustContain(t, rec.Body.String(), "invalid steps: trigger ")
	got = c.importFlow(id, importBody(trig(nil)))
	if obj(got["trigger"])["valid"] != true {
		t.Fatal(got)
	}
	expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/publish", nil), 200)
	tr := trig(nil)
	tr["valid"] = false
	got = c.importFlow(id, importBody(tr))
	if obj(got["trigger"])["valid"] != false {
		t.Fatal("a sent valid:false is kept")
	}
	// Lenient: recomputed, and validity never blocks publishing.
	c, id = modeClient(t, ImportLenient, ResponseDeclared)
	got = c.importFlow(id, importBody(tr))
	if obj(got["trigger"])["valid"] != true {
		t.Fatal(got)
	}
	step := engineCode("c", nil)
	delete(obj(step["settings"]), "sourceCode")
	c.importFlow(id, importBody(enginePieceTrigger(step)))
	expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/publish", nil), 200)
}

// TestResponseModesRendering: the same stored tree in the three response
// modes.
func TestResponseModesRendering(t *testing.T) {
	t.Parallel()
	tr := enginePieceTrigger(loopStep("loop", map[string]any{keyFirstLoopAction: engineCode("body", nil)}, nil))
	obj(obj(obj(tr["nextAction"])[keyFirstLoopAction])["settings"])["errorHandlingOptions"] = map[string]any{}
	for _, im := range []ImportMode{ImportLenient, ImportEngine} {
		for _, rm := range []ResponseMode{ResponseDeclared, ResponseFull, ResponseDeclaredNoLoopBodies} {
			c, id := modeClient(t, im, rm)
			rec := c.do("POST", "/v1/workflow/"+id+"/import", importBody(tr))
			expectJSON(t, rec, 200)
			b := rec.Body.String()
			name := im.String() + "/" + rm.String()
			has := func(s string) bool { return strings.Contains(b, s) }
			switch rm {
			case ResponseFull:
				for _, s := range []string{`"sourceCode"`, `"items"`, `"firstLoopAction"`, `"errorHandlingOptions"`} {
					if !has(s) {
						t.Errorf("%s: %s missing from %s", name, s, b)
					}
				}
				if im == ImportEngine && !has(`"lastUpdatedDate":"`+fixedLastUpdated+`"`) {
					t.Errorf("%s: lastUpdatedDate missing: %s", name, b)
				}
			default:
				for _, s := range []string{`"sourceCode"`, `"items"`, `"firstLoopAction"`, `"errorHandlingOptions"`, `"lastUpdatedDate"`} {
					if has(s) {
						t.Errorf("%s: undeclared %s in %s", name, s, b)
					}
				}
				want := `"children":[{"name":"body","type":"CODE",`
				if rm == ResponseDeclaredNoLoopBodies {
					want = `"name":"loop","type":"LOOP_ON_ITEMS","valid":true,"displayName":"Loop","skip":` + map[ImportMode]string{ImportLenient: "false", ImportEngine: "null"}[im] +
						`,"settings":{"pieceName":null,"pieceVersion":null,"actionName":null,"triggerName":null,"input":null,` +
						map[ImportMode]string{ImportLenient: `"propertySettings":{},"sampleData":{}`, ImportEngine: `"propertySettings":null,"sampleData":null`}[im] +
						`,"branches":null,"executionType":null},"children":null,"nextAction":null}`
				}
				if !has(want) {
					t.Errorf("%s: %s not in %s", name, want, b)
				}
			}
		}
	}
}

// TestEditFlowInEveryMode: tests simulate UI edits of the stored tree (a loop
// body, CODE source, a router's executionType) whatever the modes.
func TestEditFlowInEveryMode(t *testing.T) {
	t.Parallel()
	router := map[string]any{"name": "router", "type": "ROUTER", "displayName": "R", "children": []any{nil},
		"settings": map[string]any{"branches": []any{map[string]any{"branchName": "Otherwise", "branchType": "FALLBACK"}}}}
	for _, im := range []ImportMode{ImportLenient, ImportEngine} {
		for _, rm := range []ResponseMode{ResponseDeclared, ResponseFull, ResponseDeclaredNoLoopBodies} {
			t.Run(im.String()+"/"+rm.String(), func(t *testing.T) {
				t.Parallel()
				c, id := modeClient(t, im, rm)
				body := map[string]any{keyFirstLoopAction: engineCode("body", nil)}
				c.importFlow(id, importBody(enginePieceTrigger(loopStep("loop", body, router))))
				if im == ImportEngine {
					// The router has no executionType: invalid.
					expectEnvelope(t, c.do("POST", "/v1/workflow/"+id+"/publish", nil), 400, codeFlowNotPublishable, "")
				}
				ok := c.srv.EditFlow(keyA, id, func(tr map[string]any) {
					loop := obj(tr["nextAction"])
					b := obj(loop[keyFirstLoopAction])
					obj(obj(b["settings"])["sourceCode"])["code"] = "edited"
					b["nextAction"] = engineCode("added", nil)
					obj(obj(loop["nextAction"])["settings"])["executionType"] = "EXECUTE_ALL_MATCH"
				})
				if !ok {
					t.Fatal("EditFlow")
				}
				snap, _ := c.srv.Flow(keyA, id)
				loop := obj(snap.Trigger["nextAction"])
				b := obj(loop[keyFirstLoopAction])
				if str(obj(obj(b["settings"])["sourceCode"]), "code") != "edited" || str(obj(b["nextAction"]), "name") != "added" ||
					str(obj(obj(loop["nextAction"])["settings"]), "executionType") != "EXECUTE_ALL_MATCH" {
					t.Fatalf("edit lost: %v", snap.Trigger)
				}
				if got := strings.Join(stepNames(snap.Trigger), " "); got != "trigger loop body added router" {
					t.Fatal(got)
				}
				// Now valid everywhere (the engine recomputed the edited
				// router), so the flow publishes in both modes.
				expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/publish", nil), 200)
				if im == ImportEngine && (obj(loop["nextAction"])["valid"] != true || str(obj(b["nextAction"]), "lastUpdatedDate") != fixedLastUpdated) {
					t.Fatalf("engine validity not recomputed: %v", loop)
				}
				// A body in children (as an earlier lenient server stored it)
				// can be edited too.
				c.srv.EditFlow(keyA, id, func(tr map[string]any) {
					loop := obj(tr["nextAction"])
					loop["children"] = []any{loop[keyFirstLoopAction]}
					delete(loop, keyFirstLoopAction)
				})
				snap, _ = c.srv.Flow(keyA, id)
				if got := strings.Join(stepNames(snap.Trigger), " "); got != "trigger loop body added router" {
					t.Fatal(got)
				}
			})
		}
	}
}

// TestEngineEditsKeepAndRecomputeValid: under ImportEngine an edit
// recomputes valid only where it changed something; a valid it sets itself
// is honoured.
func TestEngineEditsKeepAndRecomputeValid(t *testing.T) {
	t.Parallel()
	c, id := modeClient(t, ImportEngine, ResponseDeclared)
	kept := engineCode("kept", nil)
	kept["valid"] = false
	c.importFlow(id, importBody(enginePieceTrigger(engineCode("first", kept))))
	c.srv.EditFlow(keyA, id, func(tr map[string]any) {
		obj(obj(tr["nextAction"])["settings"])["input"] = map[string]any{"x": 1}
	})
	snap, _ := c.srv.Flow(keyA, id)
	first := obj(snap.Trigger["nextAction"])
	if first["valid"] != true || obj(first["nextAction"])["valid"] != false {
		t.Fatalf("an unchanged step keeps its valid: %v", first)
	}
	c.srv.EditFlow(keyA, id, func(tr map[string]any) { obj(tr["nextAction"])["valid"] = false })
	snap, _ = c.srv.Flow(keyA, id)
	if obj(snap.Trigger["nextAction"])["valid"] != false {
		t.Fatal("an edit's own valid:false is kept")
	}
	c.srv.EditFlow(keyA, id, func(tr map[string]any) {
		k := obj(obj(tr["nextAction"])["nextAction"])
		obj(k["settings"])["input"] = map[string]any{"changed": true}
	})
	snap, _ = c.srv.Flow(keyA, id)
	if obj(obj(snap.Trigger["nextAction"])["nextAction"])["valid"] != true {
		t.Fatal("a changed step is recomputed (its old valid:false is not the edit's)")
	}
}

// TestEngineStepOperations: the step operations under ImportEngine.
func TestEngineStepOperations(t *testing.T) {
	t.Parallel()
	c, id := modeClient(t, ImportEngine, ResponseFull)
	c.importFlow(id, importBody(enginePieceTrigger(loopStep("loop", nil, nil))))
	action := func(name string, settings map[string]any) map[string]any {
		return map[string]any{"name": name, "type": "CODE", "displayName": name, "settings": settings}
	}
	src := func() map[string]any {
		return map[string]any{"sourceCode": map[string]any{"code": "x", "packageJson": "{}"}, "input": map[string]any{}}
	}
	for _, name := range []string{"b2", "b1"} {
		expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", addBody("loop", "INSIDE_LOOP", nil, action(name, src()))), 200)
	}
	snap, _ := c.srv.Flow(keyA, id)
	loop := obj(snap.Trigger["nextAction"])
	if _, ok := loop["children"]; ok || str(obj(loop[keyFirstLoopAction]), "name") != "b1" || str(obj(obj(loop[keyFirstLoopAction])["nextAction"]), "name") != "b2" {
		t.Fatalf("loop body not in firstLoopAction: %v", loop)
	}
	if b := obj(loop[keyFirstLoopAction]); b["valid"] != true || b["skip"] != nil || obj(b["settings"])["propertySettings"] != nil {
		t.Fatalf("engine step: %v", b)
	}
	expectJSON(t, c.do("DELETE", "/v1/workflow/"+id+"/action/b1", nil), 200)
	expectJSON(t, c.do("DELETE", "/v1/workflow/"+id+"/action/b2", nil), 200)
	snap, _ = c.srv.Flow(keyA, id)
	if _, ok := obj(snap.Trigger["nextAction"])[keyFirstLoopAction]; ok {
		t.Fatalf("emptied loop keeps firstLoopAction: %v", snap.Trigger)
	}
	// A PIECE without pieceVersion throws in the engine; one with a range
	// is stored exact.
	piece := map[string]any{"name": "p", "type": "PIECE", "displayName": "P", "settings": map[string]any{"pieceName": "@x/piece-x", "actionName": "a", "input": map[string]any{}}}
	rec := c.do("POST", "/v1/workflow/"+id+"/action", addBody("trigger", "", nil, piece))
	if rec.Code != 500 {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	obj(piece["settings"])["pieceVersion"] = "~2.0.0"
	got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", addBody("trigger", "", nil, piece)), 200)
	if v := obj(obj(obj(got["trigger"])["nextAction"])["settings"])["pieceVersion"]; v != "2.0.0" {
		t.Fatal(v)
	}
	// An update recomputes validity.
	if obj(obj(got["trigger"])["nextAction"])["valid"] != false {
		t.Fatal("no propertySettings: invalid")
	}
	obj(piece["settings"])["propertySettings"] = map[string]any{}
	got = expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/action", piece), 200)
	if obj(obj(got["trigger"])["nextAction"])["valid"] != true {
		t.Fatal(obj(got["trigger"])["nextAction"])
	}
	// PATCH …/trigger is UPDATE_TRIGGER.
	trig := map[string]any{"type": "PIECE_TRIGGER", "displayName": "T", "settings": map[string]any{"pieceName": "@x/piece-x", "triggerName": "t", "input": map[string]any{}}}
	if rec := c.do("PATCH", "/v1/workflow/"+id+"/trigger", trig); rec.Code != 500 {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	obj(trig["settings"])["pieceVersion"] = "^1.0.0"
	got = expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/trigger", trig), 200)
	tg := obj(got["trigger"])
	if str(obj(tg["settings"]), "pieceVersion") != "1.0.0" || tg["valid"] != false || str(obj(tg["nextAction"]), "name") != "p" {
		t.Fatalf("trigger %v", tg)
	}
}

// TestLoopBodyInFirstLoopActionEverywhere: tests, flow_category and branch
// duplication see a body kept in firstLoopAction.
func TestLoopBodyInFirstLoopActionEverywhere(t *testing.T) {
	t.Parallel()
	c, id := modeClient(t, ImportLenient, ResponseDeclared)
	call := map[string]any{"name": "call", "type": "PIECE", "displayName": "Call", "settings": map[string]any{
		"pieceName": digaPieceName, "pieceVersion": "0.1.3", "actionName": "make_call", "input": map[string]any{}}}
	router := map[string]any{"name": "router", "type": "ROUTER", "displayName": "R",
		"settings": map[string]any{"branches": []any{map[string]any{"branchName": "A", "branchType": "FALLBACK"}}},
		"children": []any{loopStep("loop", map[string]any{keyFirstLoopAction: call}, nil)}}
	got := c.importFlow(id, importBody(enginePieceTrigger(router)))
	if got["flow_category"] != categoryCallLauncher {
		t.Fatal(got["flow_category"])
	}
	run := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/test", nil), 200)
	if _, ok := obj(run["steps"])["call"]; !ok {
		t.Fatalf("the loop body did not run: %v", run["steps"])
	}
	expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/steps/call/test", nil), 200)
	expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch/duplicate", map[string]any{"stepName": "router", "branchIndex": 0}), 200)
	snap, _ := c.srv.Flow(keyA, id)
	if names := strings.Join(stepNames(snap.Trigger), " "); names != "trigger router loop call step_1 step_2" {
		t.Fatal(names)
	}
	// Moving the loop into its own body is refused.
	expectEnvelope(t, c.do("POST", "/v1/workflow/"+id+"/action/move", map[string]any{"name": "loop", "newParentStep": "call"}),
		400, codeInvalidStepLocation, "")
}

func TestModeNamesAndEnv(t *testing.T) {
	t.Parallel()
	for i, n := range ImportModeNames() {
		if m, err := ParseImportMode(strings.ToUpper(n)); err != nil || m != ImportMode(i) || m.String() != n {
			t.Errorf("%s: %v %v", n, m, err)
		}
	}
	for i, n := range ResponseModeNames() {
		if m, err := ParseResponseMode(" " + n); err != nil || m != ResponseMode(i) || m.String() != n {
			t.Errorf("%s: %v %v", n, m, err)
		}
	}
	if _, err := ParseImportMode("strict"); err == nil || !strings.Contains(err.Error(), "lenient, engine") {
		t.Error(err)
	}
	if ImportMode(7).String() != "ImportMode(7)" || ResponseMode(-1).String() != "ResponseMode(-1)" {
		t.Error("String of unknown modes")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("WithResponseMode(9) did not panic")
			}
		}()
		WithResponseMode(9)
	}()

	modes := func(env map[string]string) (ImportMode, ResponseMode, error) {
		opts, err := ModeOptionsFromEnv(func(k string) string { return env[k] })
		s := New(opts...)
		return s.importMode, s.responseMode, err
	}
	cases := []struct {
		env    map[string]string
		im     ImportMode
		rm     ResponseMode
		errSub string
	}{
		{nil, ImportLenient, ResponseDeclared, ""},
		{map[string]string{EnvStrict: "1"}, ImportEngine, ResponseDeclaredNoLoopBodies, ""},
		{map[string]string{EnvStrict: "true", EnvResponseMode: "declared"}, ImportEngine, ResponseDeclared, ""},
		{map[string]string{EnvStrict: "0", EnvImportMode: "engine"}, ImportEngine, ResponseDeclared, ""},
		{map[string]string{EnvResponseMode: "full"}, ImportLenient, ResponseFull, ""},
		{map[string]string{EnvStrict: "yes"}, 0, 0, EnvStrict},
		{map[string]string{EnvImportMode: "strict"}, 0, 0, EnvImportMode},
		{map[string]string{EnvResponseMode: "loose"}, 0, 0, EnvResponseMode},
	}
	for _, tc := range cases {
		im, rm, err := modes(tc.env)
		if tc.errSub != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errSub) {
				t.Errorf("%v: err %v", tc.env, err)
			}
			continue
		}
		if err != nil || im != tc.im || rm != tc.rm {
			t.Errorf("%v: %v %v %v", tc.env, im, rm, err)
		}
	}
	// Explicit options after the environment's win.
	opts, _ := ModeOptionsFromEnv(func(k string) string { return map[string]string{EnvStrict: "1"}[k] })
	if s := New(append(opts, WithLenientResponseModel())...); s.responseMode != ResponseFull || s.importMode != ImportEngine {
		t.Error("explicit option lost")
	}
}
