package emulator

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// tickingClock returns a clock that advances one second per reading, so
// every write gets a distinct updated timestamp.
func tickingClock() Option {
	var mu sync.Mutex
	tick := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return WithClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		tick = tick.Add(time.Second)
		return tick
	})
}

func pieceStep(name string, next any) map[string]any {
	return map[string]any{
		"name": name, "type": "PIECE", "displayName": "Piece " + name,
		"settings":   map[string]any{"pieceName": "@activepieces/piece-slack", "actionName": "send_channel_message", "input": map[string]any{"text": name}},
		"nextAction": next,
	}
}

// editFixture is an import body for the tree
//
//	trigger > step_1 > loop[body_1 > body_2] > router[a_1 > a_2 | -] > last
//
// (router branches "A" and "Otherwise").
func editFixture() map[string]any {
	last := map[string]any{"name": "last", "type": "CODE", "displayName": "Last", "settings": map[string]any{"sourceCode": map[string]any{"code": "x"}}}
	router := map[string]any{
		"name": "router", "type": "ROUTER", "displayName": "Route",
		"settings": map[string]any{"executionType": "EXECUTE_FIRST_MATCH", "branches": []any{
			map[string]any{"branchName": "A", "branchType": "CONDITION", "conditions": []any{[]any{map[string]any{"firstValue": "{{step_1.ok}}", "operator": "BOOLEAN_IS_TRUE"}}}},
			map[string]any{"branchName": "Otherwise", "branchType": "FALLBACK"},
		}},
		"children":   []any{pieceStep("a_1", pieceStep("a_2", nil)), nil},
		"nextAction": last,
	}
	loop := map[string]any{
		"name": "loop", "type": "LOOP_ON_ITEMS", "displayName": "Loop",
		"settings":   map[string]any{"items": "{{trigger.items}}"},
		"children":   []any{pieceStep("body_1", pieceStep("body_2", nil))},
		"nextAction": router,
	}
	return map[string]any{
		"displayName": "Editable",
		"trigger": map[string]any{
			"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Webhook",
			"settings":   map[string]any{"pieceName": "@activepieces/piece-webhook", "triggerName": "catch_webhook"},
			"nextAction": pieceStep("step_1", loop),
		},
	}
}

const fixtureOutline = "trigger > step_1 > loop[body_1 > body_2] > router[a_1 > a_2 | -] > last"

// outline renders a tree's shape: name, then [children separated by |] (a
// null child is -), then > nextAction.
func outline(node any) string {
	m, ok := node.(map[string]any)
	if !ok {
		return "-"
	}
	s := str(m, "name")
	if kids, ok := m["children"].([]any); ok {
		parts := make([]string, len(kids))
		for i, k := range kids {
			parts[i] = outline(k)
		}
		s += "[" + strings.Join(parts, " | ") + "]"
	}
	if next, ok := m["nextAction"].(map[string]any); ok {
		s += " > " + outline(next)
	}
	return s
}

// node finds a step (or the trigger) of a decoded tree by name.
func node(tree map[string]any, name string) map[string]any {
	if r, ok := findStep(tree, name); ok {
		return r.node
	}
	return nil
}

// editClient creates a flow holding editFixture and returns its id and the
// flow as imported.
func editClient(t *testing.T, opts ...Option) (*apiClient, string, map[string]any) {
	t.Helper()
	c := newClient(t, append([]Option{tickingClock()}, opts...)...)
	id := str(c.create("x"), "id")
	f := c.importFlow(id, editFixture())
	if got := outline(f["trigger"]); got != fixtureOutline {
		t.Fatalf("fixture outline %s", got)
	}
	return c, id, f
}

// expectUnchanged checks a failed request left the draft (and updated) alone.
func expectUnchanged(t *testing.T, c *apiClient, id string, before map[string]any) {
	t.Helper()
	got := expectJSON(t, c.do("GET", "/v1/workflow/"+id, nil), 200)
	if !reflect.DeepEqual(got["trigger"], before["trigger"]) || got["updated"] != before["updated"] {
		t.Fatalf("flow changed by a failed request: %s", outline(got["trigger"]))
	}
}

func addBody(parent, location string, branchIndex any, action map[string]any) map[string]any {
	b := map[string]any{"parentStep": parent, "action": action}
	if location != "" {
		b["stepLocationRelativeToParent"] = location
	}
	if branchIndex != nil {
		b["branchIndex"] = branchIndex
	}
	return b
}

