package emulator

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// slackImport is an import body with a non-Diga webhook trigger and one step.
func slackImport(name string) map[string]any {
	return map[string]any{
		"displayName": name,
		"trigger": map[string]any{
			"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Catch webhook",
			"settings": map[string]any{
				"pieceName": "@activepieces/piece-webhook", "pieceVersion": "0.1.0", "triggerName": "catch_webhook",
				"input": map[string]any{"authType": "none"},
			},
			"nextAction": map[string]any{
				"name": "step_1", "type": "PIECE", "displayName": "Send message",
				"settings": map[string]any{
					"pieceName": "@activepieces/piece-slack", "pieceVersion": "0.9.0", "actionName": "send_channel_message",
					"input": map[string]any{"text": "hi", "channel": "C1"},
				},
			},
		},
	}
}

func digaTrigger(triggerName string, next any) map[string]any {
	return map[string]any{
		"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Diga",
		"settings":   map[string]any{"pieceName": "@diga/piece-diga", "pieceVersion": "1.0.0", "triggerName": triggerName, "input": map[string]any{}},
		"nextAction": next,
	}
}

func TestImportAddsServerOwnedKeys(t *testing.T) {
	t.Parallel()
	c := newClient(t, WithLenientResponseModel())
	id := str(c.create("x"), "id")
	body := map[string]any{
		"displayName":   "Imported",
		"schemaVersion": "1",
		"trigger": map[string]any{
			"type": "PIECE_TRIGGER", "displayName": "Call finished", "valid": false,
			"settings": map[string]any{"pieceName": "@diga/piece-diga", "triggerName": "call_finished", "input": map[string]any{"n": 1.5}},
			"nextAction": map[string]any{
				"name": "router", "type": "ROUTER", "displayName": "Route", "valid": false,
				"settings": map[string]any{"branches": []any{map[string]any{"branchName": "A"}, map[string]any{"branchName": "Otherwise"}}, "executionType": "EXECUTE_FIRST_MATCH"},
				"children": []any{
					map[string]any{"name": "code", "type": "CODE", "displayName": "Code", "settings": map[string]any{"sourceCode": map[string]any{"code": "x", "packageJson": "{}"}, "input": map[string]any{}}},
					nil,
				},
				"nextAction": map[string]any{"name": "loop", "type": "LOOP_ON_ITEMS", "settings": map[string]any{"items": "{{trigger.messages}}"}, "skip": true},
			},
		},
	}
	got := c.importFlow(id, body)
	if got["name"] != "Imported" || got["flow_category"] != "post_call" {
		t.Fatalf("%v", got)
	}
	trig := obj(got["trigger"])
	want := map[string]any{
		"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Call finished", "valid": true,
		"settings": map[string]any{"pieceName": "@diga/piece-diga", "triggerName": "call_finished", "input": map[string]any{"n": 1.5},
			"propertySettings": map[string]any{}, "sampleData": map[string]any{}},
		"nextAction": map[string]any{
			"name": "router", "type": "ROUTER", "displayName": "Route", "valid": true, "skip": false,
			"settings": map[string]any{"branches": []any{map[string]any{"branchName": "A"}, map[string]any{"branchName": "Otherwise"}}, "executionType": "EXECUTE_FIRST_MATCH",
				"propertySettings": map[string]any{}, "sampleData": map[string]any{}},
			"children": []any{
				map[string]any{"name": "code", "type": "CODE", "displayName": "Code", "valid": true, "skip": false, "nextAction": nil,
					"settings": map[string]any{"sourceCode": map[string]any{"code": "x", "packageJson": "{}"}, "input": map[string]any{}, "propertySettings": map[string]any{}, "sampleData": map[string]any{}}},
				nil,
			},
			"nextAction": map[string]any{"name": "loop", "type": "LOOP_ON_ITEMS", "valid": true, "skip": true, "nextAction": nil,
				"settings": map[string]any{"items": "{{trigger.messages}}", "propertySettings": map[string]any{}, "sampleData": map[string]any{}}},
		},
	}
	if !reflect.DeepEqual(trig, want) {
		g, _ := json.MarshalIndent(trig, "", " ")
		t.Fatalf("trigger =\n%s", g)
	}
	// Keys come back sorted, not in the order sent.
	rec := c.do("GET", "/v1/workflow/"+id, nil)
	mustContain(t, rec.Body.String(), `"trigger":{"displayName":"Call finished","name":"trigger","nextAction":{`)
	// The snapshot matches the API view.
	snap, _ := c.srv.Flow(keyA, id)
	if !reflect.DeepEqual(snap.Trigger, want) || snap.Category != "post_call" || snap.Name != "Imported" {
		t.Fatalf("snapshot %+v", snap)
	}
}

