package emulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAuthFailuresUseDigaEnvelope(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for name, header := range map[string]string{
		"missing":      "",
		"wrong scheme": "Basic " + keyA,
		"no space":     "Bearer" + keyA,
		"unknown key":  "Bearer nope",
		"empty key":    "Bearer ",
		"extra space":  "Bearer  " + keyA,
	} {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/v1/workflow/", nil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			rec := httptest.NewRecorder()
			c.srv.ServeHTTP(rec, req)
			expectEnvelope(t, rec, http.StatusUnauthorized, "INVALID_API_KEY", "Invalid or missing API key")
			if rec.Header().Get("WWW-Authenticate") != "Bearer" {
				t.Fatalf("WWW-Authenticate = %q", rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
	t.Run("scheme is case-insensitive", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/v1/workflow/", nil)
		req.Header.Set("Authorization", "bearer "+keyA)
		rec := httptest.NewRecorder()
		c.srv.ServeHTTP(rec, req)
		expectJSON(t, rec, http.StatusOK)
	})
	t.Run("auth before body validation", func(t *testing.T) {
		rec := c.as("nope").do("POST", "/v1/workflow/", map[string]any{"name": ""})
		expectEnvelope(t, rec, http.StatusUnauthorized, "INVALID_API_KEY", "Invalid or missing API key")
	})
	t.Run("AddAPIKey", func(t *testing.T) {
		s := New()
		k := &apiClient{t: t, srv: s, key: "late"}
		expectEnvelope(t, k.do("GET", "/v1/workflow/", nil), 401, "INVALID_API_KEY", "")
		s.AddAPIKey("late")
		expectJSON(t, k.do("GET", "/v1/workflow/", nil), 200)
	})
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	t.Run("unknown flow", func(t *testing.T) {
		for _, rc := range []struct{ method, path string }{
			{"GET", "/v1/workflow/nope"},
			{"DELETE", "/v1/workflow/nope"},
			{"POST", "/v1/workflow/nope/publish"},
			{"POST", "/v1/workflow/nope/draft"},
		} {
			expectEnvelope(t, c.do(rc.method, rc.path, nil), 404, "FLOW_NOT_FOUND", "Flow nope not found")
		}
		expectEnvelope(t, c.do("PATCH", "/v1/workflow/nope/rename", map[string]any{"name": "x"}), 404, "FLOW_NOT_FOUND", "Flow nope not found")
	})
	t.Run("validation before lookup", func(t *testing.T) {
		expectDetail(t, c.do("PATCH", "/v1/workflow/nope/rename", map[string]any{"name": ""}),
			`[{"type":"string_too_short","loc":["body","name"],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}}]`)
	})
	t.Run("unknown route", func(t *testing.T) {
		for _, p := range []string{"/", "/v1/agents", "/v1/Workflow/", "/v1/workflow/a/b/c/d/e", "/v1/workflow/abc/Rename"} {
			rec := c.do("GET", p, nil)
			got := expectJSON(t, rec, 404)
			if got["detail"] != "Not Found" || len(got) != 1 {
				t.Fatalf("%s: %v", p, got)
			}
		}
	})
	t.Run("wrong method", func(t *testing.T) {
		rec := c.do("PUT", "/v1/workflow/", map[string]any{"name": "x"})
		got := expectJSON(t, rec, 405)
		if got["detail"] != "Method Not Allowed" {
			t.Fatal(got)
		}
		if rec.Header().Get("Allow") != "GET" {
			t.Fatalf("Allow = %q", rec.Header().Get("Allow"))
		}
		rec = c.do("GET", "/v1/workflow/abc/publish", nil)
		expectJSON(t, rec, 405)
		if rec.Header().Get("Allow") != "POST" {
			t.Fatalf("Allow = %q", rec.Header().Get("Allow"))
		}
	})
	t.Run("wrong method is not an auth error", func(t *testing.T) {
		expectJSON(t, c.as("").do("PUT", "/v1/workflow/abc", nil), 405)
	})
	t.Run("later full match beats earlier partial", func(t *testing.T) {
		// DELETE /v1/workflow/piece is "delete flow piece" in FastAPI.
		expectEnvelope(t, c.do("DELETE", "/v1/workflow/piece", nil), 404, "FLOW_NOT_FOUND", "Flow piece not found")
	})
	t.Run("testing routes", func(t *testing.T) {
		expectEnvelope(t, c.do("POST", "/v1/workflow/abc/trigger/test", map[string]any{}), 404, "FLOW_NOT_FOUND", "")
		expectEnvelope(t, c.do("GET", "/v1/workflow/executions/run1", nil), 404, "RUN_NOT_FOUND", "Run run1 not found")
		expectEnvelope(t, c.as("").do("GET", "/v1/workflow/abc/executions", nil), 401, "INVALID_API_KEY", "") // authenticate first
		expectEnvelope(t, c.as("").do("GET", "/v1/workflow/template", nil), 401, "INVALID_API_KEY", "")
	})
}

func TestTrailingSlashRedirects(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	cases := []struct{ method, target, location string }{
		{"GET", "/v1/workflow", "http://example.com/v1/workflow/"},
		{"GET", "/v1/workflow?limit=5&after=x", "http://example.com/v1/workflow/?limit=5&after=x"},
		{"POST", "/v1/workflow", "http://example.com/v1/workflow/"},
		{"GET", "/v1/workflow/abc/", "http://example.com/v1/workflow/abc"},
		{"DELETE", "/v1/workflow/abc/", "http://example.com/v1/workflow/abc"},
		{"PATCH", "/v1/workflow/abc/rename/", "http://example.com/v1/workflow/abc/rename"},
		{"GET", "/v1/workflow/abc//", "http://example.com/v1/workflow/abc"},
	}
	for _, tc := range cases {
		// Unauthenticated: the redirect happens in routing, before auth.
		rec := c.as("").do(tc.method, tc.target, nil)
		if rec.Code != http.StatusTemporaryRedirect {
			t.Fatalf("%s %s: status %d", tc.method, tc.target, rec.Code)
		}
		if got := rec.Header().Get("Location"); got != tc.location {
			t.Fatalf("%s %s: Location %q, want %q", tc.method, tc.target, got, tc.location)
		}
		if rec.Body.Len() != 0 {
			t.Fatalf("redirect body %q", rec.Body.String())
		}
	}
	req := httptest.NewRequest("GET", "/v1/workflow", nil)
	req.Host = "127.0.0.1:8787"
	rec := httptest.NewRecorder()
	c.srv.ServeHTTP(rec, req)
	if got := rec.Header().Get("Location"); got != "http://127.0.0.1:8787/v1/workflow/" {
		t.Fatalf("Location %q", got)
	}
	if rec := c.do("GET", "/v1/nothing/", nil); rec.Code != 404 {
		t.Fatalf("no redirect target: %d", rec.Code)
	}
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	cases := map[string]struct {
		body, contentType, want string
	}{
		"empty name": {`{"name":""}`, "application/json",
			`[{"type":"string_too_short","loc":["body","name"],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}}]`},
		"missing name": {`{"other":1}`, "application/json",
			`[{"type":"missing","loc":["body","name"],"msg":"Field required","input":{"other":1}}]`},
		"wrong type": {`{"name":5}`, "application/json",
			`[{"type":"string_type","loc":["body","name"],"msg":"Input should be a valid string","input":5}]`},
		"null name": {`{"name":null}`, "application/json",
			`[{"type":"string_type","loc":["body","name"],"msg":"Input should be a valid string","input":null}]`},
		"missing body": {``, "application/json",
			`[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]`},
		"null body": {`null`, "application/json",
			`[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]`},
		"array body": {`[1]`, "application/json",
			`[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1]}]`},
		"bad json": {`{"name": }`, "application/json",
			`[{"type":"json_invalid","loc":["body",9],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]`},
		"trailing comma": {`{"name":"a",}`, "",
			`[{"type":"json_invalid","loc":["body",11],"msg":"JSON decode error","input":{},"ctx":{"error":"Illegal trailing comma before end of object"}}]`},
		"text body": {`name=x`, "text/plain",
			`[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"name=x"}]`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/v1/workflow/", strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+keyA)
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := httptest.NewRecorder()
			c.srv.ServeHTTP(rec, req)
			expectDetail(t, rec, tc.want)
		})
	}
	t.Run("invalid utf-8", func(t *testing.T) {
		rec := c.do("POST", "/v1/workflow/", "{\"name\":\"\xff\"}")
		got := expectJSON(t, rec, 400)
		if got["detail"] != "There was an error parsing the body" {
			t.Fatal(got)
		}
	})
	t.Run("extra fields ignored", func(t *testing.T) {
		f := expectJSON(t, c.do("POST", "/v1/workflow/", map[string]any{"name": "x", "status": "ENABLED"}), 201)
		if f["status"] != "DISABLED" {
			t.Fatal(f)
		}
	})
	if n := len(c.srv.Flows(keyA)); n != 1 {
		t.Fatalf("invalid creates stored flows: %d", n)
	}
}

var idPattern = regexp.MustCompile(`^[0-9A-Za-z]{21}$`)

func TestCreateAndGet(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 21, 11, 37, 123456789, time.FixedZone("CET", 3600))
	c := newClient(t, WithLenientResponseModel(), WithClock(func() time.Time { return now }))
	rec := c.do("POST", "/v1/workflow/", map[string]any{"name": "Mi flujo <&>"})
	if !strings.HasPrefix(rec.Body.String(), `{"id":"`) || !strings.Contains(rec.Body.String(), `"name":"Mi flujo <&>","created":`) {
		t.Fatalf("field order / escaping: %s", rec.Body.String())
	}
	f := expectJSON(t, rec, 201)
	id := str(f, "id")
	if !idPattern.MatchString(id) {
		t.Fatalf("id %q", id)
	}
	want := map[string]any{
		"id": id, "name": "Mi flujo <&>",
		"created": "2026-11-28T20:11:37.123456Z", "updated": "2026-11-28T20:11:37.123456Z",
		"status": "DISABLED", "flow_category": "empty",
		"trigger": map[string]any{
			"name": "trigger", "type": "EMPTY", "valid": false, "displayName": "Select Trigger",
			"settings": map[string]any{}, "nextAction": nil,
		},
		"produced_variables": []any{}, "consumed_variables": []any{},
	}
	if fmt.Sprint(f) != fmt.Sprint(want) {
		t.Fatalf("create =\n%v\nwant\n%v", f, want)
	}
	got := expectJSON(t, c.do("GET", "/v1/workflow/"+id, nil), 200)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("get = %v", got)
	}
	snap, ok := c.srv.Flow(keyA, id)
	if !ok || snap.Name != "Mi flujo <&>" || snap.Status != "DISABLED" || snap.Category != "empty" || snap.Published || snap.PublishedTrigger != nil {
		t.Fatalf("snapshot %+v", snap)
	}
	if !snap.Created.Equal(now.Truncate(time.Microsecond)) {
		t.Fatalf("created %v", snap.Created)
	}
}

