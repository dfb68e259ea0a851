package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// branchNames lists a router's settings.branches[].branchName.
func branchNames(router map[string]any) []any {
	var out []any
	for _, b := range routerBranches(router) {
		out = append(out, obj(b)["branchName"])
	}
	return out
}

func routerOf(t *testing.T, flow map[string]any) map[string]any {
	t.Helper()
	r := node(obj(flow["trigger"]), "router")
	if r == nil {
		t.Fatal("no router")
	}
	if kids, _ := r["children"].([]any); len(kids) != len(routerBranches(r)) {
		t.Fatalf("children and branches not aligned: %s %v", outline(r), branchNames(r))
	}
	return r
}

func TestAddBranch(t *testing.T) {
	t.Parallel()
	t.Run("default condition, inserted at the position", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch", map[string]any{"stepName": "router", "branchName": "B", "branchIndex": 1}), 200)
		r := routerOf(t, got)
		if o := outline(r); o != "router[a_1 > a_2 | - | -] > last" {
			t.Fatal(o)
		}
		if !reflect.DeepEqual(branchNames(r), []any{"A", "B", "Otherwise"}) {
			t.Fatal(branchNames(r))
		}
		want := map[string]any{"branchName": "B", "branchType": "CONDITION", "conditions": []any{[]any{
			map[string]any{"firstValue": "", "secondValue": "", "operator": "TEXT_CONTAINS", "caseSensitive": false}}}}
		if !reflect.DeepEqual(routerBranches(r)[1], want) || got["updated"] == before["updated"] {
			t.Fatalf("%v", routerBranches(r)[1])
		}
	})
	t.Run("conditions kept as sent, at both ends", func(t *testing.T) {
		t.Parallel()
		c, id, _ := editClient(t)
		conds := []any{
			[]any{map[string]any{"firstValue": "{{trigger.n}}", "secondValue": "3", "operator": "NUMBER_IS_GREATER_THAN"},
				map[string]any{"firstValue": "{{trigger.ok}}", "operator": "BOOLEAN_IS_TRUE"}},
			[]any{map[string]any{"firstValue": "a", "secondValue": "b", "caseSensitive": "yes", "extra": 1}},
		}
		expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch", map[string]any{"stepName": "router", "branchName": "First", "branchIndex": 0, "conditions": conds}), 200)
		got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch", map[string]any{"stepName": "router", "branchName": "Last", "branchIndex": 3, "conditions": []any{}}), 200)
		r := routerOf(t, got)
		if o := outline(r); o != "router[- | a_1 > a_2 | - | -] > last" {
			t.Fatal(o)
		}
		if !reflect.DeepEqual(branchNames(r), []any{"First", "A", "Otherwise", "Last"}) {
			t.Fatal(branchNames(r))
		}
		if b := obj(routerBranches(r)[0]); toJSON(b["conditions"]) != toJSON(conds) {
			t.Fatalf("conditions %s", toJSON(b["conditions"]))
		}
		if b := obj(routerBranches(r)[3]); !reflect.DeepEqual(b["conditions"], []any{}) {
			t.Fatalf("empty conditions replaced: %v", b["conditions"])
		}
	})
	t.Run("a router without branches", func(t *testing.T) {
		t.Parallel()
		c, id, _ := editClient(t)
		expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", addBody("last", "", nil, map[string]any{
			"name": "bare", "type": "ROUTER", "displayName": "Bare", "settings": map[string]any{}})), 200)
		got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch", map[string]any{"stepName": "bare", "branchName": "X", "branchIndex": 0}), 200)
		bare := node(obj(got["trigger"]), "bare")
		if outline(bare) != "bare[-]" || bare["valid"] != true {
			t.Fatalf("%s %v", outline(bare), bare)
		}
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		path := "/v1/workflow/" + id + "/branch"
		expectDetail(t, c.do("POST", path, map[string]any{}), `[
			{"type":"missing","loc":["body","stepName"],"msg":"Field required","input":{}},
			{"type":"missing","loc":["body","branchName"],"msg":"Field required","input":{}},
			{"type":"missing","loc":["body","branchIndex"],"msg":"Field required","input":{}}]`)
		expectDetail(t, c.do("POST", path, map[string]any{"stepName": "router", "branchName": 2, "branchIndex": nil, "conditions": []any{"x", []any{1}}}), `[
			{"type":"string_type","loc":["body","branchName"],"msg":"Input should be a valid string","input":2},
			{"type":"int_type","loc":["body","branchIndex"],"msg":"Input should be a valid integer","input":null},
			{"type":"list_type","loc":["body","conditions",0],"msg":"Input should be a valid list","input":"x"},
			{"type":"model_attributes_type","loc":["body","conditions",1,0,"BranchTextCondition"],"msg":"Input should be a valid dictionary or object to extract fields from","input":1},
			{"type":"model_attributes_type","loc":["body","conditions",1,0,"BranchNumberCondition"],"msg":"Input should be a valid dictionary or object to extract fields from","input":1},
			{"type":"model_attributes_type","loc":["body","conditions",1,0,"BranchDateCondition"],"msg":"Input should be a valid dictionary or object to extract fields from","input":1},
			{"type":"model_attributes_type","loc":["body","conditions",1,0,"BranchSingleValueCondition"],"msg":"Input should be a valid dictionary or object to extract fields from","input":1}]`)
		expectDetail(t, c.do("POST", path, map[string]any{"stepName": "router", "branchName": "b", "branchIndex": 0, "conditions": [][]any{{map[string]any{}}}}), `[
			{"type":"missing","loc":["body","conditions",0,0,"BranchTextCondition","firstValue"],"msg":"Field required","input":{}},
			{"type":"missing","loc":["body","conditions",0,0,"BranchTextCondition","secondValue"],"msg":"Field required","input":{}},
			{"type":"missing","loc":["body","conditions",0,0,"BranchNumberCondition","firstValue"],"msg":"Field required","input":{}},
			{"type":"missing","loc":["body","conditions",0,0,"BranchNumberCondition","secondValue"],"msg":"Field required","input":{}},
			{"type":"missing","loc":["body","conditions",0,0,"BranchDateCondition","firstValue"],"msg":"Field required","input":{}},
			{"type":"missing","loc":["body","conditions",0,0,"BranchDateCondition","secondValue"],"msg":"Field required","input":{}},
			{"type":"missing","loc":["body","conditions",0,0,"BranchSingleValueCondition","firstValue"],"msg":"Field required","input":{}}]`)
		expectDetail(t, c.do("POST", path, map[string]any{"stepName": "router", "branchName": "b", "branchIndex": 0,
			"conditions": [][]any{{map[string]any{"firstValue": "a", "secondValue": "b", "operator": "DATE_IS_EQUAL", "caseSensitive": 2}, map[string]any{"firstValue": "a", "operator": "FOO"}}}}), `[
			{"type":"missing","loc":["body","conditions",0,1,"BranchTextCondition","secondValue"],"msg":"Field required","input":{"firstValue":"a","operator":"FOO"}},
			{"type":"literal_error","loc":["body","conditions",0,1,"BranchTextCondition","operator"],"msg":"Input should be 'TEXT_CONTAINS', 'TEXT_DOES_NOT_CONTAIN', 'TEXT_EXACTLY_MATCHES', 'TEXT_DOES_NOT_EXACTLY_MATCH', 'TEXT_START_WITH', 'TEXT_DOES_NOT_START_WITH', 'TEXT_ENDS_WITH', 'TEXT_DOES_NOT_END_WITH', 'LIST_CONTAINS' or 'LIST_DOES_NOT_CONTAIN'","input":"FOO","ctx":{"expected":"'TEXT_CONTAINS', 'TEXT_DOES_NOT_CONTAIN', 'TEXT_EXACTLY_MATCHES', 'TEXT_DOES_NOT_EXACTLY_MATCH', 'TEXT_START_WITH', 'TEXT_DOES_NOT_START_WITH', 'TEXT_ENDS_WITH', 'TEXT_DOES_NOT_END_WITH', 'LIST_CONTAINS' or 'LIST_DOES_NOT_CONTAIN'"}},
			{"type":"missing","loc":["body","conditions",0,1,"BranchNumberCondition","secondValue"],"msg":"Field required","input":{"firstValue":"a","operator":"FOO"}},
			{"type":"literal_error","loc":["body","conditions",0,1,"BranchNumberCondition","operator"],"msg":"Input should be 'NUMBER_IS_GREATER_THAN', 'NUMBER_IS_LESS_THAN' or 'NUMBER_IS_EQUAL_TO'","input":"FOO","ctx":{"expected":"'NUMBER_IS_GREATER_THAN', 'NUMBER_IS_LESS_THAN' or 'NUMBER_IS_EQUAL_TO'"}},
			{"type":"missing","loc":["body","conditions",0,1,"BranchDateCondition","secondValue"],"msg":"Field required","input":{"firstValue":"a","operator":"FOO"}},
			{"type":"literal_error","loc":["body","conditions",0,1,"BranchDateCondition","operator"],"msg":"Input should be 'DATE_IS_BEFORE', 'DATE_IS_EQUAL' or 'DATE_IS_AFTER'","input":"FOO","ctx":{"expected":"'DATE_IS_BEFORE', 'DATE_IS_EQUAL' or 'DATE_IS_AFTER'"}},
			{"type":"literal_error","loc":["body","conditions",0,1,"BranchSingleValueCondition","operator"],"msg":"Input should be 'EXISTS', 'DOES_NOT_EXIST', 'BOOLEAN_IS_TRUE', 'BOOLEAN_IS_FALSE', 'LIST_IS_EMPTY' or 'LIST_IS_NOT_EMPTY'","input":"FOO","ctx":{"expected":"'EXISTS', 'DOES_NOT_EXIST', 'BOOLEAN_IS_TRUE', 'BOOLEAN_IS_FALSE', 'LIST_IS_EMPTY' or 'LIST_IS_NOT_EMPTY'"}}]`)
		cases := []struct {
			name, code, msg string
			body            map[string]any
		}{
			{"unknown router", "STEP_NOT_FOUND", "Step nope not found", map[string]any{"stepName": "nope", "branchName": "b", "branchIndex": 0}},
			{"not a router", "INVALID_STEP_TYPE", "step loop (LOOP_ON_ITEMS) is not a ROUTER", map[string]any{"stepName": "loop", "branchName": "b", "branchIndex": 0}},
			{"the trigger", "STEP_NOT_FOUND", "Step trigger is the flow's trigger, not an action", map[string]any{"stepName": "trigger", "branchName": "b", "branchIndex": 0}},
			{"past the end", "INVALID_BRANCH_INDEX", "branchIndex 3 is out of range for router router (2 branches; valid insert positions: 0 to 2)", map[string]any{"stepName": "router", "branchName": "b", "branchIndex": 3}},
			{"negative", "INVALID_BRANCH_INDEX", "", map[string]any{"stepName": "router", "branchName": "b", "branchIndex": -1}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				expectEnvelope(t, c.do("POST", path, tc.body), http.StatusBadRequest, tc.code, tc.msg)
			})
		}
		expectEnvelope(t, c.do("POST", "/v1/workflow/nope/branch", map[string]any{"stepName": "router", "branchName": "b", "branchIndex": 0}), 404, "FLOW_NOT_FOUND", "")
		expectUnchanged(t, c, id, before)
	})
}