func newAction(name string) map[string]any {
	return map[string]any{"name": name, "type": "CODE", "displayName": "New " + name,
		"settings": map[string]any{"sourceCode": map[string]any{"code": "y"}, "input": map[string]any{}}}
}

func TestAddAction(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body map[string]any
		want string
	}{
		{"after trigger (default location)", addBody("trigger", "", nil, newAction("n")),
			"trigger > n > step_1 > loop[body_1 > body_2] > router[a_1 > a_2 | -] > last"},
		{"after a middle step", addBody("step_1", "AFTER", nil, newAction("n")),
			"trigger > step_1 > n > loop[body_1 > body_2] > router[a_1 > a_2 | -] > last"},
		{"after the last step", addBody("last", "AFTER", nil, newAction("n")),
			"trigger > step_1 > loop[body_1 > body_2] > router[a_1 > a_2 | -] > last > n"},
		{"after a loop (not inside)", addBody("loop", "AFTER", 0, newAction("n")),
			"trigger > step_1 > loop[body_1 > body_2] > n > router[a_1 > a_2 | -] > last"},
		{"after a router keeps its branches", addBody("router", "AFTER", nil, newAction("n")),
			"trigger > step_1 > loop[body_1 > body_2] > router[a_1 > a_2 | -] > n > last"},
		{"after a step inside a branch", addBody("a_1", "AFTER", nil, newAction("n")),
			"trigger > step_1 > loop[body_1 > body_2] > router[a_1 > n > a_2 | -] > last"},
		{"null location means AFTER", map[string]any{"parentStep": "body_2", "action": newAction("n"), "stepLocationRelativeToParent": nil, "branchIndex": nil},
			"trigger > step_1 > loop[body_1 > body_2 > n] > router[a_1 > a_2 | -] > last"},
		{"inside a loop pushes the old body down", addBody("loop", "INSIDE_LOOP", nil, newAction("n")),
			"trigger > step_1 > loop[n > body_1 > body_2] > router[a_1 > a_2 | -] > last"},
		{"inside a branch pushes the old head down", addBody("router", "INSIDE_BRANCH", 0, newAction("n")),
			"trigger > step_1 > loop[body_1 > body_2] > router[n > a_1 > a_2 | -] > last"},
		{"inside an empty branch", addBody("router", "INSIDE_BRANCH", "1", newAction("n")),
			"trigger > step_1 > loop[body_1 > body_2] > router[a_1 > a_2 | n] > last"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, id, before := editClient(t)
			got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", tc.body), 200)
			if o := outline(got["trigger"]); o != tc.want {
				t.Fatalf("outline\n got %s\nwant %s", o, tc.want)
			}
			if got["updated"] == before["updated"] || got["created"] != before["created"] || got["name"] != "Editable" {
				t.Fatalf("bookkeeping: %v", got)
			}
			snap, _ := c.srv.Flow(keyA, id)
			if outline(snap.Trigger) != tc.want || snap.Published {
				t.Fatal("snapshot differs from the answer")
			}
		})
	}

	t.Run("stored form", func(t *testing.T) {
		t.Parallel()
		c, id, _ := editClient(t, WithLenientResponseModel())
		action := newAction("n")
		action["skip"] = true                                // not in ActionDefinition: ignored
		action["children"] = []any{pieceStep("ghost", nil)}  // idem
		action["nextAction"] = pieceStep("ghost2", nil)      // idem
		obj(action["settings"])["propertySettings"] = nil    // null → {}
		obj(action["settings"])["custom"] = map[string]any{} // kept
		rec := c.do("POST", "/v1/workflow/"+id+"/action", addBody("step_1", "", nil, action))
		got := expectJSON(t, rec, 200)
		want := map[string]any{
			"name": "n", "type": "CODE", "displayName": "New n", "valid": true, "skip": false,
			"settings": map[string]any{"sourceCode": map[string]any{"code": "y"}, "input": map[string]any{}, "custom": map[string]any{},
				"propertySettings": map[string]any{}, "sampleData": map[string]any{}},
		}
		n := copyTree(node(obj(got["trigger"]), "n"))
		if outline(n) != "n > loop[body_1 > body_2] > router[a_1 > a_2 | -] > last" {
			t.Fatal(outline(n))
		}
		delete(n, "nextAction")
		if !reflect.DeepEqual(n, want) {
			t.Fatalf("stored step %v", n)
		}
		// Keys come back sorted, like every other tree answer.
		mustContain(t, rec.Body.String(), `"nextAction":{"displayName":"New n","name":"n","nextAction":{"children":[{"displayName":"Piece body_1",`)
	})

	t.Run("router gets one empty child per branch", func(t *testing.T) {
		t.Parallel()
		c, id, _ := editClient(t)
		got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", addBody("last", "", nil, map[string]any{
			"name": "r2", "type": "ROUTER", "displayName": "R2",
			"settings": map[string]any{"branches": []any{map[string]any{"branchName": "X"}, map[string]any{"branchName": "Y"}, map[string]any{"branchName": "Z"}}},
		})), 200)
		r2 := node(obj(got["trigger"]), "r2")
		if outline(r2) != "r2[- | - | -]" || r2["valid"] != true {
			t.Fatalf("%s %v", outline(r2), r2)
		}
		// And a loop starts without a body; INSIDE_LOOP creates it.
		expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", addBody("r2", "", nil, map[string]any{
			"name": "l2", "type": "LOOP_ON_ITEMS", "displayName": "L2", "settings": map[string]any{},
		})), 200)
		got = expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", addBody("l2", "INSIDE_LOOP", nil, newAction("in_l2"))), 200)
		l2 := node(obj(got["trigger"]), "l2")
		if outline(l2) != "l2[in_l2]" || l2["valid"] != false {
			t.Fatalf("%s %v", outline(l2), l2)
		}
	})

	t.Run("category recomputed", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		if before["flow_category"] != "empty" {
			t.Fatal(before["flow_category"])
		}
		got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", addBody("router", "INSIDE_BRANCH", 1, map[string]any{
			"name": "call", "type": "PIECE", "displayName": "Call",
			"settings": map[string]any{"pieceName": "@diga/piece-diga", "actionName": "make_call"},
		})), 200)
		if got["flow_category"] != "call_launcher" {
			t.Fatal(got["flow_category"])
		}
	})

	t.Run("parent may be a renamed trigger", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		id := str(c.create("x"), "id")
		body := editFixture()
		obj(body["trigger"])["name"] = "start"
		c.importFlow(id, body)
		got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", addBody("start", "", nil, newAction("n"))), 200)
		if !strings.HasPrefix(outline(got["trigger"]), "start > n > step_1") {
			t.Fatal(outline(got["trigger"]))
		}
		// A fresh flow's EMPTY trigger takes steps too.
		id2 := str(c.create("y"), "id")
		got = expectJSON(t, c.do("POST", "/v1/workflow/"+id2+"/action", addBody("trigger", "", nil, newAction("n"))), 200)
		if outline(got["trigger"]) != "trigger > n" || obj(got["trigger"])["valid"] != false {
			t.Fatal(got["trigger"])
		}
	})
}