func TestTimestampWithoutMicroseconds(t *testing.T) {
	t.Parallel()
	c := newClient(t, WithClock(func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }))
	f := c.create("x")
	if f["created"] != "2026-01-02T03:04:05Z" {
		t.Fatalf("created %v", f["created"])
	}
}

func TestUpdatedChangesOnWrites(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	tick := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		tick = tick.Add(time.Second)
		return tick
	}
	c := newClient(t, WithClock(clock))
	f := c.create("x")
	id := str(f, "id")
	last := str(f, "updated")
	step := func(rec *httptest.ResponseRecorder, changed bool) {
		t.Helper()
		got := expectJSON(t, rec, 200)
		if (str(got, "updated") != last) != changed {
			t.Fatalf("updated %s → %s, want changed=%v", last, str(got, "updated"), changed)
		}
		if str(got, "created") != str(f, "created") {
			t.Fatal("created changed")
		}
		last = str(got, "updated")
	}
	step(c.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "ENABLED"}), false)
	step(c.do("PATCH", "/v1/workflow/"+id+"/rename", map[string]any{"name": "y"}), true)
	step(c.do("POST", "/v1/workflow/"+id+"/import", slackImport("y")), true)
	step(c.do("POST", "/v1/workflow/"+id+"/publish", nil), true)
	step(c.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "ENABLED"}), true)
	step(c.do("POST", "/v1/workflow/"+id+"/draft", nil), true)
	step(c.do("GET", "/v1/workflow/"+id, nil), false)
}