func TestDeleteBranch(t *testing.T) {
	t.Parallel()
	t.Run("body of a DELETE", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		got := expectJSON(t, c.do("DELETE", "/v1/workflow/"+id+"/branch", map[string]any{"stepName": "router", "branchIndex": 0}), 200)
		r := routerOf(t, got)
		if outline(r) != "router[-] > last" || !reflect.DeepEqual(branchNames(r), []any{"Otherwise"}) || got["updated"] == before["updated"] {
			t.Fatalf("%s %v", outline(r), branchNames(r))
		}
		// The branch's steps went with it: their names are free again.
		expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", addBody("last", "", nil, newAction("a_2"))), 200)
		// Deleting the last branch leaves an invalid router.
		got = expectJSON(t, c.do("DELETE", "/v1/workflow/"+id+"/branch", map[string]any{"stepName": "router", "branchIndex": "0"}), 200)
		r = routerOf(t, got)
		if outline(r) != "router[] > last > a_2" || r["valid"] != false {
			t.Fatalf("%s %v", outline(r), r["valid"])
		}
	})
	t.Run("over a real connection", func(t *testing.T) {
		t.Parallel()
		c, id, _ := editClient(t)
		ts := httptest.NewServer(c.srv)
		defer ts.Close()
		body, _ := json.Marshal(map[string]any{"stepName": "router", "branchIndex": 1})
		req, err := http.NewRequest("DELETE", ts.URL+"/v1/workflow/"+id+"/branch", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+keyA)
		req.Header.Set("Content-Type", "application/json")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var got map[string]any
		if resp.StatusCode != 200 || json.Unmarshal(raw, &got) != nil {
			t.Fatalf("%d %s", resp.StatusCode, raw)
		}
		if r := routerOf(t, got); outline(r) != "router[a_1 > a_2] > last" || !reflect.DeepEqual(branchNames(r), []any{"A"}) {
			t.Fatal(outline(r))
		}
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		path := "/v1/workflow/" + id + "/branch"
		// A DELETE without its body fails validation like any missing body.
		expectDetail(t, c.do("DELETE", path, nil), `[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]`)
		expectDetail(t, c.do("DELETE", path, map[string]any{"branchIndex": 1.0}), `[
			{"type":"missing","loc":["body","stepName"],"msg":"Field required","input":{"branchIndex":1}}]`)
		expectDetail(t, c.do("DELETE", path, map[string]any{"stepName": "router"}), `[
			{"type":"missing","loc":["body","branchIndex"],"msg":"Field required","input":{"stepName":"router"}}]`)
		expectDetail(t, c.do("DELETE", path, `{"stepName":"router","branchIndex":1e20}`), `[
			{"type":"int_parsing_size","loc":["body","branchIndex"],"msg":"Unable to parse input string as an integer, exceeded maximum size","input":1e20}]`)
		expectEnvelope(t, c.do("DELETE", path, map[string]any{"stepName": "nope", "branchIndex": 0}), 400, "STEP_NOT_FOUND", "Step nope not found")
		expectEnvelope(t, c.do("DELETE", path, map[string]any{"stepName": "a_1", "branchIndex": 0}), 400, "INVALID_STEP_TYPE", "step a_1 (PIECE) is not a ROUTER")
		expectEnvelope(t, c.do("DELETE", path, map[string]any{"stepName": "router", "branchIndex": 2}), 400, "INVALID_BRANCH_INDEX",
			"branchIndex 2 is out of range for router router (2 branches; valid: 0 to 1)")
		expectEnvelope(t, c.do("DELETE", "/v1/workflow/nope/branch", map[string]any{"stepName": "router", "branchIndex": 0}), 404, "FLOW_NOT_FOUND", "")
		expectUnchanged(t, c, id, before)
	})
}