func TestAddActionErrors(t *testing.T) {
	t.Parallel()
	c, id, before := editClient(t)
	path := "/v1/workflow/" + id + "/action"

	t.Run("validation", func(t *testing.T) {
		cases := map[string]struct {
			body any
			want string
		}{
			"no body": {nil, `[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]`},
			"missing fields": {map[string]any{}, `[
				{"type":"missing","loc":["body","parentStep"],"msg":"Field required","input":{}},
				{"type":"missing","loc":["body","action"],"msg":"Field required","input":{}}]`},
			"empty action": {map[string]any{"parentStep": "trigger", "action": map[string]any{}}, `[
				{"type":"missing","loc":["body","action","name"],"msg":"Field required","input":{}},
				{"type":"missing","loc":["body","action","type"],"msg":"Field required","input":{}},
				{"type":"missing","loc":["body","action","displayName"],"msg":"Field required","input":{}},
				{"type":"missing","loc":["body","action","settings"],"msg":"Field required","input":{}}]`},
			"action null": {map[string]any{"parentStep": 1, "action": nil}, `[
				{"type":"string_type","loc":["body","parentStep"],"msg":"Input should be a valid string","input":1},
				{"type":"model_attributes_type","loc":["body","action"],"msg":"Input should be a valid dictionary or object to extract fields from","input":null}]`},
			"bad types": {map[string]any{"parentStep": "trigger",
				"action":                       map[string]any{"name": "n", "type": "BRANCH", "displayName": nil, "settings": "s"},
				"stepLocationRelativeToParent": "BEFORE", "branchIndex": "x"}, `[
				{"type":"enum","loc":["body","action","type"],"msg":"Input should be 'PIECE', 'CODE', 'LOOP_ON_ITEMS' or 'ROUTER'","input":"BRANCH","ctx":{"expected":"'PIECE', 'CODE', 'LOOP_ON_ITEMS' or 'ROUTER'"}},
				{"type":"string_type","loc":["body","action","displayName"],"msg":"Input should be a valid string","input":null},
				{"type":"dict_type","loc":["body","action","settings"],"msg":"Input should be a valid dictionary","input":"s"},
				{"type":"enum","loc":["body","stepLocationRelativeToParent"],"msg":"Input should be 'AFTER', 'INSIDE_LOOP' or 'INSIDE_BRANCH'","input":"BEFORE","ctx":{"expected":"'AFTER', 'INSIDE_LOOP' or 'INSIDE_BRANCH'"}},
				{"type":"int_parsing","loc":["body","branchIndex"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"}]`},
			"fractional index": {addBody("router", "INSIDE_BRANCH", 1.5, newAction("n")), `[
				{"type":"int_from_float","loc":["body","branchIndex"],"msg":"Input should be a valid integer, got a number with a fractional part","input":1.5}]`},
			"list index": {addBody("router", "INSIDE_BRANCH", []any{}, newAction("n")), `[
				{"type":"int_type","loc":["body","branchIndex"],"msg":"Input should be a valid integer","input":[]}]`},
			"not an object": {`[1]`, `[
				{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1]}]`},
			// Checked after the lookup, like an import's tree.
			"empty name and bad settings": {addBody("trigger", "", nil, map[string]any{"name": "", "type": "PIECE", "displayName": "d",
				"settings": map[string]any{"input": "x", "actionName": 1}}), `[
				{"type":"string_too_short","loc":["body","action","name"],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}},
				{"type":"string_type","loc":["body","action","settings","actionName"],"msg":"Input should be a valid string","input":1},
				{"type":"dict_type","loc":["body","action","settings","input"],"msg":"Input should be a valid dictionary","input":"x"}]`},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				expectDetail(t, c.do("POST", path, tc.body), tc.want)
			})
		}
	})

	t.Run("engine errors", func(t *testing.T) {
		cases := []struct {
			name, code, msg string
			body            map[string]any
		}{
			{"unknown parent", "STEP_NOT_FOUND", "Step nope not found", addBody("nope", "", nil, newAction("n"))},
			{"duplicate name", "DUPLICATE_STEP_NAME", "A step named a_2 already exists in the flow", addBody("trigger", "", nil, newAction("a_2"))},
			{"trigger's name", "DUPLICATE_STEP_NAME", "", addBody("last", "", nil, newAction("trigger"))},
			{"unknown parent before duplicate", "STEP_NOT_FOUND", "", addBody("nope", "", nil, newAction("a_2"))},
			{"INSIDE_LOOP on a piece", "INVALID_STEP_LOCATION", "INSIDE_LOOP needs a LOOP_ON_ITEMS parent; step step_1 (PIECE) is not a loop", addBody("step_1", "INSIDE_LOOP", nil, newAction("n"))},
			{"INSIDE_LOOP on the trigger", "INVALID_STEP_LOCATION", "INSIDE_LOOP needs a LOOP_ON_ITEMS parent; the trigger trigger is not a loop", addBody("trigger", "INSIDE_LOOP", nil, newAction("n"))},
			{"INSIDE_LOOP on a router", "INVALID_STEP_LOCATION", "", addBody("router", "INSIDE_LOOP", nil, newAction("n"))},
			{"INSIDE_BRANCH on a loop", "INVALID_STEP_LOCATION", "INSIDE_BRANCH needs a ROUTER parent; step loop (LOOP_ON_ITEMS) is not a router", addBody("loop", "INSIDE_BRANCH", 0, newAction("n"))},
			{"INSIDE_BRANCH without index", "INVALID_BRANCH_INDEX", "branchIndex is required with INSIDE_BRANCH", addBody("router", "INSIDE_BRANCH", nil, newAction("n"))},
			{"index past the end", "INVALID_BRANCH_INDEX", "branchIndex 2 is out of range for router router (2 branches; valid: 0 to 1)", addBody("router", "INSIDE_BRANCH", 2, newAction("n"))},
			{"negative index", "INVALID_BRANCH_INDEX", "", addBody("router", "INSIDE_BRANCH", -1, newAction("n"))},
			{"huge index", "INVALID_BRANCH_INDEX", "branchIndex 99999999999999999999999 is out of range for router router (2 branches; valid: 0 to 1)",
				addBody("router", "INSIDE_BRANCH", json.Number("99999999999999999999999"), newAction("n"))},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				expectEnvelope(t, c.do("POST", path, tc.body), http.StatusBadRequest, tc.code, tc.msg)
			})
		}
		expectUnchanged(t, c, id, before)
	})

	t.Run("order", func(t *testing.T) {
		// 401 before anything, 422 before the lookup, 404 before tree checks.
		expectEnvelope(t, c.as("bad").do("POST", path, map[string]any{}), 401, "INVALID_API_KEY", "")
		expectDetail(t, c.do("POST", "/v1/workflow/nope/action", map[string]any{"parentStep": "trigger"}),
			`[{"type":"missing","loc":["body","action"],"msg":"Field required","input":{"parentStep":"trigger"}}]`)
		bad := newAction("")
		expectEnvelope(t, c.do("POST", "/v1/workflow/nope/action", addBody("nope", "", nil, bad)), 404, "FLOW_NOT_FOUND", "Flow nope not found")
		expectEnvelope(t, c.as(keyB).do("POST", path, addBody("trigger", "", nil, newAction("n"))), 404, "FLOW_NOT_FOUND", "")
		expectUnchanged(t, c, id, before)
	})
}

