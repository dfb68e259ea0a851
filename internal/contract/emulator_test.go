package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

const emuKey = "contract-test-key"

// importBody is a definition that stays inside the documented response
// models (no CODE sourceCode, no loop items, no null router children), so
// the emulator's answers must match the contract in every mode. It is also
// complete enough for the engine import mode (every PIECE has a
// pieceVersion; the piece steps, whose required inputs depend on the
// catalogue, are skipped so that the flow still publishes).
func importBody(displayName string) map[string]any {
	var trigger map[string]any
	if err := json.Unmarshal([]byte(`{
		"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Call finished",
		"settings": {"pieceName": "@diga/piece-diga", "pieceVersion": "0.1.3", "triggerName": "call_finished",
			"input": {"agent_id": "a1"}, "propertySettings": {}, "sampleData": {"call_id": "c1"}},
		"nextAction": {
			"name": "step_1", "type": "ROUTER", "displayName": "Route by outcome", "skip": false,
			"settings": {"executionType": "EXECUTE_FIRST_MATCH", "branches": [
				{"branchName": "Won", "branchType": "CONDITION", "conditions": [[{"operator": "TEXT_EXACTLY_MATCHES", "firstValue": "{{trigger.outcome}}", "secondValue": "won"}]]},
				{"branchName": "Otherwise", "branchType": "FALLBACK"}]},
			"children": [
				{"name": "step_2", "type": "PIECE", "displayName": "Create deal", "skip": true,
				 "settings": {"pieceName": "@activepieces/piece-hubspot", "pieceVersion": "0.5.0", "actionName": "create_deal", "input": {"name": "{{trigger.caller}}"}}},
				{"name": "step_4", "type": "PIECE", "displayName": "Log", "skip": true,
				 "settings": {"pieceName": "@activepieces/piece-slack", "pieceVersion": "~0.9.0", "actionName": "send_message", "input": {}}}],
			"nextAction": {"name": "step_3", "type": "PIECE", "displayName": "Notify", "skip": true,
				"settings": {"pieceName": "@diga/piece-diga", "pieceVersion": "0.1.3", "actionName": "make_call", "input": {"to": "{{trigger.phone}}"}}}}
	}`), &trigger); err != nil {
		panic(err)
	}
	return map[string]any{"displayName": displayName, "trigger": trigger}
}

// emulatorModes are the emulator configurations that claim to follow the
// contract (ResponseFull does not: see TestEmulatorTriggerTreesOutsideTheModels).
var emulatorModes = map[string][]emulator.Option{
	"default":                 nil,
	"strict response":         {emulator.WithStrictResponseModel()},
	"sparse rename":           {emulator.WithSparseRenameResponse()},
	"declared no loop bodies": {emulator.WithResponseMode(emulator.ResponseDeclaredNoLoopBodies)},
	"engine import":           {emulator.WithImportMode(emulator.ImportEngine)},
	"engine import, declared no loop bodies": {emulator.WithImportMode(emulator.ImportEngine),
		emulator.WithResponseMode(emulator.ResponseDeclaredNoLoopBodies)},
}

