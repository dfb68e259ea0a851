package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/contract"
)

// Helpers shared by templates_test.go, pieces_test.go and
// connections_test.go (named catalog* so they stay out of the way of the
// other test files' helpers).

const catalogKey = "sk-CATALOG-9d2e-test-key"

type catalogRequest struct {
	Method     string
	RequestURI string // escaped path and query as sent
	Path       string // decoded path
	Query      url.Values
	Header     http.Header
	Body       []byte
}

type catalogServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []catalogRequest
}

// newCatalogServer records every request and hands it to h. With checked,
// requests and answers are also held to Diga's contract (contract.Wrap);
// servers that answer off-contract on purpose (unknown fields, echoed
// secrets) pass false.
func newCatalogServer(t *testing.T, checked bool, h http.HandlerFunc) *catalogServer {
	t.Helper()
	s := &catalogServer{}
	var handler http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, catalogRequest{
			Method: r.Method, RequestURI: r.RequestURI, Path: r.URL.Path,
			Query: r.URL.Query(), Header: r.Header.Clone(), Body: body,
		})
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	})
	if checked {
		handler = contract.Wrap(t, handler)
	}
	s.Server = httptest.NewServer(handler)
	t.Cleanup(s.Close)
	return s
}

func (s *catalogServer) requests() []catalogRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]catalogRequest(nil), s.reqs...)
}

func (s *catalogServer) only(t *testing.T) catalogRequest {
	t.Helper()
	reqs := s.requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

// newCatalogClient has no retries unless retries > 0; waits are 1ns.
func newCatalogClient(t *testing.T, s *catalogServer, retries int, logger client.Logger) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{
		BaseURL:      s.URL,
		APIKey:       catalogKey,
		Logger:       logger,
		MaxRetries:   &retries,
		RetryWaitMin: time.Nanosecond,
		RetryWaitMax: time.Nanosecond,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func catalogWrite(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func catalogAnswer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { catalogWrite(w, status, body) }
}

// catalogLogger records every entry rendered as text.
type catalogLogger struct {
	mu      sync.Mutex
	entries []string
}

func (l *catalogLogger) Debug(_ context.Context, msg string, f map[string]any) { l.add(msg, f) }
func (l *catalogLogger) Warn(_ context.Context, msg string, f map[string]any)  { l.add(msg, f) }
func (l *catalogLogger) add(msg string, f map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, fmt.Sprintf("%s %v", msg, f))
}

func (l *catalogLogger) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.entries, "\n")
}

func catalogAssertBearer(t *testing.T, r catalogRequest) {
	t.Helper()
	if got := r.Header.Get("Authorization"); got != "Bearer "+catalogKey {
		t.Errorf("Authorization = %q, want the bearer key", got)
	}
}

func catalogAPIError(t *testing.T, err error) *client.APIError {
	t.Helper()
	var e *client.APIError
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return e
}

func catalogJSONEqual(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v in %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// Template ids are UUIDs in the contract.
const (
	tplA = "11111111-1111-4111-8111-111111111111"
	tplB = "22222222-2222-4222-8222-222222222222"
	tplC = "33333333-3333-4333-8333-333333333333"
	tplD = "44444444-4444-4444-8444-444444444444"
)

func tplJSON(id, name string) string {
	return fmt.Sprintf(`{"id":%q,"name":%q,"language":"es","template":{"displayName":%q}}`, id, name, name)
}

func TestListTemplates_followsCursorsAcrossPages(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, true, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("after") {
		case "":
			catalogWrite(w, 200, `{"data":[`+tplJSON(tplA, "a")+`,`+tplJSON(tplB, "b")+`],"has_more":true,"first_id":"`+tplA+`","last_id":"`+tplB+`"}`)
		case tplB:
			// last_id null: the last template's id is the cursor.
			catalogWrite(w, 200, `{"data":[`+tplJSON(tplC, "c")+`],"has_more":true,"last_id":null}`)
		case tplC:
			catalogWrite(w, 200, `{"data":[`+tplJSON(tplD, "d")+`],"has_more":false,"first_id":"`+tplD+`","last_id":"`+tplD+`"}`)
		default:
			catalogWrite(w, 404, `{"detail":"Not Found"}`)
		}
	})
	c := newCatalogClient(t, s, 0, nil)
	cat := client.FlowCategoryPostCall
	listed, err := c.ListTemplates(context.Background(), client.ListTemplatesParams{FlowCategory: &cat, Language: "en", Order: "asc"})
	if err != nil {
		t.Fatalf("ListTemplates: %v", err)
	}
	got := listed.Items
	var ids []string
	for _, tpl := range got {
		ids = append(ids, tpl.ID)
	}
	if want := []string{tplA, tplB, tplC, tplD}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
	reqs := s.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, wantAfter := range []string{"", tplB, tplC} {
		r := reqs[i]
		want := url.Values{"limit": {"100"}, "order": {"asc"}, "flow_category": {"post_call"}, "language": {"en"}}
		if wantAfter != "" {
			want.Set("after", wantAfter)
		}
		if r.Method != http.MethodGet || r.Path != "/v1/workflow/template" || !reflect.DeepEqual(r.Query, want) {
			t.Errorf("request %d = %s %s %v, want GET /v1/workflow/template %v", i, r.Method, r.Path, r.Query, want)
		}
		if len(r.Body) != 0 {
			t.Errorf("request %d has a body: %s", i, r.Body)
		}
		catalogAssertBearer(t, r)
	}
	if string(got[0].Template) != `{"displayName":"a"}` {
		t.Errorf("Template = %s", got[0].Template)
	}
}