func TestRename(t *testing.T) {
	t.Parallel()
	t.Run("normal", func(t *testing.T) {
		c := newClient(t)
		id := str(c.create("old"), "id")
		got := expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/rename", map[string]any{"name": "new"}), 200)
		if got["name"] != "new" || got["status"] != "DISABLED" || got["flow_category"] != "empty" {
			t.Fatal(got)
		}
		if g := expectJSON(t, c.do("GET", "/v1/workflow/"+id, nil), 200); g["name"] != "new" {
			t.Fatal(g)
		}
	})
	t.Run("sparse", func(t *testing.T) {
		c := newClient(t, WithSparseRenameResponse())
		id := str(c.create("old"), "id")
		got := expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/rename", map[string]any{"name": "new"}), 200)
		if _, ok := got["status"]; ok {
			t.Fatal("status present")
		}
		if _, ok := got["flow_category"]; ok {
			t.Fatal("flow_category present")
		}
		for _, k := range []string{"id", "name", "created", "updated", "trigger", "produced_variables", "consumed_variables"} {
			if _, ok := got[k]; !ok {
				t.Fatalf("%s missing", k)
			}
		}
		// Only rename is sparse.
		if g := expectJSON(t, c.do("GET", "/v1/workflow/"+id, nil), 200); g["status"] != "DISABLED" {
			t.Fatal(g)
		}
	})
	t.Run("draft only until publish", func(t *testing.T) {
		c := newClient(t)
		id := str(c.create("v1"), "id")
		c.importFlow(id, slackImport("v1"))
		expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/publish", nil), 200)
		expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/rename", map[string]any{"name": "v2"}), 200)
		snap, _ := c.srv.Flow(keyA, id)
		if snap.Name != "v2" || snap.PublishedName != "v1" {
			t.Fatalf("%+v", snap)
		}
	})
	t.Run("out of band", func(t *testing.T) {
		c := newClient(t)
		id := str(c.create("old"), "id")
		if !c.srv.RenameFlow(keyA, id, "ui") || c.srv.RenameFlow(keyB, id, "x") {
			t.Fatal("RenameFlow result")
		}
		if g := expectJSON(t, c.do("GET", "/v1/workflow/"+id, nil), 200); g["name"] != "ui" {
			t.Fatal(g)
		}
	})
}

