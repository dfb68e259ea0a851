package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// triggerJSON is deliberately not in Go's canonical form (odd spacing, key
// order, unicode escape, a number with exponent) so that byte-for-byte
// preservation of RawTrigger is actually tested.
const triggerJSON = `{ "type":"PIECE_TRIGGER",  "name" : "trigger", "valid": true,
  "displayName": "Call finished \u00e9",
  "settings": {"pieceName": "@diga/piece-diga", "pieceVersion": "0.1.3", "triggerName": "call_finished",
    "input": {"agent_id": "a1", "threshold": 1e2}, "propertySettings": {}, "sampleData": {"call_id": "c1"},
    "inputUiInfo": {"unknownToSchema": true}},
  "nextAction": {"name": "step_1", "type": "ROUTER", "valid": true, "displayName": "Route by outcome", "skip": false,
    "settings": {"executionType": "EXECUTE_FIRST_MATCH", "branches": [
      {"branchName": "Won", "branchType": "CONDITION", "conditions": [[{"operator": "TEXT_EXACTLY_MATCHES", "firstValue": "{{trigger.outcome}}", "secondValue": "won"}]]},
      {"branchName": "Otherwise", "branchType": "FALLBACK"}]},
    "children": [
      {"name": "step_2", "type": "PIECE", "valid": false, "displayName": "Create deal", "skip": true,
       "settings": {"pieceName": "@activepieces/piece-hubspot", "actionName": "create_deal", "input": {"name": "{{trigger.caller}}"}},
       "nextAction": {"name": "step_4", "type": "CODE", "displayName": "Tag", "settings": {"input": {}}}},
      null],
    "nextAction": {"name": "step_3", "type": "PIECE", "displayName": "Notify", "settings": {"pieceName": "@activepieces/piece-slack", "actionName": "send_message"}}}
}`

func fullFlowJSON() string {
	return `{"id":"lod6JEdKyPlvrnErdnrGa","name":"Post-call CRM sync",` +
		`"created":"2026-07-22T10:11:12.123456Z","updated":"2026-07-22T12:11:13+02:00",` +
		`"status":"DISABLED","flow_category":"post_call","trigger":` + triggerJSON + `,` +
		`"produced_variables":[],"consumed_variables":["call_id","agent_id"],` +
		`"some_future_field":{"nested":[1,2,3]}}`
}

func minimalFlowJSON(id string) string {
	return `{"id":"` + id + `","created":"2026-07-22T10:00:00Z","updated":"2026-07-22T10:00:00Z"}`
}

func TestCreateFlow_decodesFullFlow(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, respond(http.StatusCreated, fullFlowJSON()))
	c := newTestClient(t, ts, nil)

	res, err := c.CreateFlow(t.Context(), "Post-call CRM sync")
	if err != nil {
		t.Fatal(err)
	}
	if res.Adopted || len(res.Warnings) != 0 {
		t.Errorf("a clean create reported %+v", res)
	}
	f := res.Flow

	req := ts.only(t)
	if req.Method != http.MethodPost || req.RequestURI != "/v1/workflow/" {
		t.Errorf("request = %s %s, want POST /v1/workflow/", req.Method, req.RequestURI)
	}
	if string(req.Body) != `{"name":"Post-call CRM sync"}` {
		t.Errorf("body = %s", req.Body)
	}
	if req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", req.Header.Get("Content-Type"))
	}

	if f.ID != "lod6JEdKyPlvrnErdnrGa" || f.Name == nil || *f.Name != "Post-call CRM sync" {
		t.Errorf("id/name = %q/%v", f.ID, f.Name)
	}
	wantCreated := time.Date(2026, 7, 22, 10, 11, 12, 123456000, time.UTC)
	if !f.Created.Equal(wantCreated) {
		t.Errorf("created = %v, want %v", f.Created, wantCreated)
	}
	if !f.Updated.Equal(time.Date(2026, 7, 22, 10, 11, 13, 0, time.UTC)) {
		t.Errorf("updated = %v", f.Updated)
	}
	if f.Status == nil || *f.Status != client.FlowStatusDisabled {
		t.Errorf("status = %v", f.Status)
	}
	if f.FlowCategory == nil || *f.FlowCategory != client.FlowCategoryPostCall {
		t.Errorf("flow_category = %v", f.FlowCategory)
	}
	if f.ProducedVariables == nil || len(f.ProducedVariables) != 0 {
		t.Errorf("produced_variables = %#v, want non-nil empty", f.ProducedVariables)
	}
	if !reflect.DeepEqual(f.ConsumedVariables, []string{"call_id", "agent_id"}) {
		t.Errorf("consumed_variables = %#v", f.ConsumedVariables)
	}

	if !bytes.Equal(f.RawTrigger, []byte(triggerJSON)) {
		t.Errorf("RawTrigger not preserved byte for byte:\n got %s\nwant %s", f.RawTrigger, triggerJSON)
	}

	// The tree arrives whole: the trigger, a router's settings and its
	// branches (a null branch included), the steps inside and after it.
	tree := decodeTree(t, f.RawTrigger)
	for _, c := range []struct {
		path []any
		want any
	}{
		{[]any{"type"}, "PIECE_TRIGGER"},
		{[]any{"displayName"}, "Call finished é"},
		{[]any{"settings", "input", "threshold"}, 100.0},
		{[]any{"settings", "sampleData", "call_id"}, "c1"},
		{[]any{"nextAction", "type"}, "ROUTER"},
		{[]any{"nextAction", "settings", "branches", 1, "branchType"}, "FALLBACK"},
		{[]any{"nextAction", "children", 0, "skip"}, true},
		{[]any{"nextAction", "children", 0, "nextAction", "name"}, "step_4"},
		{[]any{"nextAction", "children", 1}, nil},
		{[]any{"nextAction", "nextAction", "name"}, "step_3"},
	} {
		if got := jsonAt(tree, c.path...); got != c.want {
			t.Errorf("trigger%v = %#v, want %#v", c.path, got, c.want)
		}
	}
}