func TestListTemplates_defaultsAndLimits(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, true, catalogAnswer(200, `{"data":[],"has_more":false}`))
	c := newCatalogClient(t, s, 0, nil)
	listed, err := c.ListTemplates(context.Background(), client.ListTemplatesParams{})
	if err != nil {
		t.Fatalf("ListTemplates: %v", err)
	}
	got := listed.Items
	if got == nil || len(got) != 0 {
		t.Errorf("got %#v, want an empty non-nil slice", got)
	}
	if q := s.only(t).Query; !reflect.DeepEqual(q, url.Values{"limit": {"100"}}) {
		t.Errorf("query = %v, want only limit=100", q)
	}

	if _, err := c.ListTemplates(context.Background(), client.ListTemplatesParams{Limit: 7, Order: "desc"}); err != nil {
		t.Fatalf("ListTemplates: %v", err)
	}
	if q := s.requests()[1].Query; !reflect.DeepEqual(q, url.Values{"limit": {"7"}, "order": {"desc"}}) {
		t.Errorf("query = %v", q)
	}

	for _, p := range []client.ListTemplatesParams{{Limit: 101}, {Limit: -1}, {Order: "newest"}} {
		if _, err := c.ListTemplates(context.Background(), p); err == nil {
			t.Errorf("ListTemplates(%+v) succeeded, want an error", p)
		}
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("invalid parameters were sent: %d requests", n)
	}
}

