package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// clientCalls drives each exported API method of *client.Client once.
// TestCoverage fails when a method is missing here, so a new client method
// cannot skip the contract check. The client has a method only for what the
// provider calls, so operations the emulator serves for tests that act as
// the Diga UI (the step and branch edits, POST /v1/workflow/{flow_id}/draft)
// are reported as "emulator only", which is expected.
var clientCalls = map[string]func(context.Context, *client.Client) error{
	"CreateFlow": func(ctx context.Context, c *client.Client) error { _, err := c.CreateFlow(ctx, "coverage"); return err },
	"GetFlow":    func(ctx context.Context, c *client.Client) error { _, err := c.GetFlow(ctx, "f1"); return err },
	"ReadFlow":   func(ctx context.Context, c *client.Client) error { _, err := c.ReadFlow(ctx, "f1"); return err },
	"ListFlowsPage": func(ctx context.Context, c *client.Client) error {
		s, cat, dig := client.FlowStatusEnabled, client.FlowCategoryPostCall, true
		_, err := c.ListFlowsPage(ctx, client.ListFlowsParams{Status: &s, FlowCategory: &cat, IsDigaTrigger: &dig, Limit: 5}, "f0")
		return err
	},
	"ListFlows": func(ctx context.Context, c *client.Client) error {
		_, err := c.ListFlows(ctx, client.ListFlowsParams{})
		return err
	},
	"RenameFlow": func(ctx context.Context, c *client.Client) error { _, err := c.RenameFlow(ctx, "f1", "n"); return err },
	"DeleteFlow": func(ctx context.Context, c *client.Client) error { return c.DeleteFlow(ctx, "f1") },
	"SetFlowStatus": func(ctx context.Context, c *client.Client) error {
		_, err := c.SetFlowStatus(ctx, "f1", client.FlowStatusEnabled)
		return err
	},
	"ListPieces": func(ctx context.Context, c *client.Client) error {
		_, err := c.ListPieces(ctx, client.ListPiecesParams{Search: "slack", Categories: []string{"AI", "SALES_AND_CRM"}, SuggestionType: "ACTION"})
		return err
	},
	"GetPiece": func(ctx context.Context, c *client.Client) error {
		_, err := c.GetPiece(ctx, "@activepieces/piece-slack")
		return err
	},
	"ListTemplates": func(ctx context.Context, c *client.Client) error {
		cat := client.FlowCategoryPostCall
		_, err := c.ListTemplates(ctx, client.ListTemplatesParams{FlowCategory: &cat, Language: "en", Order: "asc", Limit: 50})
		return err
	},
	"GetTemplate": func(ctx context.Context, c *client.Client) error {
		_, err := c.GetTemplate(ctx, "3c90c3cc-0d44-4b50-8888-8dd25736052a")
		return err
	},
	"CopyTemplate": func(ctx context.Context, c *client.Client) error {
		name := "copy"
		_, err := c.CopyTemplate(ctx, "3c90c3cc-0d44-4b50-8888-8dd25736052a", &client.CopyTemplateRequest{
			FlowName:    &name,
			Variables:   map[string]any{"agent": "a1", "threshold": 3, "notify": true},
			Connections: []client.TemplateConnectionValue{{Key: "slack", Value: "xoxb"}},
		})
		return err
	},
	"ListConnections": func(ctx context.Context, c *client.Client) error { _, err := c.ListConnections(ctx); return err },
	"UpsertConnection": func(ctx context.Context, c *client.Client) error {
		_, err := c.UpsertConnection(ctx, client.CreateConnectionRequest{
			PieceName: "@activepieces/piece-slack", DisplayName: "Slack", Type: client.ConnectionTypeSecretText,
			Value: json.RawMessage(`{"secret_text":"xoxb"}`),
		})
		return err
	},
	"PublishFlow": func(ctx context.Context, c *client.Client) error { _, err := c.PublishFlow(ctx, "f1"); return err },
	"ImportFlow": func(ctx context.Context, c *client.Client) error {
		v := "1"
		_, err := c.ImportFlow(ctx, "f1", client.ImportFlowRequest{
			DisplayName: "coverage", SchemaVersion: &v,
			Trigger: json.RawMessage(`{"name":"trigger","type":"EMPTY","settings":{}}`),
		})
		return err
	},
	"TestFlow": func(ctx context.Context, c *client.Client) error { _, err := c.TestFlow(ctx, "f1"); return err },
	"TestStep": func(ctx context.Context, c *client.Client) error {
		_, err := c.TestStep(ctx, "f1", "step_1")
		return err
	},
	"TestTrigger": func(ctx context.Context, c *client.Client) error { _, err := c.TestTrigger(ctx, "f1"); return err },
	"GetSampleData": func(ctx context.Context, c *client.Client) error {
		_, err := c.GetSampleData(ctx, "f1", "trigger", client.SampleInput)
		return err
	},
	"SaveSampleData": func(ctx context.Context, c *client.Client) error {
		_, err := c.SaveSampleData(ctx, "f1", "trigger", client.SaveSampleDataRequest{Payload: json.RawMessage(`{"a":1}`), Type: client.SampleOutput, DataType: client.DataJSON})
		return err
	},
	"ListExecutionsPage": func(ctx context.Context, c *client.Client) error {
		_, err := c.ListExecutionsPage(ctx, "f1", client.ListExecutionsParams{
			Status: client.RunFailed, CreatedAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			CreatedBefore: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Limit: 5,
		}, "r0")
		return err
	},
	"ListExecutions": func(ctx context.Context, c *client.Client) error {
		_, err := c.ListExecutions(ctx, "f1", client.ListExecutionsParams{})
		return err
	},
	"GetExecution": func(ctx context.Context, c *client.Client) error { _, err := c.GetExecution(ctx, "r1"); return err },
	"ListAgents":   func(ctx context.Context, c *client.Client) error { _, err := c.ListAgents(ctx); return err },
	"GetAgent": func(ctx context.Context, c *client.Client) error {
		_, err := c.GetAgent(ctx, coverageAgent)
		return err
	},
	"GetPublishedAgent": func(ctx context.Context, c *client.Client) error {
		_, _, err := c.GetPublishedAgent(ctx, coverageAgent)
		return err
	},
	"GetAgentVersion": func(ctx context.Context, c *client.Client) error {
		_, err := c.GetAgentVersion(ctx, coverageAgent, coverageVersion)
		return err
	},
	"ListAgentVersions": func(ctx context.Context, c *client.Client) error {
		_, err := c.ListAgentVersions(ctx, coverageAgent)
		return err
	},
	"SetAgentFlows": func(ctx context.Context, c *client.Client) error {
		_, err := c.SetAgentFlows(ctx, coverageAgent, []string{"f1"})
		return err
	},
	"LaunchAgentVersion": func(ctx context.Context, c *client.Client) error {
		_, err := c.LaunchAgentVersion(ctx, coverageAgent, "v1")
		return err
	},
	"PublishAgentVersion": func(ctx context.Context, c *client.Client) error {
		_, err := c.PublishAgentVersion(ctx, coverageAgent, client.PublishAgentRequest{
			VersionID: coverageVersion, InboundPhoneNumberID: coveragePhone, OutboundPhoneNumberID: coveragePhone,
		})
		return err
	},
	"ListPhones": func(ctx context.Context, c *client.Client) error {
		_, err := c.ListPhones(ctx, client.PhoneFilter{InboundAgentID: coverageAgent, OutboundAgentID: coverageAgent})
		return err
	},
}