// decodeTree decodes a RawTrigger for a test that looks inside it.
func decodeTree(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatalf("RawTrigger %s: %v", raw, err)
	}
	return tree
}

// jsonAt follows object keys (string) and array indexes (int) through a
// decoded JSON value; nil where the path leads nowhere.
func jsonAt(v any, path ...any) any {
	for _, step := range path {
		switch k := step.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func TestFlowFields_absentNullPresent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		extra     string
		status    *client.FlowStatus
		category  *client.FlowCategory
		produced  []string
		flowName  *string
		trigger   bool
		nilFields bool
		// offContract answers break Diga's contract on purpose (the
		// variable arrays are not nullable, the enums are closed) to
		// prove the client tolerates them; they are not contract-checked.
		offContract bool
	}{
		{name: "absent", extra: ``, nilFields: true},
		{name: "null", extra: `,"name":null,"status":null,"flow_category":null,"trigger":null,"produced_variables":null,"consumed_variables":null`, nilFields: true, offContract: true},
		{
			name:     "present",
			extra:    `,"name":"n","status":"ENABLED","flow_category":"empty","trigger":{"name":"trigger","type":"EMPTY"},"produced_variables":["a"],"consumed_variables":[]`,
			status:   ptr(client.FlowStatusEnabled),
			category: ptr(client.FlowCategoryEmpty),
			produced: []string{"a"},
			flowName: ptr("n"),
			trigger:  true,
		},
		{
			name:        "unknown enum values pass through",
			extra:       `,"status":"PAUSED","flow_category":"some_new_kind"`,
			status:      ptr(client.FlowStatus("PAUSED")),
			category:    ptr(client.FlowCategory("some_new_kind")),
			offContract: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := `{"id":"f1","created":"2026-07-22T10:00:00Z","updated":"2026-07-22T10:00:00Z"` + tc.extra + `}`
			newServer := newDigaServer
			if tc.offContract {
				newServer = newTestServer
			}
			ts := newServer(t, respond(http.StatusOK, body))
			f, err := newTestClient(t, ts, nil).GetFlow(t.Context(), "f1")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Status, tc.status) {
				t.Errorf("Status = %v, want %v", f.Status, tc.status)
			}
			if !reflect.DeepEqual(f.FlowCategory, tc.category) {
				t.Errorf("FlowCategory = %v, want %v", f.FlowCategory, tc.category)
			}
			if !reflect.DeepEqual(f.Name, tc.flowName) {
				t.Errorf("Name = %v, want %v", f.Name, tc.flowName)
			}
			if tc.nilFields {
				if f.ProducedVariables != nil || f.ConsumedVariables != nil {
					t.Errorf("variables = %#v / %#v, want nil", f.ProducedVariables, f.ConsumedVariables)
				}
				if f.RawTrigger != nil {
					t.Errorf("RawTrigger = %q, want nil", f.RawTrigger)
				}
			}
			if tc.produced != nil && !reflect.DeepEqual(f.ProducedVariables, tc.produced) {
				t.Errorf("ProducedVariables = %#v", f.ProducedVariables)
			}
			if tc.name == "present" {
				if f.ConsumedVariables == nil || len(f.ConsumedVariables) != 0 {
					t.Errorf("ConsumedVariables = %#v, want non-nil empty", f.ConsumedVariables)
				}
			}
			if tc.trigger {
				if string(f.RawTrigger) != `{"name":"trigger","type":"EMPTY"}` {
					t.Errorf("RawTrigger = %s", f.RawTrigger)
				}
			}
		})
	}
}