func TestStatusValidation(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	expectDetail(t, c.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "enabled"}),
		`[{"type":"enum","loc":["body","status"],"msg":"Input should be 'ENABLED' or 'DISABLED'","input":"enabled","ctx":{"expected":"'ENABLED' or 'DISABLED'"}}]`)
	expectDetail(t, c.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{}),
		`[{"type":"missing","loc":["body","status"],"msg":"Field required","input":{}}]`)
}

func TestStatusIsSilentNoOpBeforePublish(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	created := c.create("x")
	id := str(created, "id")
	c.importFlow(id, slackImport("x"))
	before := expectJSON(t, c.do("GET", "/v1/workflow/"+id, nil), 200)
	got := expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "ENABLED"}), 200)
	if got["status"] != "DISABLED" || got["updated"] != before["updated"] {
		t.Fatalf("no-op changed the flow: %v", got)
	}
	if snap, _ := c.srv.Flow(keyA, id); snap.Status != "DISABLED" {
		t.Fatal(snap.Status)
	}
}

func TestPublishThenEnable(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	c.importFlow(id, slackImport("x"))
	pub := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/publish", nil), 200)
	if pub["status"] != "DISABLED" {
		t.Fatal("publish changed status")
	}
	got := expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "ENABLED"}), 200)
	if got["status"] != "ENABLED" {
		t.Fatal(got)
	}
	snap, _ := c.srv.Flow(keyA, id)
	if !snap.Published || snap.Status != "ENABLED" || snap.PublishedTrigger == nil {
		t.Fatalf("%+v", snap)
	}
	// Editing the draft keeps the published version and the status.
	c.importFlow(id, map[string]any{"displayName": "x", "trigger": map[string]any{"type": "EMPTY"}})
	snap, _ = c.srv.Flow(keyA, id)
	if snap.Status != "ENABLED" || snap.PublishedTrigger["type"] != "PIECE_TRIGGER" || snap.Trigger["type"] != "EMPTY" {
		t.Fatalf("%+v", snap)
	}
	got = expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "DISABLED"}), 200)
	if got["status"] != "DISABLED" {
		t.Fatal(got)
	}
}