// TestEmulatorHonoursContract drives every operation the emulator
// implements — happy paths and the documented error shapes — through the
// Middleware. Requests that are wrong on purpose (to provoke a 422 or a
// routing error) must be reported as request violations and nothing else.
func TestEmulatorHonoursContract(t *testing.T) {
	t.Parallel()
	for mode, opts := range emulatorModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			emu := emulator.New(append([]emulator.Option{emulator.WithAPIKeys(emuKey, "other-key")}, opts...)...)
			h := newHarness(t, emu, emuKey)

			rec := h.do("POST", "/v1/workflow/", map[string]any{"name": "First"})
			h.expect("create", rec, 201)
			id, _ := decodeMap(t, rec)["id"].(string)
			if id == "" {
				t.Fatalf("create answered %s", rec.Body.String())
			}
			h.expect("create second", h.do("POST", "/v1/workflow/", map[string]any{"name": "Second"}), 201)
			h.expect("get", h.do("GET", "/v1/workflow/"+id, nil), 200)

			for _, q := range []string{
				"", "?limit=1", "?limit=30&order=desc", "?after=" + id, "?before=" + id, "?page=2&limit=1",
				"?status=DISABLED&flow_category=empty&is_diga_trigger=false", "?status=ENABLED&is_diga_trigger=true",
				"?flow_category=post_call", "?after=never-issued",
			} {
				h.expect("list "+q, h.do("GET", "/v1/workflow/"+q, nil), 200)
			}

			h.expect("rename", h.do("PATCH", "/v1/workflow/"+id+"/rename", map[string]any{"name": "Renamed"}), 200)
			h.expect("status before publish (silent no-op)", h.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "ENABLED"}), 200)
			h.expect("publish an EMPTY trigger", h.do("POST", "/v1/workflow/"+id+"/publish", nil), 400)
			h.expect("draft before publish", h.do("POST", "/v1/workflow/"+id+"/draft", nil), 400)
			h.expect("import", h.do("POST", "/v1/workflow/"+id+"/import", importBody("Imported")), 200)
			h.expect("import with schemaVersion", h.do("POST", "/v1/workflow/"+id+"/import",
				mergeMap(importBody("Imported"), map[string]any{"schemaVersion": "1"})), 200)
			h.expect("update trigger", h.do("PATCH", "/v1/workflow/"+id+"/trigger", map[string]any{
				"type": "PIECE_TRIGGER", "displayName": "Function call",
				"settings": map[string]any{"pieceName": "@diga/piece-diga", "pieceVersion": "0.1.3", "triggerName": "function_call",
					"input": map[string]any{"function_name": "lookup", "description": "Looks the caller up", "parameters": []any{}}, "propertySettings": map[string]any{}},
			}), 200)
			h.expect("publish", h.do("POST", "/v1/workflow/"+id+"/publish", nil), 200)
			h.expect("enable", h.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "ENABLED"}), 200)
			h.expect("list enabled", h.do("GET", "/v1/workflow/?status=ENABLED&flow_category=during_call", nil), 200)
			h.expect("disable", h.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "DISABLED"}), 200)
			h.expect("use as draft", h.do("POST", "/v1/workflow/"+id+"/draft", nil), 200)
			h.expect("trigger back to EMPTY", h.do("PATCH", "/v1/workflow/"+id+"/trigger", map[string]any{
				"type": "EMPTY", "displayName": "Select Trigger", "settings": map[string]any{},
			}), 200)

			// Documented error shapes.
			h.expect("422 from the tree check (request is schema-valid: trigger is free-form)",
				h.do("POST", "/v1/workflow/"+id+"/import", map[string]any{"displayName": "x", "trigger": map[string]any{"type": "BOGUS"}}), 422)
			h.expect("422 from update trigger settings", h.do("PATCH", "/v1/workflow/"+id+"/trigger", map[string]any{
				"type": "PIECE_TRIGGER", "displayName": "x", "settings": map[string]any{"pieceName": 5},
			}), 422)
			h.expect("401 with an unknown key", h.doAs("wrong-key", "GET", "/v1/workflow/", nil), 401)
			h.expect("401 on a write", h.doAs("wrong-key", "POST", "/v1/workflow/", map[string]any{"name": "x"}), 401)
			h.expect("another project's flow is unknown", h.doAs("other-key", "GET", "/v1/workflow/"+id, nil), 404)

			h.expect("422 empty name", h.do("POST", "/v1/workflow/", map[string]any{"name": ""}), 422, "request body.name")
			h.expect("422 missing name", h.do("POST", "/v1/workflow/", map[string]any{}), 422, "request body.name")
			h.expect("422 no body", h.do("POST", "/v1/workflow/", nil), 422, "request body")
			h.expect("422 malformed JSON", h.do("POST", "/v1/workflow/", `{"name":`), 422, "request body")
			h.expect("422 bad status", h.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "ON"}), 422, "request body.status")
			h.expect("422 rename to empty", h.do("PATCH", "/v1/workflow/"+id+"/rename", map[string]any{"name": ""}), 422, "request body.name")
			h.expect("422 import without trigger", h.do("POST", "/v1/workflow/"+id+"/import", map[string]any{"displayName": "x"}), 422, "request body.trigger")
			h.expect("422 limit too big", h.do("GET", "/v1/workflow/?limit=31", nil), 422, "request query.limit")
			h.expect("422 order asc", h.do("GET", "/v1/workflow/?order=asc", nil), 422, "request query.order")
			h.expect("422 page zero and bad boolean", h.do("GET", "/v1/workflow/?page=0&is_diga_trigger=maybe", nil), 422,
				"request query.page", "request query.is_diga_trigger")
			h.expect("422 unknown category", h.do("GET", "/v1/workflow/?flow_category=nope", nil), 422, "request query.flow_category")

			// Routing: FastAPI's redirect_slashes and its own 404/405 bodies.
			h.expect("list without the slash redirects", h.do("GET", "/v1/workflow?limit=2", nil), 307)
			h.expect("create without the slash redirects", h.do("POST", "/v1/workflow", map[string]any{"name": "x"}), 307)
			h.expect("get with a slash redirects", h.do("GET", "/v1/workflow/"+id+"/", nil), 307)
			h.expect("publish with a slash redirects", h.do("POST", "/v1/workflow/"+id+"/publish/", nil), 307)
			h.expect("unknown route", h.do("GET", "/v1/nothing", nil), 404, "request path")
			h.expect("unknown method", h.do("PUT", "/v1/workflow/"+id, map[string]any{"name": "x"}), 405, "request path")

			h.expect("delete", h.do("DELETE", "/v1/workflow/"+id, nil), 204)
			h.expect("get deleted", h.do("GET", "/v1/workflow/"+id, nil), 404)
			h.expect("delete deleted", h.do("DELETE", "/v1/workflow/"+id, nil), 404)
			h.expect("rename deleted", h.do("PATCH", "/v1/workflow/"+id+"/rename", map[string]any{"name": "x"}), 404)
			h.expect("publish deleted", h.do("POST", "/v1/workflow/"+id+"/publish", nil), 404)
			h.expect("import into deleted", h.do("POST", "/v1/workflow/"+id+"/import", importBody("x")), 404)
		})
	}
}