func TestFlowTimestamps(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 7, 22, 10, 11, 12, 0, time.UTC)
	wantFrac := want.Add(345600 * time.Microsecond)
	cases := map[string]time.Time{
		"2026-07-22T10:11:12Z":             want,
		"2026-07-22T10:11:12.3456Z":        wantFrac,
		"2026-07-22T12:11:12+02:00":        want,
		"2026-07-22T12:11:12.3456+02:00":   wantFrac,
		"2026-07-22T10:11:12+00:00":        want,
		"2026-07-22T10:11:12":              want, // naive: assumed UTC
		"2026-07-22T10:11:12.345600":       wantFrac,
		"2026-07-22 10:11:12.3456+00:00":   wantFrac,
		"2026-07-22T05:11:12.345600-05:00": wantFrac,
	}
	for in, w := range cases {
		var f client.Flow
		err := json.Unmarshal([]byte(`{"id":"f","created":"`+in+`","updated":"`+in+`"}`), &f)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !f.Created.Equal(w) || !f.Updated.Equal(w) {
			t.Errorf("%s: created %v updated %v, want %v", in, f.Created, f.Updated, w)
		}
	}

	var f client.Flow
	if err := json.Unmarshal([]byte(`{"id":"f","created":"yesterday","updated":"2026-07-22T10:11:12Z"}`), &f); err == nil ||
		!strings.Contains(err.Error(), "created") {
		t.Errorf("bad timestamp: err = %v, want an error naming created", err)
	}
}

func TestFlowDecoding_rejectsMissingID(t *testing.T) {
	t.Parallel()
	var f client.Flow
	if err := json.Unmarshal([]byte(`{"name":"x","created":"2026-07-22T10:11:12Z","updated":"2026-07-22T10:11:12Z"}`), &f); err == nil {
		t.Error("flow without id decoded without error")
	}
}

func TestFlowDecoding_triggerIsKeptAsSent(t *testing.T) {
	t.Parallel()
	// sampleData is step output and can be any JSON, and a trigger need not
	// even be an object: the flow still decodes, and RawTrigger carries the
	// value as sent.
	for _, raw := range []string{
		`{"name":"trigger","type":"PIECE_TRIGGER","settings":{"pieceName":"p","sampleData":"just text","input":{"a":1}},` +
			`"nextAction":{"name":"step_1","settings":{"sampleData":[1,2],"actionName":"x"}}}`,
		`"weird"`,
	} {
		var f client.Flow
		if err := json.Unmarshal([]byte(`{"id":"f","created":"2026-07-22T10:11:12Z","updated":"2026-07-22T10:11:12Z","trigger":`+raw+`}`), &f); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if string(f.RawTrigger) != raw {
			t.Errorf("RawTrigger = %s, want %s", f.RawTrigger, raw)
		}
	}
}