func TestPublishEmptyTriggerRefused(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	rec := c.do("POST", "/v1/workflow/"+id+"/publish", nil)
	expectEnvelope(t, rec, 400, "FLOW_NOT_PUBLISHABLE", "")
	// Enabling an unpublishable flow therefore stays a silent no-op.
	got := expectJSON(t, c.do("PATCH", "/v1/workflow/"+id+"/status", map[string]any{"status": "ENABLED"}), 200)
	if got["status"] != "DISABLED" {
		t.Fatal(got)
	}
	if snap, _ := c.srv.Flow(keyA, id); snap.Published {
		t.Fatal("published")
	}
}

func TestDraft(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	expectEnvelope(t, c.do("POST", "/v1/workflow/"+id+"/draft", nil), 400, "FLOW_NOT_PUBLISHED", "")
	c.importFlow(id, slackImport("published name"))
	expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/publish", nil), 200)
	c.importFlow(id, map[string]any{"displayName": "scratch", "trigger": map[string]any{"type": "EMPTY"}})
	got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/draft", nil), 200)
	if got["name"] != "published name" || obj(got["trigger"])["type"] != "PIECE_TRIGGER" || got["flow_category"] != "empty" {
		t.Fatalf("draft = %v", got)
	}
	snap, _ := c.srv.Flow(keyA, id)
	if fmt.Sprint(snap.Trigger) != fmt.Sprint(snap.PublishedTrigger) {
		t.Fatal("draft differs from published")
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	rec := c.do("DELETE", "/v1/workflow/"+id, nil)
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("delete: %d %q", rec.Code, rec.Body.String())
	}
	expectEnvelope(t, c.do("GET", "/v1/workflow/"+id, nil), 404, "FLOW_NOT_FOUND", "Flow "+id+" not found")
	expectEnvelope(t, c.do("DELETE", "/v1/workflow/"+id, nil), 404, "FLOW_NOT_FOUND", "")
	id2 := str(c.create("y"), "id")
	if c.srv.DeleteFlow(keyB, id2) || !c.srv.DeleteFlow(keyA, id2) || c.srv.DeleteFlow(keyA, id2) {
		t.Fatal("DeleteFlow results")
	}
	expectEnvelope(t, c.do("GET", "/v1/workflow/"+id2, nil), 404, "FLOW_NOT_FOUND", "")
}

func TestKeyScoping(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("a's flow"), "id")
	b := c.as(keyB)
	for _, rc := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/workflow/" + id, nil},
		{"PATCH", "/v1/workflow/" + id + "/rename", map[string]any{"name": "stolen"}},
		{"PATCH", "/v1/workflow/" + id + "/status", map[string]any{"status": "ENABLED"}},
		{"POST", "/v1/workflow/" + id + "/publish", nil},
		{"POST", "/v1/workflow/" + id + "/draft", nil},
		{"POST", "/v1/workflow/" + id + "/import", slackImport("x")},
		{"PATCH", "/v1/workflow/" + id + "/trigger", map[string]any{"type": "EMPTY", "displayName": "x", "settings": map[string]any{}}},
		{"DELETE", "/v1/workflow/" + id, nil},
	} {
		expectEnvelope(t, b.do(rc.method, rc.path, rc.body), 404, "FLOW_NOT_FOUND", "Flow "+id+" not found")
	}
	list := expectJSON(t, b.do("GET", "/v1/workflow/", nil), 200)
	if len(list["data"].([]any)) != 0 {
		t.Fatal("key B sees key A's flows")
	}
	if len(c.srv.Flows(keyB)) != 0 || len(c.srv.Flows(keyA)) != 1 || c.srv.Flows(keyA)[0].Name != "a's flow" {
		t.Fatal("snapshots")
	}
	if _, ok := c.srv.Flow(keyB, id); ok {
		t.Fatal("Flow(keyB)")
	}
}