func TestUpdateAction(t *testing.T) {
	t.Parallel()
	t.Run("replaces type, displayName and settings only", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t, WithLenientResponseModel())
		// Give the loop a custom key and skip=true, which the update keeps.
		c.srv.EditFlow(keyA, id, func(tree map[string]any) {
			node(tree, "loop")["skip"] = true
			node(tree, "loop")["errorHandlingOptions"] = map[string]any{"continueOnFailure": map[string]any{"value": true}}
		})
		got := expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/action", map[string]any{
			"name": "loop", "type": "LOOP_ON_ITEMS", "displayName": "Renamed loop", "settings": map[string]any{"items": "{{step_1.rows}}"},
			"children": []any{}, "nextAction": nil, // not in UpdateActionRequest: ignored
		}), 200)
		if outline(got["trigger"]) != fixtureOutline || got["updated"] == before["updated"] {
			t.Fatal(outline(got["trigger"]))
		}
		loop := node(obj(got["trigger"]), "loop")
		if loop["displayName"] != "Renamed loop" || loop["skip"] != true || loop["valid"] != true || loop["errorHandlingOptions"] == nil ||
			!reflect.DeepEqual(loop["settings"], map[string]any{"items": "{{step_1.rows}}", "propertySettings": map[string]any{}, "sampleData": map[string]any{}}) {
			t.Fatalf("%v", loop)
		}
	})

	t.Run("type change and validity", func(t *testing.T) {
		t.Parallel()
		c, id, _ := editClient(t)
		got := expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/action", map[string]any{
			"name": "step_1", "type": "PIECE", "displayName": "Call",
			"settings": map[string]any{"pieceName": "@diga/piece-diga", "actionName": "make_call", "input": map[string]any{"to": "+34"}},
		}), 200)
		if got["flow_category"] != "call_launcher" || outline(got["trigger"]) != fixtureOutline {
			t.Fatal(got["flow_category"], outline(got["trigger"]))
		}
		got = expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/action", map[string]any{
			"name": "a_2", "type": "ROUTER", "displayName": "Now a router",
			"settings": map[string]any{"branches": []any{map[string]any{"branchName": "only"}}},
		}), 200)
		if o := outline(got["trigger"]); o != "trigger > step_1 > loop[body_1 > body_2] > router[a_1 > a_2[-] | -] > last" {
			t.Fatal(o)
		}
		got = expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/action", map[string]any{
			"name": "body_1", "type": "PIECE", "displayName": "Incomplete", "settings": map[string]any{},
		}), 200)
		if node(obj(got["trigger"]), "body_1")["valid"] != false {
			t.Fatal("valid not recomputed")
		}
	})

	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		path := "/v1/workflow/" + id + "/action"
		expectDetail(t, c.do("PATCH", path, map[string]any{"name": "loop"}), `[
			{"type":"missing","loc":["body","type"],"msg":"Field required","input":{"name":"loop"}},
			{"type":"missing","loc":["body","displayName"],"msg":"Field required","input":{"name":"loop"}},
			{"type":"missing","loc":["body","settings"],"msg":"Field required","input":{"name":"loop"}}]`)
		expectDetail(t, c.do("PATCH", path, map[string]any{"name": "loop", "type": "CODE", "displayName": "d", "settings": map[string]any{"sampleData": []any{}}}), `[
			{"type":"dict_type","loc":["body","settings","sampleData"],"msg":"Input should be a valid dictionary","input":[]}]`)
		upd := func(name string) map[string]any {
			return map[string]any{"name": name, "type": "CODE", "displayName": "d", "settings": map[string]any{}}
		}
		expectEnvelope(t, c.do("PATCH", path, upd("nope")), 400, "STEP_NOT_FOUND", "Step nope not found")
		expectEnvelope(t, c.do("PATCH", path, upd("trigger")), 400, "STEP_NOT_FOUND", "Step trigger is the flow's trigger, not an action")
		expectEnvelope(t, c.do("PATCH", "/v1/workflow/nope/action", upd("loop")), 404, "FLOW_NOT_FOUND", "")
		expectUnchanged(t, c, id, before)
	})
}