func TestFlowMethods_requests(t *testing.T) {
	t.Parallel()
	// An id with characters that must be escaped in a path segment.
	const id = "a/b c?"
	const escaped = "a%2Fb%20c%3F"
	cases := []struct {
		name       string
		call       func(context.Context, *client.Client) error
		status     int
		respBody   string
		wantMethod string
		wantURI    string
		wantBody   string // "" means no body and no Content-Type
	}{
		{
			name:       "CreateFlow",
			call:       func(ctx context.Context, c *client.Client) error { _, err := c.CreateFlow(ctx, "My flow"); return err },
			status:     http.StatusCreated,
			wantMethod: http.MethodPost, wantURI: "/v1/workflow/", wantBody: `{"name":"My flow"}`,
		},
		{
			name:       "GetFlow",
			call:       func(ctx context.Context, c *client.Client) error { _, err := c.GetFlow(ctx, id); return err },
			wantMethod: http.MethodGet, wantURI: "/v1/workflow/" + escaped,
		},
		{
			name: "RenameFlow",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.RenameFlow(ctx, id, "New name")
				return err
			},
			wantMethod: http.MethodPatch, wantURI: "/v1/workflow/" + escaped + "/rename", wantBody: `{"name":"New name"}`,
		},
		{
			name:       "DeleteFlow",
			call:       func(ctx context.Context, c *client.Client) error { return c.DeleteFlow(ctx, id) },
			status:     http.StatusNoContent,
			respBody:   "-",
			wantMethod: http.MethodDelete, wantURI: "/v1/workflow/" + escaped,
		},
		{
			name: "SetFlowStatus",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.SetFlowStatus(ctx, id, client.FlowStatusEnabled)
				return err
			},
			wantMethod: http.MethodPatch, wantURI: "/v1/workflow/" + escaped + "/status", wantBody: `{"status":"ENABLED"}`,
		},
		{
			name:       "PublishFlow",
			call:       func(ctx context.Context, c *client.Client) error { _, err := c.PublishFlow(ctx, id); return err },
			wantMethod: http.MethodPost, wantURI: "/v1/workflow/" + escaped + "/publish",
		},
		{
			name: "ImportFlow",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.ImportFlow(ctx, id, client.ImportFlowRequest{
					DisplayName: "Imported",
					Trigger:     json.RawMessage(`{"name":"trigger","type":"EMPTY","settings":{}}`),
				})
				return err
			},
			wantMethod: http.MethodPost, wantURI: "/v1/workflow/" + escaped + "/import",
			wantBody: `{"displayName":"Imported","trigger":{"name":"trigger","type":"EMPTY","settings":{}}}`,
		},
		{
			name: "ImportFlow with schemaVersion",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.ImportFlow(ctx, "f1", client.ImportFlowRequest{
					DisplayName:   "Imported",
					Trigger:       json.RawMessage(`{"name":"trigger"}`),
					SchemaVersion: ptr("1"),
				})
				return err
			},
			wantMethod: http.MethodPost, wantURI: "/v1/workflow/f1/import",
			wantBody: `{"displayName":"Imported","trigger":{"name":"trigger"},"schemaVersion":"1"}`,
		},
		{
			name: "ListFlowsPage defaults",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.ListFlowsPage(ctx, client.ListFlowsParams{}, "")
				return err
			},
			respBody:   `{"data":[],"has_more":false}`,
			wantMethod: http.MethodGet, wantURI: "/v1/workflow/?limit=30",
		},
		{
			name: "ListFlowsPage filters",
			call: func(ctx context.Context, c *client.Client) error {
				_, err := c.ListFlowsPage(ctx, client.ListFlowsParams{
					Status:        ptr(client.FlowStatusEnabled),
					FlowCategory:  ptr(client.FlowCategoryDuringCall),
					IsDigaTrigger: ptr(false),
					Limit:         5,
				}, "cur/sor")
				return err
			},
			respBody:   `{"data":[],"has_more":false}`,
			wantMethod: http.MethodGet,
			wantURI:    "/v1/workflow/?after=cur%2Fsor&flow_category=during_call&is_diga_trigger=false&limit=5&status=ENABLED",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, body := tc.status, tc.respBody
			if status == 0 {
				status = http.StatusOK
			}
			switch body {
			case "":
				body = minimalFlowJSON(id)
			case "-":
				body = ""
			}
			ts := newDigaServer(t, respond(status, body))
			if err := tc.call(t.Context(), newTestClient(t, ts, nil)); err != nil {
				t.Fatal(err)
			}
			req := ts.only(t)
			if req.Method != tc.wantMethod || req.RequestURI != tc.wantURI {
				t.Errorf("request = %s %s, want %s %s", req.Method, req.RequestURI, tc.wantMethod, tc.wantURI)
			}
			if string(req.Body) != tc.wantBody {
				t.Errorf("body = %q, want %q", req.Body, tc.wantBody)
			}
			wantCT := ""
			if tc.wantBody != "" {
				wantCT = "application/json"
			}
			if ct := req.Header.Get("Content-Type"); ct != wantCT {
				t.Errorf("Content-Type = %q, want %q", ct, wantCT)
			}
			if got := req.Header.Get("Authorization"); got != "Bearer "+testKey {
				t.Errorf("Authorization header wrong (len %d)", len(got))
			}
			if got := req.Header.Get("User-Agent"); got != testUA {
				t.Errorf("User-Agent = %q", got)
			}
			if got := req.Header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept = %q", got)
			}
		})
	}
}