func TestRequestsAndWriteCount(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")                                      // write
	c.do("GET", "/v1/workflow/"+id, nil)                                // read
	c.do("PATCH", "/v1/workflow/"+id+"/rename", map[string]any{})       // write, 422
	c.do("POST", "/v1/workflow/"+id+"/publish", nil)                    // write, 400
	c.do("DELETE", "/v1/workflow/nope", nil)                            // write, 404
	c.do("POST", "/v1/workflow/"+id+"/test", map[string]any{})          // write, 400 (EMPTY trigger)
	c.do("POST", "/v1/workflow", map[string]any{"name": "x"})           // redirect: no route reached
	c.do("PUT", "/v1/workflow/"+id, nil)                                // 405: no route reached
	c.as(keyB).do("POST", "/v1/workflow/", map[string]any{"name": "b"}) // other key
	c.as("bogus").do("DELETE", "/v1/workflow/"+id, nil)                 // 401, counted for "bogus"
	c.srv.SeedFlows(keyA, 3, "seed ")                                   // out of band
	c.srv.RenameFlow(keyA, id, "ui")                                    // out of band
	if n := c.srv.WriteCount(keyA); n != 5 {
		t.Fatalf("WriteCount(A) = %d, want 5", n)
	}
	if n := c.srv.WriteCount(keyB); n != 1 {
		t.Fatalf("WriteCount(B) = %d", n)
	}
	if n := c.srv.WriteCount("bogus"); n != 1 {
		t.Fatalf("WriteCount(bogus) = %d", n)
	}
	reqs := c.srv.Requests()
	if len(reqs) != 10 {
		t.Fatalf("%d records: %+v", len(reqs), reqs)
	}
	want := RequestRecord{Method: "POST", Path: "/v1/workflow", Status: 307, APIKey: keyA}
	if reqs[6] != want {
		t.Fatalf("record %+v", reqs[6])
	}
	if reqs[2].Status != 422 || reqs[3].Status != 400 || reqs[5].Status != 400 || reqs[9].Status != 401 || reqs[9].APIKey != "bogus" {
		t.Fatalf("%+v", reqs)
	}
	c.do("GET", "/v1/workflow/?limit=3", nil)
	if r := c.srv.Requests(); r[len(r)-1].RawQuery != "limit=3" || r[len(r)-1].Path != "/v1/workflow/" {
		t.Fatalf("%+v", r[len(r)-1])
	}
	c.srv.ResetRequests()
	if len(c.srv.Requests()) != 0 || c.srv.WriteCount(keyA) != 0 {
		t.Fatal("reset")
	}
}

func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		key := keyA
		if w%2 == 1 {
			key = keyB
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				req := httptest.NewRequest("POST", "/v1/workflow/", strings.NewReader(fmt.Sprintf(`{"name":"w%d-%d"}`, w, i)))
				req.Header.Set("Authorization", "Bearer "+key)
				rec := httptest.NewRecorder()
				c.srv.ServeHTTP(rec, req)
				if rec.Code != 201 {
					t.Errorf("status %d", rec.Code)
				}
				req = httptest.NewRequest("GET", "/v1/workflow/?limit=30", nil)
				req.Header.Set("Authorization", "Bearer "+key)
				c.srv.ServeHTTP(httptest.NewRecorder(), req)
				_ = c.srv.Flows(key)
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, k := range []string{keyA, keyB} {
		flows := c.srv.Flows(k)
		if len(flows) != workers/2*each {
			t.Fatalf("%s: %d flows", k, len(flows))
		}
		for _, f := range flows {
			if seen[f.ID] {
				t.Fatalf("duplicate id %s", f.ID)
			}
			seen[f.ID] = true
		}
	}
	if c.srv.WriteCount(keyA)+c.srv.WriteCount(keyB) != workers*each || len(c.srv.Requests()) != 2*workers*each {
		t.Fatal("request accounting")
	}
}