func TestDeleteAction(t *testing.T) {
	t.Parallel()
	cases := []struct{ step, want string }{
		{"step_1", "trigger > loop[body_1 > body_2] > router[a_1 > a_2 | -] > last"},
		{"loop", "trigger > step_1 > router[a_1 > a_2 | -] > last"},
		{"router", "trigger > step_1 > loop[body_1 > body_2] > last"},
		{"last", "trigger > step_1 > loop[body_1 > body_2] > router[a_1 > a_2 | -]"},
		{"body_1", "trigger > step_1 > loop[body_2] > router[a_1 > a_2 | -] > last"},
		{"body_2", "trigger > step_1 > loop[body_1] > router[a_1 > a_2 | -] > last"},
		{"a_1", "trigger > step_1 > loop[body_1 > body_2] > router[a_2 | -] > last"},
		{"a_2", "trigger > step_1 > loop[body_1 > body_2] > router[a_1 | -] > last"},
	}
	for _, tc := range cases {
		t.Run(tc.step, func(t *testing.T) {
			t.Parallel()
			c, id, before := editClient(t)
			got := expectJSON(t, c.do("DELETE", "/v1/workflow/"+id+"/action/"+tc.step, nil), 200)
			if o := outline(got["trigger"]); o != tc.want {
				t.Fatalf("outline\n got %s\nwant %s", o, tc.want)
			}
			if got["updated"] == before["updated"] {
				t.Fatal("updated not bumped")
			}
		})
	}
	t.Run("emptied branch and loop", func(t *testing.T) {
		t.Parallel()
		c, id, _ := editClient(t)
		for _, s := range []string{"a_1", "a_2", "body_2", "body_1"} {
			expectJSON(t, c.do("DELETE", "/v1/workflow/"+id+"/action/"+s, nil), 200)
		}
		got := expectJSON(t, c.do("GET", "/v1/workflow/"+id, nil), 200)
		if o := outline(got["trigger"]); o != "trigger > step_1 > loop[-] > router[- | -] > last" {
			t.Fatal(o)
		}
		// Deleted names (children of a deleted router included) are free again.
		expectJSON(t, c.do("DELETE", "/v1/workflow/"+id+"/action/router", nil), 200)
		expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", addBody("trigger", "", nil, newAction("a_1"))), 200)
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		expectEnvelope(t, c.do("DELETE", "/v1/workflow/"+id+"/action/nope", nil), 400, "STEP_NOT_FOUND", "Step nope not found")
		expectEnvelope(t, c.do("DELETE", "/v1/workflow/"+id+"/action/trigger", nil), 400, "STEP_NOT_FOUND", "Step trigger is the flow's trigger, not an action")
		expectEnvelope(t, c.do("DELETE", "/v1/workflow/nope/action/loop", nil), 404, "FLOW_NOT_FOUND", "Flow nope not found")
		expectEnvelope(t, c.as("").do("DELETE", "/v1/workflow/"+id+"/action/loop", nil), 401, "INVALID_API_KEY", "")
		// DELETE …/action/move is "delete the step named move" (route order).
		expectEnvelope(t, c.do("DELETE", "/v1/workflow/"+id+"/action/move", nil), 400, "STEP_NOT_FOUND", "Step move not found")
		expectUnchanged(t, c, id, before)
	})
}