func TestDuplicateBranch(t *testing.T) {
	t.Parallel()
	t.Run("copy with fresh names", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		// a_2 refers to a_1 and to the outer step_1.
		c.srv.EditFlow(keyA, id, func(tree map[string]any) {
			obj(node(tree, "a_2")["settings"])["input"] = map[string]any{
				"text": "{{a_1.body.text}} / {{step_1.x}} / {{a_10}} / a_1 outside braces",
				"list": []any{"{{ a_1['x'] }}"},
			}
		})
		got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch/duplicate", map[string]any{"stepName": "router", "branchIndex": 0}), 200)
		r := routerOf(t, got)
		// step_1 is taken, so the copies of a_1 and a_2 become step_2 and step_3.
		if o := outline(r); o != "router[a_1 > a_2 | step_2 > step_3 | -] > last" {
			t.Fatal(o)
		}
		if !reflect.DeepEqual(branchNames(r), []any{"A", "A Copy", "Otherwise"}) || got["updated"] == before["updated"] {
			t.Fatal(branchNames(r))
		}
		orig, dup := obj(routerBranches(r)[0]), obj(routerBranches(r)[1])
		if !reflect.DeepEqual(orig["conditions"], dup["conditions"]) || dup["branchType"] != "CONDITION" {
			t.Fatal(dup)
		}
		trig := obj(got["trigger"])
		s3 := node(trig, "step_3")
		if s3["displayName"] != "Piece a_2 Copy" || s3["valid"] != true {
			t.Fatal(s3)
		}
		in := obj(obj(s3["settings"])["input"])
		if in["text"] != "{{step_2.body.text}} / {{step_1.x}} / {{a_10}} / a_1 outside braces" || !reflect.DeepEqual(in["list"], []any{"{{ step_2['x'] }}"}) {
			t.Fatalf("references: %v", in)
		}
		// The original is untouched.
		if obj(obj(node(trig, "a_2")["settings"])["input"])["text"] != "{{a_1.body.text}} / {{step_1.x}} / {{a_10}} / a_1 outside braces" {
			t.Fatal("original rewritten")
		}
	})
	t.Run("empty fallback branch", func(t *testing.T) {
		t.Parallel()
		c, id, _ := editClient(t)
		got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch/duplicate", map[string]any{"stepName": "router", "branchIndex": 1}), 200)
		r := routerOf(t, got)
		if o := outline(r); o != "router[a_1 > a_2 | - | -] > last" {
			t.Fatal(o)
		}
		want := map[string]any{"branchName": "Otherwise Copy", "branchType": "CONDITION", "conditions": []any{[]any{
			map[string]any{"firstValue": "", "secondValue": "", "operator": "TEXT_CONTAINS", "caseSensitive": false}}}}
		if !reflect.DeepEqual(routerBranches(r)[2], want) || obj(routerBranches(r)[1])["branchType"] != "FALLBACK" {
			t.Fatal(routerBranches(r))
		}
	})
	t.Run("nested containers are renamed too", func(t *testing.T) {
		t.Parallel()
		c, id, _ := editClient(t)
		expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action/move", moveBody("loop", "router", "INSIDE_BRANCH", 1)), 200)
		got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch/duplicate", map[string]any{"stepName": "router", "branchIndex": 1}), 200)
		if o := outline(routerOf(t, got)); o != "router[a_1 > a_2 | loop[body_1 > body_2] | step_2[step_3 > step_4]] > last" {
			t.Fatal(o)
		}
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		path := "/v1/workflow/" + id + "/branch/duplicate"
		expectDetail(t, c.do("POST", path, map[string]any{"stepName": []any{}}), `[
			{"type":"string_type","loc":["body","stepName"],"msg":"Input should be a valid string","input":[]},
			{"type":"missing","loc":["body","branchIndex"],"msg":"Field required","input":{"stepName":[]}}]`)
		expectEnvelope(t, c.do("POST", path, map[string]any{"stepName": "nope", "branchIndex": 0}), 400, "STEP_NOT_FOUND", "")
		expectEnvelope(t, c.do("POST", path, map[string]any{"stepName": "last", "branchIndex": 0}), 400, "INVALID_STEP_TYPE", "step last (CODE) is not a ROUTER")
		expectEnvelope(t, c.do("POST", path, map[string]any{"stepName": "router", "branchIndex": 2}), 400, "INVALID_BRANCH_INDEX", "")
		expectEnvelope(t, c.do("POST", "/v1/workflow/nope/branch/duplicate", map[string]any{"stepName": "router", "branchIndex": 0}), 404, "FLOW_NOT_FOUND", "")
		expectUnchanged(t, c, id, before)
		// pydantic's lax int accepts true as 1.
		got := expectJSON(t, c.do("POST", path, map[string]any{"stepName": "router", "branchIndex": true}), 200)
		if !reflect.DeepEqual(branchNames(routerOf(t, got)), []any{"A", "Otherwise", "Otherwise Copy"}) {
			t.Fatal(branchNames(routerOf(t, got)))
		}
	})
}