// TestEmulatorImplementedOperationsAnswerExampleRequests sends a minimal
// contract-valid request to every documented operation (the emulator's
// unimplemented ones answer 501 with Diga's envelope, which the error-body
// rule allows) and requires zero violations.
func TestEmulatorImplementedOperationsAnswerExampleRequests(t *testing.T) {
	t.Parallel()
	v := mustLoad(t)
	doc := rawDoc(t)
	for _, key := range v.Operations() {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			emu := emulator.New(emulator.WithAPIKeys(emuKey))
			h := newHarness(t, emu, emuKey)
			rec := h.do("POST", "/v1/workflow/", map[string]any{"name": "probe"})
			h.expect("create", rec, 201)
			id, _ := decodeMap(t, rec)["id"].(string)
			method, target, body := exampleRequest(doc, key, map[string]string{"flow_id": id, "step_name": "trigger", "action_name": "step_1"})
			rec = h.do(method, target, body)
			for _, vio := range h.take() {
				t.Errorf("%s", vio)
			}
			if rec.Code >= 500 && rec.Code != http.StatusNotImplemented {
				t.Errorf("HTTP %d: %s", rec.Code, rec.Body.String())
			}
		})
	}
}

// TestEmulatorTriggerTreesOutsideTheModels covers trees that carry keys the
// response models lack (a CODE step's sourceCode, a loop's items, a
// trigger's inputUiInfo, a loop body in firstLoopAction, the engine import's
// lastUpdatedDate). In the declared response modes (the default, and
// without loop bodies; with either import mode) the answer must match the
// contract. WithLenientResponseModel echoes the tree as stored — a
// deliberately off-contract server the provider must also cope with — and a router's
// null child (an empty branch) is kept in both modes although
// StepResponse.children items are not nullable: those departures are logged
// as known emulator deviations, not failed, because the emulator is owned
// elsewhere (see the package's report).
func TestEmulatorTriggerTreesOutsideTheModels(t *testing.T) {
	t.Parallel()
	extraKeys := map[string]any{
		"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Function call",
		"settings": map[string]any{"pieceName": "@diga/piece-diga", "triggerName": "function_call", "inputUiInfo": map[string]any{}},
		"nextAction": map[string]any{
			"name": "code_1", "type": "CODE", "displayName": "Code",
			"settings": map[string]any{"input": map[string]any{}, "sourceCode": map[string]any{"code": "x", "packageJson": "{}"}},
			"nextAction": map[string]any{"name": "loop", "type": "LOOP_ON_ITEMS", "displayName": "Loop",
				"settings": map[string]any{"items": "{{trigger.list}}"}},
		},
	}
	nullChild := map[string]any{
		"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Function call",
		"settings": map[string]any{"pieceName": "@diga/piece-diga", "triggerName": "function_call"},
		"nextAction": map[string]any{
			"name": "router", "type": "ROUTER", "displayName": "Route",
			"settings": map[string]any{"branches": []any{map[string]any{"branchName": "a"}, map[string]any{"branchName": "b"}}},
			"children": []any{nil, map[string]any{"name": "step_2", "type": "PIECE", "displayName": "P",
				"settings": map[string]any{"pieceName": "@activepieces/piece-slack", "actionName": "send_message"}}},
		},
	}
	// Loop bodies in both places, with keys only the engine reads or writes.
	loopBodies := map[string]any{
		"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Function call",
		"settings": map[string]any{"pieceName": "@diga/piece-diga", "pieceVersion": "^0.1.3", "triggerName": "function_call", "input": map[string]any{}},
		"nextAction": map[string]any{"name": "loop_1", "type": "LOOP_ON_ITEMS", "displayName": "Loop", "settings": map[string]any{"items": "{{trigger.a}}"},
			"firstLoopAction": map[string]any{"name": "code_1", "type": "CODE", "displayName": "Code",
				"settings": map[string]any{"input": map[string]any{}, "sourceCode": map[string]any{"code": "x", "packageJson": "{}"}, "errorHandlingOptions": map[string]any{}}},
			"nextAction": map[string]any{"name": "loop_2", "type": "LOOP_ON_ITEMS", "displayName": "Loop", "settings": map[string]any{"items": "{{trigger.b}}"},
				"children": []any{map[string]any{"name": "code_2", "type": "CODE", "displayName": "Code", "valid": false,
					"settings": map[string]any{"input": map[string]any{}, "sourceCode": map[string]any{"code": "y", "packageJson": "{}"}}}}},
		},
	}
	noLoopBodies := emulator.WithResponseMode(emulator.ResponseDeclaredNoLoopBodies)
	engine := emulator.WithImportMode(emulator.ImportEngine)
	cases := []struct {
		mode    string
		opts    []emulator.Option
		tree    map[string]any
		enforce bool
	}{
		{"default (strict response), extra keys", nil, extraKeys, true},
		{"declared no loop bodies, extra keys", []emulator.Option{noLoopBodies}, extraKeys, true},
		{"default, loop bodies", nil, loopBodies, true},
		{"declared no loop bodies, loop bodies", []emulator.Option{noLoopBodies}, loopBodies, true},
		{"engine import, loop bodies", []emulator.Option{engine}, loopBodies, true},
		{"engine import, declared no loop bodies, loop bodies", []emulator.Option{engine, noLoopBodies}, loopBodies, true},
		{"lenient response, loop bodies", []emulator.Option{emulator.WithLenientResponseModel()}, loopBodies, false},
		{"lenient response, extra keys", []emulator.Option{emulator.WithLenientResponseModel()}, extraKeys, false},
		{"default (strict response), null router child", nil, nullChild, false},
		{"lenient response, null router child", []emulator.Option{emulator.WithLenientResponseModel()}, nullChild, false},
	}
	for _, tc := range cases {
		emu := emulator.New(append([]emulator.Option{emulator.WithAPIKeys(emuKey)}, tc.opts...)...)
		h := newHarness(t, emu, emuKey)
		rec := h.do("POST", "/v1/workflow/", map[string]any{"name": "tree"})
		h.expect(tc.mode+": create", rec, 201)
		id, _ := decodeMap(t, rec)["id"].(string)
		for _, step := range []struct{ method, path string }{{"POST", "/import"}, {"GET", ""}} {
			var body any
			if step.method == "POST" {
				body = map[string]any{"displayName": "tree", "trigger": tc.tree}
			}
			rec = h.do(step.method, "/v1/workflow/"+id+step.path, body)
			if rec.Code != 200 {
				t.Fatalf("%s: %s: HTTP %d %s", tc.mode, step.method, rec.Code, rec.Body.String())
			}
			for _, vio := range h.take() {
				if tc.enforce {
					t.Errorf("%s: %s", tc.mode, vio)
				} else {
					t.Logf("known emulator deviation (%s): %s", tc.mode, vio)
				}
			}
		}
	}
}