func TestImportKeepsNumbersExactly(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	raw := `{"displayName":"n","trigger":{"type":"PIECE_TRIGGER","settings":{"pieceName":"p","triggerName":"t","input":{"big":12345678901234567890,"f":1.0}}}}`
	rec := c.do("POST", "/v1/workflow/"+id+"/import", raw)
	expectJSON(t, rec, 200)
	mustContain(t, rec.Body.String(), `"input":{"big":12345678901234567890,"f":1.0}`)
}

func TestImportValidation(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	path := "/v1/workflow/" + id + "/import"
	cases := map[string]struct {
		body any
		want string
	}{
		"missing fields": {map[string]any{}, `[
			{"type":"missing","loc":["body","displayName"],"msg":"Field required","input":{}},
			{"type":"missing","loc":["body","trigger"],"msg":"Field required","input":{}}]`},
		"trigger not object": {map[string]any{"displayName": "x", "trigger": []any{}, "schemaVersion": 1}, `[
			{"type":"dict_type","loc":["body","trigger"],"msg":"Input should be a valid dictionary","input":[]},
			{"type":"string_type","loc":["body","schemaVersion"],"msg":"Input should be a valid string","input":1}]`},
		"bad trigger type": {map[string]any{"displayName": "x", "trigger": map[string]any{"type": "WEBHOOK"}}, `[
			{"type":"enum","loc":["body","trigger","type"],"msg":"Input should be 'EMPTY' or 'PIECE_TRIGGER'","input":"WEBHOOK","ctx":{"expected":"'EMPTY' or 'PIECE_TRIGGER'"}}]`},
		"missing trigger type": {map[string]any{"displayName": "x", "trigger": map[string]any{}}, `[
			{"type":"missing","loc":["body","trigger","type"],"msg":"Field required","input":{}}]`},
		"bad nested step type": {map[string]any{"displayName": "x", "trigger": map[string]any{
			"type": "EMPTY",
			"nextAction": map[string]any{"name": "r", "type": "ROUTER", "children": []any{
				map[string]any{"name": "a", "type": "BRANCH"},
			}},
		}}, `[
			{"type":"enum","loc":["body","trigger","nextAction","children",0,"type"],"msg":"Input should be 'PIECE', 'CODE', 'LOOP_ON_ITEMS' or 'ROUTER'","input":"BRANCH","ctx":{"expected":"'PIECE', 'CODE', 'LOOP_ON_ITEMS' or 'ROUTER'"}}]`},
		"duplicate names and bad types": {map[string]any{"displayName": "x", "trigger": map[string]any{
			"type": "EMPTY",
			"nextAction": map[string]any{"name": "s", "type": "CODE", "skip": "no", "settings": map[string]any{"pieceName": 3},
				"nextAction": map[string]any{"name": "s", "type": "CODE", "children": "x"}},
		}}, `[
			{"type":"bool_type","loc":["body","trigger","nextAction","skip"],"msg":"Input should be a valid boolean","input":"no"},
			{"type":"string_type","loc":["body","trigger","nextAction","settings","pieceName"],"msg":"Input should be a valid string","input":3},
			{"type":"value_error","loc":["body","trigger","nextAction","nextAction","name"],"msg":"Value error, Duplicate step name 's'","input":"s","ctx":{"error":{}}},
			{"type":"list_type","loc":["body","trigger","nextAction","nextAction","children"],"msg":"Input should be a valid list","input":"x"}]`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			expectDetail(t, c.do("POST", path, tc.body), tc.want)
		})
	}
	if snap, _ := c.srv.Flow(keyA, id); snap.Name != "x" || snap.Trigger["type"] != "EMPTY" {
		t.Fatal("failed import changed the flow")
	}
	// An unknown flow is reported before tree problems.
	expectEnvelope(t, c.do("POST", "/v1/workflow/nope/import", map[string]any{"displayName": "x", "trigger": map[string]any{"type": "X"}}), 404, "FLOW_NOT_FOUND", "")
}