func moveBody(name, parent, location string, branchIndex any) map[string]any {
	b := map[string]any{"name": name, "newParentStep": parent}
	if location != "" {
		b["stepLocationRelativeToParent"] = location
	}
	if branchIndex != nil {
		b["branchIndex"] = branchIndex
	}
	return b
}

func TestMoveAction(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body map[string]any
		want string
	}{
		{"after a later step", moveBody("step_1", "last", "", nil),
			"trigger > loop[body_1 > body_2] > router[a_1 > a_2 | -] > last > step_1"},
		{"after the trigger", moveBody("last", "trigger", "AFTER", nil),
			"trigger > last > step_1 > loop[body_1 > body_2] > router[a_1 > a_2 | -]"},
		{"to where it is", moveBody("loop", "step_1", "AFTER", nil), fixtureOutline},
		{"after its own next step", moveBody("step_1", "loop", "", nil),
			"trigger > loop[body_1 > body_2] > step_1 > router[a_1 > a_2 | -] > last"},
		{"into a loop", moveBody("last", "loop", "INSIDE_LOOP", nil),
			"trigger > step_1 > loop[last > body_1 > body_2] > router[a_1 > a_2 | -]"},
		{"into an empty branch", moveBody("step_1", "router", "INSIDE_BRANCH", 1),
			"trigger > loop[body_1 > body_2] > router[a_1 > a_2 | step_1] > last"},
		{"out of a branch", moveBody("a_1", "trigger", "", nil),
			"trigger > a_1 > step_1 > loop[body_1 > body_2] > router[a_2 | -] > last"},
		{"a loop with its body", moveBody("loop", "a_2", "", nil),
			"trigger > step_1 > router[a_1 > a_2 > loop[body_1 > body_2] | -] > last"},
		{"a router with its branches", moveBody("router", "body_1", "AFTER", nil),
			"trigger > step_1 > loop[body_1 > router[a_1 > a_2 | -] > body_2] > last"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, id, before := editClient(t)
			got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action/move", tc.body), 200)
			if o := outline(got["trigger"]); o != tc.want {
				t.Fatalf("outline\n got %s\nwant %s", o, tc.want)
			}
			if got["updated"] == before["updated"] {
				t.Fatal("updated not bumped")
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		path := "/v1/workflow/" + id + "/action/move"
		expectDetail(t, c.do("POST", path, map[string]any{}), `[
			{"type":"missing","loc":["body","name"],"msg":"Field required","input":{}},
			{"type":"missing","loc":["body","newParentStep"],"msg":"Field required","input":{}}]`)
		expectDetail(t, c.do("POST", path, moveBody("a", "b", "inside", true)), `[
			{"type":"enum","loc":["body","stepLocationRelativeToParent"],"msg":"Input should be 'AFTER', 'INSIDE_LOOP' or 'INSIDE_BRANCH'","input":"inside","ctx":{"expected":"'AFTER', 'INSIDE_LOOP' or 'INSIDE_BRANCH'"}}]`)
		cases := []struct {
			name, code, msg string
			body            map[string]any
		}{
			{"unknown step", "STEP_NOT_FOUND", "Step nope not found", moveBody("nope", "trigger", "", nil)},
			{"the trigger", "STEP_NOT_FOUND", "Step trigger is the flow's trigger, not an action", moveBody("trigger", "last", "", nil)},
			{"unknown parent", "STEP_NOT_FOUND", "Step nope not found", moveBody("last", "nope", "", nil)},
			{"relative to itself", "INVALID_STEP_LOCATION", "Step loop cannot be moved relative to itself", moveBody("loop", "loop", "INSIDE_LOOP", nil)},
			{"into its own body", "INVALID_STEP_LOCATION", "Step loop cannot be moved inside itself (body_2 is in its children)", moveBody("loop", "body_2", "", nil)},
			{"into its own branch", "INVALID_STEP_LOCATION", "", moveBody("router", "a_1", "", nil)},
			{"INSIDE_LOOP on a piece", "INVALID_STEP_LOCATION", "", moveBody("last", "step_1", "INSIDE_LOOP", nil)},
			{"INSIDE_BRANCH on a loop", "INVALID_STEP_LOCATION", "", moveBody("last", "loop", "INSIDE_BRANCH", 0)},
			{"INSIDE_BRANCH without index", "INVALID_BRANCH_INDEX", "", moveBody("last", "router", "INSIDE_BRANCH", nil)},
			{"branch out of range", "INVALID_BRANCH_INDEX", "branchIndex 5 is out of range for router router (2 branches; valid: 0 to 1)", moveBody("last", "router", "INSIDE_BRANCH", 5)},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				expectEnvelope(t, c.do("POST", path, tc.body), http.StatusBadRequest, tc.code, tc.msg)
			})
		}
		expectEnvelope(t, c.do("POST", "/v1/workflow/nope/action/move", moveBody("last", "trigger", "", nil)), 404, "FLOW_NOT_FOUND", "")
		expectUnchanged(t, c, id, before)
	})
}