func TestListTemplates_repeatedOrMissingCursor(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ body, want string }{
		"repeated": {`{"data":[` + tplJSON(tplA, "a") + `],"has_more":true,"last_id":"` + tplA + `"}`, "repeats cursor"},
		"missing":  {`{"data":[],"has_more":true}`, "no last_id"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newCatalogServer(t, false, catalogAnswer(200, tc.body))
			_, err := newCatalogClient(t, s, 0, nil).ListTemplates(context.Background(), client.ListTemplatesParams{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestGetTemplate_decodesAndIgnoresUnknownFields(t *testing.T) {
	t.Parallel()
	const tpl = `{"nodes":[1,2],"trigger":{"name":"trigger","type":"EMPTY"},  "x": "<<who>>"}`
	body := `{
		"id": "` + tplA + `", "name": "Lead to CRM", "language": "en",
		"description": "Sends leads", "flow_category": "post_call",
		"setup_guide_url": "https://docs.diga.io/x",
		"template": ` + tpl + `,
		"connections": [{"key": "crm", "name": "CRM", "description": null, "piece_name": "@activepieces/piece-hubspot", "auth_type": "SECRET_TEXT", "extra": 1}],
		"variables": ["<<who>>", "company"],
		"brand_new_field": {"nested": true}
	}`
	s := newCatalogServer(t, false, catalogAnswer(200, body))
	c := newCatalogClient(t, s, 0, nil)
	got, err := c.GetTemplate(context.Background(), tplA)
	if err != nil {
		t.Fatalf("GetTemplate: %v", err)
	}
	r := s.only(t)
	if r.Method != http.MethodGet || r.RequestURI != "/v1/workflow/template/"+tplA {
		t.Errorf("request = %s %s", r.Method, r.RequestURI)
	}
	catalogAssertBearer(t, r)
	cat := client.FlowCategoryPostCall
	desc, guide := "Sends leads", "https://docs.diga.io/x"
	want := &client.FlowTemplate{
		ID: tplA, Name: "Lead to CRM", Language: "en",
		Description: &desc, SetupGuideURL: &guide, FlowCategory: &cat,
		Template: json.RawMessage(tpl),
		Connections: []client.TemplateConnection{{
			Key: "crm", Name: "CRM", PieceName: "@activepieces/piece-hubspot", AuthType: "SECRET_TEXT",
		}},
		Variables: []client.TemplateVariable{{Name: "<<who>>"}, {Name: "company"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

func TestGetTemplate_minimalNullsAndErrors(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, true, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, tplB) {
			catalogWrite(w, 404, `{"status":"error","error_code":"TEMPLATE_NOT_FOUND","message":"Template not found"}`)
			return
		}
		catalogWrite(w, 200, `{"id":"`+tplA+`","name":"n","language":"es","template":{},"description":null,"flow_category":null,"setup_guide_url":null,"connections":null}`)
	})
	c := newCatalogClient(t, s, 0, nil)
	got, err := c.GetTemplate(context.Background(), tplA)
	if err != nil {
		t.Fatalf("GetTemplate: %v", err)
	}
	if got.Description != nil || got.FlowCategory != nil || got.SetupGuideURL != nil || got.Connections != nil || got.Variables != nil {
		t.Errorf("nulls decoded as values: %#v", got)
	}
	if string(got.Template) != "{}" {
		t.Errorf("Template = %s", got.Template)
	}
	_, err = c.GetTemplate(context.Background(), tplB)
	if !client.IsNotFound(err) {
		t.Errorf("err = %v, want a 404", err)
	}

	for _, id := range []string{"", ".."} {
		if _, err := c.GetTemplate(context.Background(), id); err == nil {
			t.Errorf("GetTemplate(%q) succeeded", id)
		}
		if _, err := c.CopyTemplate(context.Background(), id, nil); err == nil {
			t.Errorf("CopyTemplate(%q) succeeded", id)
		}
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (bad ids are refused before sending)", n)
	}
}

func TestGetTemplate_rejectsAnswerWithoutID(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, false, catalogAnswer(200, `{"name":"x","language":"es","template":{}}`))
	if _, err := newCatalogClient(t, s, 0, nil).GetTemplate(context.Background(), tplA); err == nil || !strings.Contains(err.Error(), "no id") {
		t.Errorf("err = %v, want a missing-id error", err)
	}
}

const copyAnswer = `{"flow_id":"lod6JEdKyPlvrnErdnrGa","flow_name":"My copy","edit_url":"https://app.diga.io/flows/lod6JEdKyPlvrnErdnrGa"}`

func TestCopyTemplate_withBody(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, true, catalogAnswer(200, copyAnswer))
	c := newCatalogClient(t, s, 0, nil)
	name := "My copy"
	got, err := c.CopyTemplate(context.Background(), tplA, &client.CopyTemplateRequest{
		FlowName:    &name,
		Variables:   map[string]any{"who": "Ana", "n": 3, "on": true},
		Connections: []client.TemplateConnectionValue{{Key: "crm", Value: "tok-123456"}},
	})
	if err != nil {
		t.Fatalf("CopyTemplate: %v", err)
	}
	want := &client.CopyTemplateResult{FlowID: "lod6JEdKyPlvrnErdnrGa", FlowName: "My copy", EditURL: "https://app.diga.io/flows/lod6JEdKyPlvrnErdnrGa"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	r := s.only(t)
	if r.Method != http.MethodPost || r.RequestURI != "/v1/workflow/template/"+tplA+"/copy" {
		t.Errorf("request = %s %s", r.Method, r.RequestURI)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	catalogAssertBearer(t, r)
	catalogJSONEqual(t, "body", r.Body, `{"flow_name":"My copy","variables":{"who":"Ana","n":3,"on":true},"connections":[{"key":"crm","value":"tok-123456"}]}`)

	// An empty request is an empty object.
	if _, err := c.CopyTemplate(context.Background(), tplA, &client.CopyTemplateRequest{}); err != nil {
		t.Fatalf("CopyTemplate: %v", err)
	}
	if b := s.requests()[1].Body; string(b) != "{}" {
		t.Errorf("empty request body = %q, want {}", b)
	}
}

func TestCopyTemplate_nilRequestSendsNoBody(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, true, catalogAnswer(200, copyAnswer))
	if _, err := newCatalogClient(t, s, 0, nil).CopyTemplate(context.Background(), tplA, nil); err != nil {
		t.Fatalf("CopyTemplate: %v", err)
	}
	r := s.only(t)
	if len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
		t.Errorf("body %q, Content-Type %q: want neither", r.Body, r.Header.Get("Content-Type"))
	}
	if r.Method != http.MethodPost || r.Path != "/v1/workflow/template/"+tplA+"/copy" {
		t.Errorf("request = %s %s", r.Method, r.Path)
	}
}

func TestCopyTemplate_retriesOnlyWhatCannotHaveCreatedAFlow(t *testing.T) {
	t.Parallel()
	t.Run("503 then 200 is retried", func(t *testing.T) {
		t.Parallel()
		var n int
		var mu sync.Mutex
		s := newCatalogServer(t, true, func(w http.ResponseWriter, _ *http.Request) {
			mu.Lock()
			n++
			first := n == 1
			mu.Unlock()
			if first {
				catalogWrite(w, 503, `{"status":"error","error_code":"WORKFLOW_SERVICE_UNAVAILABLE","message":"down"}`)
				return
			}
			catalogWrite(w, 200, copyAnswer)
		})
		if _, err := newCatalogClient(t, s, 3, nil).CopyTemplate(context.Background(), tplA, nil); err != nil {
			t.Fatalf("CopyTemplate: %v", err)
		}
		if got := len(s.requests()); got != 2 {
			t.Errorf("%d requests, want 2", got)
		}
	})
	for _, status := range []int{502, 504, 500} {
		t.Run(fmt.Sprint(status, " is not retried"), func(t *testing.T) {
			t.Parallel()
			s := newCatalogServer(t, false, catalogAnswer(status, `{"status":"error","error_code":"X","message":"lost"}`))
			_, err := newCatalogClient(t, s, 3, nil).CopyTemplate(context.Background(), tplA, nil)
			if !errors.Is(err, client.ErrCopyOutcomeUnknown) {
				t.Errorf("err = %v, want ErrCopyOutcomeUnknown", err)
			}
			if e := catalogAPIError(t, err); e.StatusCode != status {
				t.Errorf("status = %d", e.StatusCode)
			}
			if got := len(s.requests()); got != 1 {
				t.Errorf("%d requests, want 1", got)
			}
		})
	}
	t.Run("400 is a plain error", func(t *testing.T) {
		t.Parallel()
		s := newCatalogServer(t, true, catalogAnswer(400, `{"status":"error","error_code":"INVALID_TEMPLATE","message":"Invalid template"}`))
		_, err := newCatalogClient(t, s, 3, nil).CopyTemplate(context.Background(), tplA, nil)
		if err == nil || errors.Is(err, client.ErrCopyOutcomeUnknown) {
			t.Errorf("err = %v, want a plain APIError", err)
		}
		if e := catalogAPIError(t, err); e.StatusCode != 400 {
			t.Errorf("status = %d", e.StatusCode)
		}
	})
	t.Run("200 without flow_id", func(t *testing.T) {
		t.Parallel()
		s := newCatalogServer(t, false, catalogAnswer(200, `{"flow_name":"x","edit_url":"y"}`))
		_, err := newCatalogClient(t, s, 3, nil).CopyTemplate(context.Background(), tplA, nil)
		if !errors.Is(err, client.ErrCopyOutcomeUnknown) {
			t.Errorf("err = %v, want ErrCopyOutcomeUnknown", err)
		}
	})
}

func TestCopyTemplate_redactsConnectionValuesInErrors(t *testing.T) {
	t.Parallel()
	const secret = `xoxb-"very"-sécret`
	// A FastAPI-style 422 echoing the whole body in "input", plus a
	// message repeating the secret.
	s := newCatalogServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		var in any
		_ = json.NewDecoder(r.Body).Decode(&in)
		detail, _ := json.Marshal(map[string]any{
			"detail": []map[string]any{{
				"loc": []any{"body", "connections", 0, "value"}, "msg": "Value error, bad token " + secret,
				"type": "value_error", "input": in,
			}},
		})
		catalogWrite(w, 422, string(detail))
	})
	logger := &catalogLogger{}
	_, err := newCatalogClient(t, s, 0, logger).CopyTemplate(context.Background(), tplA, &client.CopyTemplateRequest{
		Connections: []client.TemplateConnectionValue{{Key: "slack", Value: secret}},
	})
	e := catalogAPIError(t, err)
	for what, text := range map[string]string{"error": err.Error(), "APIError": fmt.Sprintf("%+v", *e), "logs": logger.text()} {
		if strings.Contains(text, "sécret") || strings.Contains(text, "very") {
			t.Errorf("%s shows the secret: %s", what, text)
		}
	}
	if !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("error %q does not mark the redaction", err)
	}
}

func TestTemplateConnectionValue_formattingHidesValue(t *testing.T) {
	t.Parallel()
	req := client.CopyTemplateRequest{Connections: []client.TemplateConnectionValue{{Key: "k", Value: "s3cr3t-value"}}}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(f, req); strings.Contains(out, "s3cr3t") {
			t.Errorf("%s shows the value: %s", f, out)
		}
	}
}