func TestCategoryDerivation(t *testing.T) {
	t.Parallel()
	makeCall := map[string]any{"name": "call", "type": "PIECE", "settings": map[string]any{"pieceName": "@diga/piece-diga", "actionName": "make_call"}}
	nestedMakeCall := map[string]any{"name": "r", "type": "ROUTER", "children": []any{nil, map[string]any{
		"name": "loop", "type": "LOOP_ON_ITEMS", "children": []any{makeCall},
	}}}
	webhook := map[string]any{"type": "PIECE_TRIGGER", "settings": map[string]any{"pieceName": "@activepieces/piece-webhook", "triggerName": "catch_webhook"}}
	withNext := func(t map[string]any, next any) map[string]any {
		c := copyTree(t)
		c["nextAction"] = next
		return c
	}
	cases := []struct {
		name    string
		trigger map[string]any
		want    string
		diga    bool
	}{
		{"empty", map[string]any{"type": "EMPTY"}, "empty", false},
		{"call finished", digaTrigger("call_finished", nil), "post_call", true},
		{"function call", digaTrigger("function_call", nil), "during_call", true},
		{"pre call", digaTrigger("pre_call", nil), "pre_call", true},
		{"custom diga build", withNext(map[string]any{"type": "PIECE_TRIGGER", "settings": map[string]any{"pieceName": "@acme/piece-diga", "triggerName": "pre_call"}}, nil), "pre_call", true},
		{"post call keeps category with make_call", digaTrigger("call_finished", makeCall), "post_call", true},
		{"webhook launcher", withNext(webhook, makeCall), "call_launcher", false},
		{"nested launcher", withNext(webhook, nestedMakeCall), "call_launcher", false},
		{"unknown diga trigger with make_call", digaTrigger("something_new", makeCall), "call_launcher", true},
		{"plain webhook", webhook, "empty", false},
	}
	c := newClient(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := str(c.create(tc.name), "id")
			got := c.importFlow(id, map[string]any{"displayName": tc.name, "trigger": tc.trigger})
			if got["flow_category"] != tc.want {
				t.Fatalf("flow_category = %v, want %s", got["flow_category"], tc.want)
			}
			list := expectJSON(t, c.do("GET", "/v1/workflow/?limit=30&flow_category="+tc.want, nil), 200)
			if !strings.Contains(toJSON(list), id) {
				t.Fatal("category filter misses the flow")
			}
			diga := "false"
			if tc.diga {
				diga = "true"
			}
			list = expectJSON(t, c.do("GET", "/v1/workflow/?limit=30&is_diga_trigger="+diga, nil), 200)
			if !strings.Contains(toJSON(list), id) {
				t.Fatal("is_diga_trigger filter misses the flow")
			}
		})
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestTriggerUpdateKeepsChain(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	c.importFlow(id, slackImport("x"))
	got := expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/trigger", map[string]any{
		"type": "PIECE_TRIGGER", "displayName": "Function call",
		"settings": map[string]any{"pieceName": "@diga/piece-diga", "triggerName": "function_call", "input": map[string]any{"description": "d"}},
	}), 200)
	trig := obj(got["trigger"])
	if trig["displayName"] != "Function call" || trig["valid"] != true || trig["name"] != "trigger" || got["flow_category"] != "during_call" {
		t.Fatalf("%v", got)
	}
	if obj(trig["nextAction"])["name"] != "step_1" {
		t.Fatal("nextAction chain lost")
	}
	settings := obj(trig["settings"])
	if _, ok := settings["propertySettings"]; !ok {
		t.Fatal("defaults not added")
	}
	expectDetail(t, c.do("PATCH", "/v1/workflow/"+id+"/trigger", map[string]any{"type": "WEBHOOK"}), `[
		{"type":"enum","loc":["body","type"],"msg":"Input should be 'EMPTY' or 'PIECE_TRIGGER'","input":"WEBHOOK","ctx":{"expected":"'EMPTY' or 'PIECE_TRIGGER'"}},
		{"type":"missing","loc":["body","displayName"],"msg":"Field required","input":{"type":"WEBHOOK"}},
		{"type":"missing","loc":["body","settings"],"msg":"Field required","input":{"type":"WEBHOOK"}}]`)
	expectDetail(t, c.do("PATCH", "/v1/workflow/"+id+"/trigger", map[string]any{"type": "EMPTY", "displayName": "x", "settings": map[string]any{"input": "x"}}), `[
		{"type":"dict_type","loc":["body","settings","input"],"msg":"Input should be a valid dictionary","input":"x"}]`)
	// Back to EMPTY keeps the chain and makes the flow unpublishable.
	got = expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/trigger", map[string]any{"type": "EMPTY", "displayName": "Select Trigger", "settings": map[string]any{}}), 200)
	if obj(obj(got["trigger"])["nextAction"])["name"] != "step_1" || got["flow_category"] != "empty" {
		t.Fatal(got)
	}
	expectEnvelope(t, c.do("POST", "/v1/workflow/"+id+"/publish", nil), 400, "FLOW_NOT_PUBLISHABLE", "")
}