func TestFlowMethods_rejectEmptyIDWithoutRequest(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, respond(http.StatusOK, `{}`))
	c := newTestClient(t, ts, nil)
	ctx := t.Context()
	calls := map[string]func() error{
		"GetFlow":       func() error { _, err := c.GetFlow(ctx, ""); return err },
		"DeleteFlow":    func() error { return c.DeleteFlow(ctx, "") },
		"RenameFlow":    func() error { _, err := c.RenameFlow(ctx, "", "x"); return err },
		"SetFlowStatus": func() error { _, err := c.SetFlowStatus(ctx, "", client.FlowStatusEnabled); return err },
		"PublishFlow":   func() error { _, err := c.PublishFlow(ctx, ""); return err },
		"ImportFlow": func() error {
			_, err := c.ImportFlow(ctx, "", client.ImportFlowRequest{Trigger: json.RawMessage(`{}`)})
			return err
		},
	}
	for name, call := range calls {
		if err := call(); err == nil {
			t.Errorf("%s(\"\") succeeded", name)
		}
	}
	if n := len(ts.Requests()); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
}

func TestImportFlow_requiresTrigger(t *testing.T) {
	t.Parallel()
	ts := newDigaServer(t, respond(http.StatusOK, minimalFlowJSON("f1")))
	c := newTestClient(t, ts, nil)
	for _, trig := range []json.RawMessage{nil, json.RawMessage(`null`), json.RawMessage(`{"broken"`)} {
		if _, err := c.ImportFlow(t.Context(), "f1", client.ImportFlowRequest{DisplayName: "x", Trigger: trig}); err == nil {
			t.Errorf("trigger %q accepted", trig)
		}
	}
	if n := len(ts.Requests()); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
}