func TestMoveBranch(t *testing.T) {
	t.Parallel()
	t.Run("branch and child move together", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch", map[string]any{"stepName": "router", "branchName": "B", "branchIndex": 2}), 200)
		expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/action", addBody("router", "INSIDE_BRANCH", 2, newAction("b_1"))), 200)
		got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch/move", map[string]any{"stepName": "router", "branchIndex": 0, "newIndex": 2}), 200)
		r := routerOf(t, got)
		if o := outline(r); o != "router[- | b_1 | a_1 > a_2] > last" || !reflect.DeepEqual(branchNames(r), []any{"Otherwise", "B", "A"}) {
			t.Fatal(o, branchNames(r))
		}
		got = expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch/move", map[string]any{"stepName": "router", "branchIndex": 2, "newIndex": 1}), 200)
		r = routerOf(t, got)
		if o := outline(r); o != "router[- | a_1 > a_2 | b_1] > last" || !reflect.DeepEqual(branchNames(r), []any{"Otherwise", "A", "B"}) {
			t.Fatal(o, branchNames(r))
		}
		// Same position: accepted, nothing moves, still a write.
		prev := got
		got = expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/branch/move", map[string]any{"stepName": "router", "branchIndex": 1, "newIndex": 1}), 200)
		if !reflect.DeepEqual(got["trigger"], prev["trigger"]) || got["updated"] == prev["updated"] || got["updated"] == before["updated"] {
			t.Fatal("same-index move")
		}
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		c, id, before := editClient(t)
		path := "/v1/workflow/" + id + "/branch/move"
		expectDetail(t, c.do("POST", path, map[string]any{"stepName": "router"}), `[
			{"type":"missing","loc":["body","branchIndex"],"msg":"Field required","input":{"stepName":"router"}},
			{"type":"missing","loc":["body","newIndex"],"msg":"Field required","input":{"stepName":"router"}}]`)
		expectDetail(t, c.do("POST", path, map[string]any{"stepName": "router", "branchIndex": "one", "newIndex": 0.5}), `[
			{"type":"int_parsing","loc":["body","branchIndex"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"one"},
			{"type":"int_from_float","loc":["body","newIndex"],"msg":"Input should be a valid integer, got a number with a fractional part","input":0.5}]`)
		expectEnvelope(t, c.do("POST", path, map[string]any{"stepName": "nope", "branchIndex": 0, "newIndex": 1}), 400, "STEP_NOT_FOUND", "")
		expectEnvelope(t, c.do("POST", path, map[string]any{"stepName": "step_1", "branchIndex": 0, "newIndex": 1}), 400, "INVALID_STEP_TYPE", "")
		expectEnvelope(t, c.do("POST", path, map[string]any{"stepName": "router", "branchIndex": 2, "newIndex": 0}), 400, "INVALID_BRANCH_INDEX",
			"branchIndex 2 is out of range for router router (2 branches; valid: 0 to 1)")
		expectEnvelope(t, c.do("POST", path, map[string]any{"stepName": "router", "branchIndex": 0, "newIndex": -1}), 400, "INVALID_BRANCH_INDEX",
			"newIndex -1 is out of range for router router (2 branches; valid: 0 to 1)")
		expectEnvelope(t, c.do("POST", "/v1/workflow/nope/branch/move", map[string]any{"stepName": "router", "branchIndex": 0, "newIndex": 1}), 404, "FLOW_NOT_FOUND", "")
		expectUnchanged(t, c, id, before)
	})
}

func TestEditsUnderStrictResponseModel(t *testing.T) {
	t.Parallel()
	c, id, _ := editClient(t, WithStrictResponseModel())
	rec := c.do("POST", "/v1/workflow/"+id+"/branch", map[string]any{"stepName": "router", "branchName": "B", "branchIndex": 2})
	expectJSON(t, rec, 200)
	// Model order, empty branches as null children, branch dicts kept whole.
	mustContain(t, rec.Body.String(), `"children":[{"name":"a_1","type":"PIECE","valid":true,"displayName":"Piece a_1","skip":false,`)
	mustContain(t, rec.Body.String(), `"nextAction":null}},null,null],"nextAction":{"name":"last",`)
	mustContain(t, rec.Body.String(), `{"branchName":"B","branchType":"CONDITION","conditions":[[{"caseSensitive":false,"firstValue":"","operator":"TEXT_CONTAINS","secondValue":""}]]}`)
}