func TestStrictResponseModel(t *testing.T) {
	t.Parallel()
	c := newClient(t, WithStrictResponseModel())
	created := c.do("POST", "/v1/workflow/", map[string]any{"name": "x"})
	mustContain(t, created.Body.String(), `"trigger":{"name":"trigger","type":"EMPTY","valid":false,"displayName":"Select Trigger","settings":{"pieceName":null,"pieceVersion":null,"triggerName":null,"input":null,"propertySettings":null,"sampleData":null},"nextAction":null}`)
	id := str(expectJSON(t, created, 201), "id")
	body := slackImport("x")
	step := obj(obj(body["trigger"])["nextAction"])
	step["type"] = "CODE"
	obj(step["settings"])["sourceCode"] = map[string]any{"code": "x"}
	obj(step["settings"])["errorHandlingOptions"] = map[string]any{}
	rec := c.do("POST", "/v1/workflow/"+id+"/import", body)
	expectJSON(t, rec, 200)
	mustContain(t, rec.Body.String(), `"nextAction":{"name":"step_1","type":"CODE","valid":true,"displayName":"Send message","skip":false,"settings":{"pieceName":"@activepieces/piece-slack","pieceVersion":"0.9.0","actionName":"send_channel_message","triggerName":null,"input":{"channel":"C1","text":"hi"},"propertySettings":{},"sampleData":{},"branches":null,"executionType":null},"children":null,"nextAction":null}`)
	if strings.Contains(rec.Body.String(), "sourceCode") {
		t.Fatal("undeclared key kept")
	}
	// The stored tree still has it.
	snap, _ := c.srv.Flow(keyA, id)
	if _, ok := obj(obj(snap.Trigger["nextAction"])["settings"])["sourceCode"]; !ok {
		t.Fatal("stored tree lost sourceCode")
	}
}