// Agent, version and phone ids are UUIDs in the contract.
const (
	coverageAgent   = "0b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a"
	coverageVersion = "1b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a"
	coveragePhone   = "2b8e4f1e-1c5a-4c3e-9f2a-7d6b5a4c3b2a"
)

// clientNonAPI are exported methods that make no request.
var clientNonAPI = map[string]bool{"BaseURL": true, "String": true, "GoString": true, "FlowReadStats": true}

// TestCoverage proves that every call the client makes and every route the
// emulator serves is a documented operation, and reports the documented
// operations neither side covers yet.
func TestCoverage(t *testing.T) {
	v := mustLoad(t)
	clientOps := coverClient(t, v)
	emulatorOps := coverEmulator(t, v)

	var neither, clientOnly, emulatorOnly, both []string
	for _, op := range v.Operations() {
		c, e := clientOps[op], emulatorOps[op]
		switch {
		case c && e:
			both = append(both, op)
		case c:
			clientOnly = append(clientOnly, op)
		case e:
			emulatorOnly = append(emulatorOnly, op)
		default:
			neither = append(neither, op)
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Diga contract coverage (%s), %d documented operations:\n", v.Upstream(), len(v.Operations()))
	section := func(title string, ops []string) {
		fmt.Fprintf(&b, "  %s (%d):\n", title, len(ops))
		for _, op := range ops {
			fmt.Fprintf(&b, "    %s\n", op)
		}
	}
	section("client and emulator", both)
	section("emulator only (the provider never calls these)", emulatorOnly)
	section("client only (acceptance tests cannot exercise these against the emulator)", clientOnly)
	section("neither client nor emulator", neither)
	// With -v the report goes to stdout once; otherwise t.Log keeps it for
	// a failing run.
	if testing.Verbose() {
		fmt.Print(b.String())
	} else {
		t.Log("\n" + b.String())
	}
}

// coverClient runs every client method against a server that answers each
// documented operation with a minimal valid response, through Middleware.
func coverClient(t *testing.T, v *Validator) map[string]bool {
	t.Helper()
	methods := map[string]bool{}
	typ := reflect.TypeOf(&client.Client{})
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		methods[name] = true
		if _, ok := clientCalls[name]; !ok && !clientNonAPI[name] {
			t.Errorf("client method %s has no entry in clientCalls (coverage_test.go): add one so its requests are checked against the contract", name)
		}
	}
	for name := range clientCalls {
		if !methods[name] {
			t.Errorf("clientCalls names %s, which *client.Client no longer has", name)
		}
	}

	doc := rawDoc(t)
	var mu sync.Mutex
	var current string
	seenBy := map[string]map[string]bool{} // client method → operations
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, ok := v.Operation(r.Method, r.URL.EscapedPath())
		mu.Lock()
		if seenBy[current] == nil {
			seenBy[current] = map[string]bool{}
		}
		if ok {
			seenBy[current][op] = true
		} else {
			seenBy[current]["undocumented "+r.Method+" "+r.URL.EscapedPath()] = true
		}
		mu.Unlock()
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"detail":"Not Found"}`))
			return
		}
		status, body := exampleResponse(doc, op)
		if body != nil {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
	srv := httptest.NewServer(Wrap(t, answer))
	defer srv.Close()
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: "coverage-key"})
	if err != nil {
		t.Fatal(err)
	}

	ops := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(clientCalls)) {
		mu.Lock()
		current = name
		mu.Unlock()
		if err := clientCalls[name](t.Context(), c); err != nil {
			t.Errorf("client.%s against contract-valid answers: %v", name, err)
		}
		mu.Lock()
		got := seenBy[name]
		mu.Unlock()
		if len(got) == 0 {
			t.Errorf("client.%s sent no request", name)
		}
		for op := range got {
			if strings.HasPrefix(op, "undocumented ") {
				t.Errorf("client.%s calls an undocumented route: %s", name, strings.TrimPrefix(op, "undocumented "))
				continue
			}
			ops[op] = true
		}
	}
	return ops
}

// emulatorProbePaths are undocumented routes worth asking about: the
// pre-July template paths, plural and singular slips, and operations other
// APIs have that Diga does not document.
var emulatorProbePaths = []string{
	"/v1/workflow/templates",
	"/v1/workflow/templates/3c90c3cc-0d44-4b50-8888-8dd25736052a/copy",
	"/v1/workflows/",
	"/v1/workflows/{flow_id}",
	"/v1/flows/",
	"/v1/workflow/{flow_id}/export",
	"/v1/workflow/{flow_id}/versions",
	"/v1/workflow/{flow_id}/duplicate",
	"/v1/workflow/{flow_id}/enable",
	"/v1/workflow/{flow_id}/actions",
	"/v1/workflow/{flow_id}/step/step_1/test",
	"/v1/workflow/{flow_id}/execution",
	"/v1/workflow/connections/c1",
	"/v1/workflow/execution/r1",
	"/v1/workflow/{flow_id}/trigger/step_1",
}

// coverEmulator asks the emulator for every documented operation (a
// contract-valid example request through Middleware) and for every
// undocumented method/path pair built from the documented paths and
// emulatorProbePaths. It returns the documented operations the emulator
// implements: answered with something other than 501 NOT_IMPLEMENTED or a
// routing 404/405.
func coverEmulator(t *testing.T, v *Validator) map[string]bool {
	t.Helper()
	doc := rawDoc(t)
	emu := emulator.New(emulator.WithAPIKeys(emuKey))
	h := newHarness(t, emu, emuKey)
	newFlow := func() string {
		rec := h.do("POST", "/v1/workflow/", map[string]any{"name": "coverage"})
		id, _ := decodeMap(t, rec)["id"].(string)
		if rec.Code != 201 || id == "" {
			t.Fatalf("the emulator cannot create flows: HTTP %d %s", rec.Code, rec.Body.String())
		}
		return id
	}

	implemented := map[string]bool{}
	for _, key := range v.Operations() {
		id := newFlow()
		params := map[string]string{"flow_id": id, "step_name": "trigger", "action_name": "step_1"}
		method, target, body := exampleRequest(doc, key, params)
		rec := h.do(method, target, body)
		for _, vio := range h.take() {
			t.Errorf("emulator probe %s: %s", key, vio)
		}
		if routeAnswered(rec) {
			implemented[key] = true
		}

		// The other slash form must only redirect.
		if other := toggleSlash(target); other != "" {
			rec := h.do(method, other, body)
			if rec.Code != http.StatusTemporaryRedirect {
				t.Errorf("emulator answers %s %s (other slash form of %s) with HTTP %d, want a 307 redirect", method, other, key, rec.Code)
			}
			for _, vio := range h.take() {
				t.Errorf("emulator probe %s %s: %s", method, other, vio)
			}
		}
	}

	// Undocumented method/path pairs must get FastAPI's routing answers.
	id := newFlow()
	paths := map[string]bool{}
	for _, key := range v.Operations() {
		_, target, _ := exampleRequest(doc, key, map[string]string{"flow_id": id, "step_name": "trigger", "action_name": "step_1"})
		paths[target] = true
	}
	for _, p := range emulatorProbePaths {
		paths[strings.ReplaceAll(p, "{flow_id}", id)] = true
	}
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if _, documented := v.Operation(method, p); documented {
				continue
			}
			var body any
			if method != "GET" && method != "DELETE" {
				body = map[string]any{}
			}
			rec := h.do(method, p, body)
			h.take() // the request is undocumented on purpose; its answer is checked here
			switch rec.Code {
			case http.StatusNotFound, http.StatusMethodNotAllowed:
				if !isDetail(rec.Header(), rec.Body.Bytes()) {
					t.Errorf("emulator answers undocumented %s %s with HTTP %d %s, want FastAPI's {\"detail\": …}", method, p, rec.Code, rec.Body.String())
				}
			case http.StatusTemporaryRedirect:
				if _, ok := v.Operation(method, toggleSlash(p)); !ok {
					t.Errorf("emulator redirects undocumented %s %s to %s, which is not documented for %s either", method, p, rec.Header().Get("Location"), method)
				}
			default:
				t.Errorf("emulator serves an undocumented route: %s %s → HTTP %d %s", method, p, rec.Code, rec.Body.String())
			}
		}
	}
	return implemented
}

// routeAnswered: not a stub (501 NOT_IMPLEMENTED) and not a routing failure
// (404/405 with FastAPI's {"detail": …}).
func routeAnswered(rec *httptest.ResponseRecorder) bool {
	switch rec.Code {
	case http.StatusNotImplemented:
		var env struct {
			ErrorCode string `json:"error_code"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &env) == nil && env.ErrorCode == "NOT_IMPLEMENTED" {
			return false
		}
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		if isDetail(rec.Header(), rec.Body.Bytes()) {
			return false
		}
	}
	return true
}