func mergeMap(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// mutatingHandler forwards to the emulator and lets mutate rewrite the
// answer (status and decoded JSON body) before it is sent.
func mutatingHandler(next http.Handler, mutate func(r *http.Request, status int, body map[string]any) int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		status := rec.Code
		body := rec.Body.Bytes()
		var m map[string]any
		if json.Unmarshal(body, &m) == nil && m != nil {
			status = mutate(r, status, m)
			body, _ = json.Marshal(m)
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

// TestMiddlewareCatchesWrongEmulatorAnswers proves the Middleware notices an
// emulator that drifts: each case mutates one answer and names the
// operation and field that must be reported.
func TestMiddlewareCatchesWrongEmulatorAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		mutate    func(r *http.Request, status int, body map[string]any) int
		call      func(h *harness, id string) *httptest.ResponseRecorder
		operation string
		field     string
	}{
		{
			name: "flow_category renamed to category",
			mutate: func(r *http.Request, status int, body map[string]any) int {
				if r.Method == "GET" {
					body["category"] = body["flow_category"]
					delete(body, "flow_category")
				}
				return status
			},
			call:      func(h *harness, id string) *httptest.ResponseRecorder { return h.do("GET", "/v1/workflow/"+id, nil) },
			operation: "GET /v1/workflow/{flow_id}", field: "body.category",
		},
		{
			name: "create answers 200 instead of 201",
			mutate: func(r *http.Request, status int, body map[string]any) int {
				if r.Method == "POST" && r.URL.Path == "/v1/workflow/" && status == 201 && body["name"] == "mutated" {
					return 200
				}
				return status
			},
			call: func(h *harness, _ string) *httptest.ResponseRecorder {
				return h.do("POST", "/v1/workflow/", map[string]any{"name": "mutated"})
			},
			operation: "POST /v1/workflow/", field: "status",
		},
		{
			name: "status outside the enum",
			mutate: func(r *http.Request, status int, body map[string]any) int {
				if strings.HasSuffix(r.URL.Path, "/status") {
					body["status"] = "PAUSED"
				}
				return status
			},
			call: func(h *harness, id string) *httptest.ResponseRecorder {
				return h.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "ENABLED"})
			},
			operation: "PATCH /v1/workflow/{flow_id}/status", field: "body.status",
		},
		{
			name: "timestamp that is not date-time",
			mutate: func(r *http.Request, status int, body map[string]any) int {
				if strings.HasSuffix(r.URL.Path, "/rename") {
					body["updated"] = "yesterday"
				}
				return status
			},
			call: func(h *harness, id string) *httptest.ResponseRecorder {
				return h.do("PATCH", "/v1/workflow/"+id+"/rename", map[string]any{"name": "n"})
			},
			operation: "PATCH /v1/workflow/{flow_id}/rename", field: "body.updated",
		},
		{
			name: "list envelope without has_more",
			mutate: func(r *http.Request, status int, body map[string]any) int {
				if r.Method == "GET" && r.URL.Path == "/v1/workflow/" {
					delete(body, "has_more")
				}
				return status
			},
			call:      func(h *harness, _ string) *httptest.ResponseRecorder { return h.do("GET", "/v1/workflow/", nil) },
			operation: "GET /v1/workflow/", field: "body.has_more",
		},
		{
			name: "nested step name with the wrong type",
			mutate: func(r *http.Request, status int, body map[string]any) int {
				if strings.HasSuffix(r.URL.Path, "/import") {
					trig, _ := body["trigger"].(map[string]any)
					next, _ := trig["nextAction"].(map[string]any)
					next["name"] = 7
				}
				return status
			},
			call: func(h *harness, id string) *httptest.ResponseRecorder {
				return h.do("POST", "/v1/workflow/"+id+"/import", importBody("x"))
			},
			operation: "POST /v1/workflow/{flow_id}/import", field: "body.trigger.nextAction.name",
		},
		{
			name: "404 envelope without error_code",
			mutate: func(r *http.Request, status int, body map[string]any) int {
				if status == 404 {
					delete(body, "error_code")
				}
				return status
			},
			call:      func(h *harness, _ string) *httptest.ResponseRecorder { return h.do("GET", "/v1/workflow/nope", nil) },
			operation: "GET /v1/workflow/{flow_id}", field: "body.error_code",
		},
		{
			name: "undocumented 500",
			mutate: func(r *http.Request, status int, body map[string]any) int {
				if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/publish") {
					return 500
				}
				return status
			},
			call: func(h *harness, id string) *httptest.ResponseRecorder {
				return h.do("POST", "/v1/workflow/"+id+"/publish", nil)
			},
			operation: "POST /v1/workflow/{flow_id}/publish", field: "status",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := emulator.New(emulator.WithAPIKeys(emuKey))
			h := newHarness(t, mutatingHandler(emu, tc.mutate), emuKey)
			rec := h.do("POST", "/v1/workflow/", map[string]any{"name": "target"})
			if rec.Code != 201 {
				t.Fatalf("create: HTTP %d %s", rec.Code, rec.Body.String())
			}
			id, _ := decodeMap(t, rec)["id"].(string)
			for _, vio := range h.take() {
				t.Fatalf("unexpected violation before the mutation: %s", vio)
			}
			tc.call(h, id)
			got := h.take()
			found := false
			for _, vio := range got {
				if vio.Operation == tc.operation && vio.Field == tc.field && vio.Direction == "response" {
					found = true
					if !strings.Contains(vio.String(), tc.operation) || !strings.Contains(vio.String(), tc.field) {
						t.Errorf("String() %q does not name the operation and field", vio.String())
					}
				}
			}
			if !found {
				t.Errorf("no response violation for %s %s; got %v", tc.operation, tc.field, got)
			}
		})
	}
}