func TestEditFlow(t *testing.T) {
	t.Parallel()
	c := newClient(t, WithLenientResponseModel(), tickingClock())
	id := str(c.create("x"), "id")
	before, _ := c.srv.Flow(keyA, id)
	if c.srv.EditFlow(keyA, "nope", func(map[string]any) { t.Fatal("edit ran for an unknown flow") }) {
		t.Fatal("unknown flow edited")
	}
	if c.srv.EditFlow(keyB, id, nil) {
		t.Fatal("another project's flow edited")
	}
	ok := c.srv.EditFlow(keyA, id, func(tree map[string]any) {
		// The helper may call back into the server: no lock is held.
		if _, found := c.srv.Flow(keyA, id); !found {
			t.Error("flow not visible during edit")
		}
		tree["type"] = "PIECE_TRIGGER"
		tree["displayName"] = "Call finished"
		tree["settings"] = map[string]any{"pieceName": "@diga/piece-diga", "triggerName": "call_finished"}
		tree["nextAction"] = map[string]any{"name": "ui_step", "type": "CODE", "valid": false,
			"settings": map[string]any{"sourceCode": map[string]any{"code": "x"}, "n": 3, "tags": []string{"a"}}}
	})
	if !ok {
		t.Fatal("EditFlow failed")
	}
	got := expectJSON(t, c.do("GET", "/v1/workflow/"+id, nil), 200)
	trig := obj(got["trigger"])
	step := obj(trig["nextAction"])
	if got["flow_category"] != "post_call" || trig["valid"] != true || step["valid"] != true || step["skip"] != false ||
		obj(trig["settings"])["sampleData"] == nil || obj(step["settings"])["propertySettings"] == nil {
		t.Fatalf("server keys not re-added: %v", got)
	}
	mustContain(t, toJSON(step["settings"]), `"n":3,`)
	mustContain(t, toJSON(step["settings"]), `"tags":["a"]`)
	after, _ := c.srv.Flow(keyA, id)
	if !after.Updated.After(before.Updated) || after.Published || after.Name != "x" {
		t.Fatalf("%+v", after)
	}
	// The copy handed to edit is detached from the stored tree.
	var kept map[string]any
	c.srv.EditFlow(keyA, id, func(tree map[string]any) { kept = tree })
	kept["type"] = "EMPTY"
	if snap, _ := c.srv.Flow(keyA, id); snap.Trigger["type"] != "PIECE_TRIGGER" {
		t.Fatal("edit copy aliases the stored tree")
	}
	// Numbers reach edit as json.Number and survive exactly.
	c.srv.EditFlow(keyA, id, func(tree map[string]any) {
		if n, ok := obj(obj(tree["nextAction"])["settings"])["n"].(json.Number); !ok || n != "3" {
			t.Errorf("number handed to edit as %T %v", n, n)
		}
	})
	defer func() {
		if recover() == nil {
			t.Fatal("unencodable edit did not panic")
		}
	}()
	c.srv.EditFlow(keyA, id, func(tree map[string]any) { tree["bad"] = make(chan int) })
}

func TestSetStatus(t *testing.T) {
	t.Parallel()
	c := newClient(t, tickingClock())
	id := str(c.create("x"), "id")
	before, _ := c.srv.Flow(keyA, id)
	if c.srv.SetStatus(keyA, "nope", "ENABLED") || c.srv.SetStatus(keyB, id, "ENABLED") {
		t.Fatal("unknown flow")
	}
	// Never published, EMPTY trigger: the UI toggle is honored anyway.
	if !c.srv.SetStatus(keyA, id, "ENABLED") {
		t.Fatal("SetStatus failed")
	}
	got := expectJSON(t, c.do("GET", "/v1/workflow/"+id, nil), 200)
	after, _ := c.srv.Flow(keyA, id)
	if got["status"] != "ENABLED" || after.Published || !after.Updated.After(before.Updated) {
		t.Fatalf("%v %+v", got, after)
	}
	c.srv.SetStatus(keyA, id, "DISABLED")
	if f, _ := c.srv.Flow(keyA, id); f.Status != "DISABLED" {
		t.Fatal(f.Status)
	}
	if n := c.srv.WriteCount(keyA); n != 1 {
		t.Fatalf("out-of-band helpers counted as writes: %d", n)
	}
}