func TestFlowMethods_rejectUnusableSuccessBodies(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"empty":      "",
		"whitespace": " \n",
		"null":       "null",
		"not json":   "<html>ok</html>",
		"no id":      `{"name":"x"}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, respond(http.StatusOK, body))
			f, err := newTestClient(t, ts, nil).PublishFlow(t.Context(), "f1")
			if err == nil {
				t.Fatalf("got flow %+v, want error", f)
			}
			if !strings.Contains(err.Error(), "POST /v1/workflow/f1/publish") {
				t.Errorf("error %q does not name the request", err)
			}
		})
	}
}

func TestAPIError_notFoundEnvelope(t *testing.T) {
	t.Parallel()
	ts := newDigaServer(t, respond(http.StatusNotFound, `{"status":"error","error_code":"FLOW_NOT_FOUND","message":"Flow f9 not found"}`))
	_, err := newTestClient(t, ts, nil).GetFlow(t.Context(), "f9")
	if !client.IsNotFound(err) {
		t.Fatalf("IsNotFound(%v) = false", err)
	}
	if client.IsUnauthorized(err) {
		t.Error("404 reported as unauthorized")
	}
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != 404 || apiErr.Method != "GET" || apiErr.Path != "/v1/workflow/f9" ||
		apiErr.ErrorCode != "FLOW_NOT_FOUND" || apiErr.Message != "Flow f9 not found" || apiErr.Body != "" {
		t.Errorf("APIError = %+v", apiErr)
	}
	if want := "GET /v1/workflow/f9: 404 Not Found: FLOW_NOT_FOUND: Flow f9 not found"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	// Wrapped errors still classify.
	if !client.IsNotFound(fmt.Errorf("reading flow: %w", err)) {
		t.Error("IsNotFound does not see through wrapping")
	}
}

func TestAPIError_plainDetail(t *testing.T) {
	t.Parallel()
	// FastAPI's answer for a path no route matches: the URL is wrong, the
	// flow is not known to be gone.
	ts := newTestServer(t, respond(http.StatusNotFound, `{"detail":"Not Found"}`))
	err := newTestClient(t, ts, nil).DeleteFlow(t.Context(), "f9")
	apiErr := asAPIError(t, err)
	if client.IsNotFound(err) || !client.IsRouteNotFound(err) || apiErr.DetailText != "Not Found" || apiErr.Detail != nil || apiErr.Envelope {
		t.Errorf("IsNotFound %t, IsRouteNotFound %t, APIError = %+v", client.IsNotFound(err), client.IsRouteNotFound(err), apiErr)
	}
	if want := "DELETE " + ts.URL + "/v1/workflow/f9: 404 Not Found: Not Found. No Diga API route answers at this URL"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Error() = %q, want it to start %q", err.Error(), want)
	}
	if !strings.Contains(err.Error(), "check base_url") {
		t.Errorf("Error() = %q does not say to check base_url", err.Error())
	}
}

func TestAPIError_validationDetail(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, respond(http.StatusUnprocessableEntity, `{"detail":[
		{"type":"string_too_short","loc":["body","name"],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}}
	]}`))
	_, err := newTestClient(t, ts, nil).CreateFlow(t.Context(), "")
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != 422 || len(apiErr.Detail) != 1 {
		t.Fatalf("APIError = %+v", apiErr)
	}
	d := apiErr.Detail[0]
	if d.Field() != "body.name" || d.Type != "string_too_short" || d.Msg != "String should have at least 1 character" {
		t.Errorf("detail = %+v field %q", d, d.Field())
	}
	if want := "POST /v1/workflow/: 422 Unprocessable Entity: body.name: String should have at least 1 character"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestAPIError_validationDetailNestedLoc(t *testing.T) {
	t.Parallel()
	ts := newDigaServer(t, respond(http.StatusUnprocessableEntity, `{"detail":[
		{"type":"missing","loc":["body","trigger","nextAction","name"],"msg":"Field required"},
		{"type":"string_type","loc":["body","trigger","nextAction","children",0,"displayName"],"msg":"Input should be a valid string"}
	]}`))
	_, err := newTestClient(t, ts, nil).ImportFlow(t.Context(), "f1", client.ImportFlowRequest{Trigger: json.RawMessage(`{}`)})
	apiErr := asAPIError(t, err)
	if len(apiErr.Detail) != 2 {
		t.Fatalf("detail = %+v", apiErr.Detail)
	}
	if got := apiErr.Detail[0].Field(); got != "body.trigger.nextAction.name" {
		t.Errorf("Field() = %q", got)
	}
	if got := apiErr.Detail[1].Field(); got != "body.trigger.nextAction.children.0.displayName" {
		t.Errorf("Field() = %q", got)
	}
	want := "POST /v1/workflow/f1/import: 422 Unprocessable Entity: body.trigger.nextAction.name: Field required; " +
		"body.trigger.nextAction.children.0.displayName: Input should be a valid string"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestAPIError_unauthorized(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			ts := newDigaServer(t, respond(status, `{"status":"error","error_code":"INVALID_API_KEY","message":"Invalid or missing API key"}`))
			_, err := newTestClient(t, ts, nil).ListFlows(t.Context(), client.ListFlowsParams{})
			if !client.IsUnauthorized(err) || client.IsNotFound(err) {
				t.Fatalf("IsUnauthorized(%v) = false", err)
			}
			apiErr := asAPIError(t, err)
			if apiErr.ErrorCode != "INVALID_API_KEY" || apiErr.Message != "Invalid or missing API key" || apiErr.Path != "/v1/workflow/" {
				t.Errorf("APIError = %+v", apiErr)
			}
			want := fmt.Sprintf("GET /v1/workflow/: %d %s: INVALID_API_KEY: Invalid or missing API key", status, http.StatusText(status))
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestAPIError_htmlBadGateway(t *testing.T) {
	t.Parallel()
	page := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n" +
		"<hr><center>nginx</center>\r\n" + strings.Repeat("<!-- padding to exceed the body cap -->\r\n", 100) + "</body>\r\n</html>\r\n"
	ts := newTestServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(page))
	})
	_, err := newTestClient(t, ts, nil).GetFlow(t.Context(), "f1")
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != 502 || apiErr.ErrorCode != "" || apiErr.Detail != nil {
		t.Errorf("APIError = %+v", apiErr)
	}
	if len(apiErr.Body) != 2048 || !strings.HasPrefix(page, apiErr.Body) {
		t.Errorf("Body has %d bytes, want the first 2048 bytes of the page", len(apiErr.Body))
	}
	if want := "GET /v1/workflow/f1: 502 Bad Gateway: 502 Bad Gateway"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if client.IsNotFound(err) || client.IsUnauthorized(err) {
		t.Error("502 misclassified")
	}
}

func TestAPIError_otherBodies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		status     int
		want       string
	}{
		{"empty body", "", http.StatusInternalServerError, "GET /v1/workflow/f1: 500 Internal Server Error"},
		{"plain text", "upstream\n  timed out", http.StatusGatewayTimeout, "GET /v1/workflow/f1: 504 Gateway Timeout: upstream timed out"},
		{"unknown json", `{"error":"boom"}`, http.StatusInternalServerError, `GET /v1/workflow/f1: 500 Internal Server Error: {"error":"boom"}`},
		{"detail object", `{"detail":{"error_code":"FLOW_LOCKED","message":"Flow is locked"}}`, http.StatusConflict, "GET /v1/workflow/f1: 409 Conflict: FLOW_LOCKED: Flow is locked"},
		{"html without title", "<html><body><p>Service  Unavailable &amp; more</p></body></html>", http.StatusServiceUnavailable, "GET /v1/workflow/f1: 503 Service Unavailable: Service Unavailable & more"},
		{"unknown status", "", 599, "GET /v1/workflow/f1: 599"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, respond(tc.status, tc.body))
			_, err := newTestClient(t, ts, nil).GetFlow(t.Context(), "f1")
			_ = asAPIError(t, err)
			if err.Error() != tc.want {
				t.Errorf("Error() = %q, want %q", err.Error(), tc.want)
			}
		})
	}
}

func asAPIError(t *testing.T, err error) *client.APIError {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error")
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %T (%v) is not *client.APIError", err, err)
	}
	return apiErr
}

// pagedHandler serves flows f1..fN in pages keyed by the after cursor, or
// by page number (page, 1 when absent) when numbered is set. Like the
// emulator, a numbered answer declares current_page and total_pages and a
// cursor answer leaves them null; without numbered no answer declares them.
func pagedHandler(t *testing.T, pages [][]string, numbered bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/workflow/" {
			t.Errorf("unexpected path %s", r.URL.Path)
		}
		after := r.URL.Query().Get("after")
		idx := 0
		if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && numbered {
			idx = n - 1
		}
		if after != "" {
			idx = -1
			for i, p := range pages {
				if len(p) > 0 && p[len(p)-1] == after {
					idx = i + 1
				}
			}
		}
		if idx < 0 || idx >= len(pages) {
			respond(http.StatusBadRequest, `{"detail":"bad cursor"}`)(w, r)
			return
		}
		ids := pages[idx]
		items := make([]string, len(ids))
		for i, id := range ids {
			items[i] = minimalFlowJSON(id)
		}
		current, total := "null", "null"
		if numbered && after == "" {
			current, total = strconv.Itoa(idx+1), strconv.Itoa(len(pages))
		}
		resp := fmt.Sprintf(`{"data":[%s],"has_more":%t,"first_id":%q,"last_id":%q,"current_page":%s,"total_pages":%s}`,
			strings.Join(items, ","), idx < len(pages)-1, ids[0], ids[len(ids)-1], current, total)
		respond(http.StatusOK, resp)(w, r)
	}
}

func TestListFlows_followsCursorsAcrossPages(t *testing.T) {
	t.Parallel()
	pages := [][]string{{"f1", "f2", "f3"}, {"f4", "f5", "f6"}, {"f7"}}
	ts := newDigaServer(t, pagedHandler(t, pages, false))
	c := newTestClient(t, ts, nil)

	flows, err := c.ListFlows(t.Context(), client.ListFlowsParams{Limit: 3, Status: ptr(client.FlowStatusEnabled)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range flows.Items {
		ids = append(ids, f.ID)
	}
	if want := []string{"f1", "f2", "f3", "f4", "f5", "f6", "f7"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}

	reqs := ts.Requests()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d requests, want 3", len(reqs))
	}
	for i, wantAfter := range []string{"", "f3", "f6"} {
		q := reqs[i].Query
		if got := strings.Join(q["after"], ","); got != wantAfter {
			t.Errorf("request %d after = %q, want %q", i, got, wantAfter)
		}
		if q.Get("limit") != "3" || q.Get("status") != "ENABLED" {
			t.Errorf("request %d query = %v", i, q)
		}
	}
}

func TestListFlowsPage_decodesEnvelope(t *testing.T) {
	t.Parallel()
	ts := newDigaServer(t, pagedHandler(t, [][]string{{"f1", "f2"}, {"f3"}}, true))
	page, err := newTestClient(t, ts, nil).ListFlowsPage(t.Context(), client.ListFlowsParams{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 2 || page.Data[0].ID != "f1" || !page.HasMore || page.LastID == nil || *page.LastID != "f2" {
		t.Errorf("page = %+v", page)
	}

	ts2 := newTestServer(t, respond(http.StatusOK, `{"data":null,"has_more":false}`))
	page, err = newTestClient(t, ts2, nil).ListFlowsPage(t.Context(), client.ListFlowsParams{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if page.Data == nil || len(page.Data) != 0 || page.LastID != nil {
		t.Errorf("page = %+v", page)
	}
}

func TestListFlows_emptyProjectReturnsEmptySlice(t *testing.T) {
	t.Parallel()
	ts := newDigaServer(t, respond(http.StatusOK, `{"data":[],"has_more":false,"first_id":null,"last_id":null}`))
	flows, err := newTestClient(t, ts, nil).ListFlows(t.Context(), client.ListFlowsParams{})
	if err != nil || flows.Items == nil || len(flows.Items) != 0 || flows.Repeated != nil {
		t.Errorf("flows = %#v, err = %v", flows, err)
	}
}

func TestListFlows_repeatedCursorIsAnError(t *testing.T) {
	t.Parallel()
	cases := map[string]func(after string) string{
		// Always hands back the same last_id.
		"same cursor": func(string) string {
			return `{"data":[` + minimalFlowJSON("f1") + `],"has_more":true,"last_id":"f1"}`
		},
		// Cycles f1 → f2 → f1.
		"cycle": func(after string) string {
			next := "f1"
			if after == "f1" {
				next = "f2"
			}
			return `{"data":[` + minimalFlowJSON(next) + `],"has_more":true,"last_id":"` + next + `"}`
		},
	}
	for name, page := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				respond(http.StatusOK, page(r.URL.Query().Get("after")))(w, r)
			})
			_, err := newTestClient(t, ts, nil).ListFlows(t.Context(), client.ListFlowsParams{})
			if err == nil || !strings.Contains(err.Error(), "repeats cursor") {
				t.Fatalf("err = %v, want a repeated-cursor error", err)
			}
			if n := len(ts.Requests()); n > 3 {
				t.Errorf("server saw %d requests before the loop was detected", n)
			}
		})
	}
}

func TestListFlows_hasMoreWithoutCursor(t *testing.T) {
	t.Parallel()
	ts := newDigaServer(t, respond(http.StatusOK, `{"data":[],"has_more":true,"last_id":null}`))
	_, err := newTestClient(t, ts, nil).ListFlows(t.Context(), client.ListFlowsParams{})
	if err == nil || !strings.Contains(err.Error(), "last_id") {
		t.Fatalf("err = %v", err)
	}
}

func TestListFlows_fallsBackToLastFlowID(t *testing.T) {
	t.Parallel()
	ts := newDigaServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			respond(http.StatusOK, `{"data":[`+minimalFlowJSON("f1")+`,`+minimalFlowJSON("f2")+`],"has_more":true}`)(w, r)
			return
		}
		respond(http.StatusOK, `{"data":[`+minimalFlowJSON("f3")+`],"has_more":false}`)(w, r)
	})
	flows, err := newTestClient(t, ts, nil).ListFlows(t.Context(), client.ListFlowsParams{})
	if err != nil || len(flows.Items) != 3 {
		t.Fatalf("flows = %d, err = %v", len(flows.Items), err)
	}
	if got := ts.Requests()[1].Query.Get("after"); got != "f2" {
		t.Errorf("second request after = %q, want f2", got)
	}
}

func TestListFlows_errorOnLaterPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			respond(http.StatusOK, `{"data":[`+minimalFlowJSON("f1")+`],"has_more":true,"last_id":"f1"}`)(w, r)
			return
		}
		respond(http.StatusInternalServerError, `{"status":"error","error_code":"INTERNAL_SERVER_ERROR","message":"boom"}`)(w, r)
	})
	flows, err := newTestClient(t, ts, nil).ListFlows(t.Context(), client.ListFlowsParams{})
	if flows.Items != nil {
		t.Errorf("flows = %v, want nil on error", flows.Items)
	}
	if asAPIError(t, err).StatusCode != 500 {
		t.Errorf("err = %v", err)
	}
}