// TestWrapFailsTheTest runs Wrap against a recording testing.TB to show a
// violation becomes an error that names the operation and the field.
func TestWrapFailsTheTest(t *testing.T) {
	t.Parallel()
	rt := &recordingTB{TB: t}
	emu := emulator.New(emulator.WithAPIKeys(emuKey))
	wrapped := Wrap(rt, mutatingHandler(emu, func(r *http.Request, status int, body map[string]any) int {
		body["category"] = body["flow_category"]
		delete(body, "flow_category")
		return status
	}))
	req := httptest.NewRequest("POST", "/v1/workflow/", bytes.NewReader([]byte(`{"name":"x"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+emuKey)
	wrapped.ServeHTTP(httptest.NewRecorder(), req)
	errs := rt.errs()
	if len(errs) != 1 {
		t.Fatalf("errors = %q, want one", errs)
	}
	if msg := errs[0]; !strings.Contains(msg, "POST /v1/workflow/") || !strings.Contains(msg, "body.category") {
		t.Errorf("error %q does not name the operation and field", msg)
	}
}

type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (r *recordingTB) errs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

func (r *recordingTB) Helper() {}

// isNullChild is the one known way the emulator's step trees depart from
// the contract: a router's empty branch is a null item in children, where
// StepResponse.children items are StepResponse objects (not nullable).
func isNullChild(v Violation) bool {
	return v.Direction == "response" && strings.Contains(v.Field, ".children.") && strings.HasPrefix(v.Message, "got null, want object")
}

// TestEmulatorStepAndBranchEditing drives the eight step and branch
// operations through the Middleware. Null router children are logged as a
// known emulator deviation; every other violation fails.
func TestEmulatorStepAndBranchEditing(t *testing.T) {
	t.Parallel()
	for mode, opts := range emulatorModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			emu := emulator.New(append([]emulator.Option{emulator.WithAPIKeys(emuKey)}, opts...)...)
			h := newHarness(t, emu, emuKey)
			rec := h.do("POST", "/v1/workflow/", map[string]any{"name": "steps"})
			h.expect("create", rec, 201)
			id, _ := decodeMap(t, rec)["id"].(string)
			action := func(name, typ string, settings map[string]any) map[string]any {
				return map[string]any{"name": name, "type": typ, "displayName": strings.ToUpper(name), "settings": settings}
			}
			slack := map[string]any{"pieceName": "@activepieces/piece-slack", "pieceVersion": "0.9.0", "actionName": "send_message", "input": map[string]any{}}
			steps := []struct {
				what, method, path string
				body               any
				status             int
				requestViolations  []string
			}{
				{"import", "POST", "/import", importBody("steps"), 200, nil},
				{"add after the trigger", "POST", "/action", map[string]any{"parentStep": "trigger", "action": action("a1", "PIECE", slack)}, 200, nil},
				{"add inside a branch", "POST", "/action", map[string]any{"parentStep": "step_1", "stepLocationRelativeToParent": "INSIDE_BRANCH", "branchIndex": 1,
					"action": action("a2", "PIECE", slack)}, 200, nil},
				{"add a router", "POST", "/action", map[string]any{"parentStep": "a1", "action": action("r2", "ROUTER",
					map[string]any{"branches": []any{map[string]any{"branchName": "x"}}})}, 200, nil},
				{"add a loop", "POST", "/action", map[string]any{"parentStep": "a1", "stepLocationRelativeToParent": "AFTER", "action": action("l1", "LOOP_ON_ITEMS", map[string]any{})}, 200, nil},
				{"add inside the loop", "POST", "/action", map[string]any{"parentStep": "l1", "stepLocationRelativeToParent": "INSIDE_LOOP", "action": action("a3", "PIECE", slack)}, 200, nil},
				{"update", "PATCH", "/action", action("a1", "PIECE", map[string]any{"pieceName": "@activepieces/piece-slack", "pieceVersion": "0.9.0", "actionName": "send_dm"}), 200, nil},
				{"move", "POST", "/action/move", map[string]any{"name": "a1", "newParentStep": "step_3"}, 200, nil},
				{"delete", "DELETE", "/action/a2", nil, 200, nil},
				{"add a branch", "POST", "/branch", map[string]any{"stepName": "step_1", "branchName": "Big", "branchIndex": 0,
					"conditions": []any{[]any{map[string]any{"firstValue": "{{trigger.n}}", "secondValue": "10", "operator": "NUMBER_IS_GREATER_THAN"}}}}, 200, nil},
				{"add a branch with default conditions", "POST", "/branch", map[string]any{"stepName": "step_1", "branchName": "Other", "branchIndex": 3}, 200, nil},
				{"duplicate a branch", "POST", "/branch/duplicate", map[string]any{"stepName": "step_1", "branchIndex": 1}, 200, nil},
				{"move a branch", "POST", "/branch/move", map[string]any{"stepName": "step_1", "branchIndex": 0, "newIndex": 2}, 200, nil},
				{"delete a branch", "DELETE", "/branch", map[string]any{"stepName": "step_1", "branchIndex": 1}, 200, nil},
				{"engine refusal: unknown parent", "POST", "/action", map[string]any{"parentStep": "nope", "action": action("z", "PIECE", slack)}, 400, nil},
				{"engine refusal: branch index", "POST", "/branch/move", map[string]any{"stepName": "step_1", "branchIndex": 0, "newIndex": 99}, 400, nil},
				{"engine refusal: not a router", "DELETE", "/branch", map[string]any{"stepName": "a1", "branchIndex": 0}, 400, nil},
				{"422: branch without index", "POST", "/branch", map[string]any{"stepName": "step_1", "branchName": "x"}, 422, []string{"request body.branchIndex"}},
				{"422: delete branch without body", "DELETE", "/branch", nil, 422, []string{"request body"}},
				{"422: bad step type", "POST", "/action", map[string]any{"parentStep": "trigger", "action": action("q", "SCRIPT", slack)}, 422, []string{"request body.action.type"}},
				{"422: bad location", "POST", "/action/move", map[string]any{"name": "a1", "newParentStep": "trigger", "stepLocationRelativeToParent": "BEFORE"}, 422,
					[]string{"request body.stepLocationRelativeToParent"}},
			}
			for _, s := range steps {
				rec := h.do(s.method, "/v1/workflow/"+id+s.path, s.body)
				if rec.Code != s.status {
					t.Errorf("%s: HTTP %d, want %d: %s", s.what, rec.Code, s.status, rec.Body.String())
				}
				var got []string
				for _, vio := range h.take() {
					if isNullChild(vio) {
						t.Logf("known emulator deviation (null router child): %s", vio)
						continue
					}
					got = append(got, vio.Direction+" "+vio.Field)
					if vio.Direction != "request" {
						t.Errorf("%s: %s", s.what, vio)
					}
				}
				if strings.Join(got, "|") != strings.Join(s.requestViolations, "|") {
					t.Errorf("%s: violations %q, want %q", s.what, got, s.requestViolations)
				}
			}
		})
	}
}
