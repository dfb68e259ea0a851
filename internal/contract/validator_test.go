package contract

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

func TestOperationMatching(t *testing.T) {
	t.Parallel()
	v := mustLoad(t)
	cases := []struct{ method, path, want string }{
		{"GET", "/v1/workflow/", "GET /v1/workflow/"},
		{"POST", "/v1/workflow/", "POST /v1/workflow/"},
		{"GET", "/v1/workflow", ""},
		{"GET", "/v1/workflow/abc", "GET /v1/workflow/{flow_id}"},
		{"GET", "/v1/workflow/abc/", ""},
		{"GET", "/v1/workflow/a%2Fb%20c%3F", "GET /v1/workflow/{flow_id}"},
		{"GET", "/v1/workflow/piece", "GET /v1/workflow/piece"},
		{"DELETE", "/v1/workflow/piece", "DELETE /v1/workflow/{flow_id}"},
		{"GET", "/v1/workflow/template/3c90c3cc-0d44-4b50-8888-8dd25736052a", "GET /v1/workflow/template/{template_id}"},
		{"GET", "/v1/workflow/executions/r1", "GET /v1/workflow/executions/{run_id}"},
		{"GET", "/v1/workflow/f1/executions", "GET /v1/workflow/{flow_id}/executions"},
		{"POST", "/v1/workflow/f1/action/move", "POST /v1/workflow/{flow_id}/action/move"},
		{"DELETE", "/v1/workflow/f1/action/move", "DELETE /v1/workflow/{flow_id}/action/{action_name}"},
		{"PUT", "/v1/workflow/f1", ""},
		{"GET", "/V1/workflow/", ""},
		// The pre-July template path is simply "get flow" with flow_id
		// "templates" today.
		{"GET", "/v1/workflow/templates", "GET /v1/workflow/{flow_id}"},
	}
	for _, tc := range cases {
		got, ok := v.Operation(tc.method, tc.path)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Operation(%s %s) = %q %v, want %q", tc.method, tc.path, got, ok, tc.want)
		}
	}
}

type exchange struct {
	method, target, auth, ctype, body string
	status                            int
	respHeader                        map[string]string
	respBody                          string
}

const flowJSON = `{"id":"f1","created":"2026-07-22T10:00:00Z","updated":"2026-07-22T10:00:00.5+02:00"}`

func (x exchange) run(t *testing.T, v *Validator) []string {
	t.Helper()
	var body *strings.Reader
	if x.body != "" {
		body = strings.NewReader(x.body)
	} else {
		body = strings.NewReader("")
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, val := range x.respHeader {
			w.Header().Set(k, val)
		}
		if x.respBody != "" && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(x.status)
		_, _ = w.Write([]byte(x.respBody))
	})
	var got []string
	mw := v.Middleware(handler, func(vio Violation) {
		if !strings.Contains(vio.String(), vio.Field) || vio.Status != x.status {
			t.Errorf("malformed violation %+v", vio)
		}
		got = append(got, vio.Direction+" "+vio.Field)
	})
	req := httptest.NewRequest(x.method, x.target, body)
	if x.auth != "-" {
		auth := x.auth
		if auth == "" {
			auth = "Bearer k"
		}
		req.Header.Set("Authorization", auth)
	}
	if x.ctype != "" {
		req.Header.Set("Content-Type", x.ctype)
	} else if x.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	mw.ServeHTTP(httptest.NewRecorder(), req)
	sort.Strings(got)
	return got
}

func TestRules(t *testing.T) {
	t.Parallel()
	v := mustLoad(t)
	envelope := `{"status":"error","error_code":"X","message":"m"}`
	cases := map[string]struct {
		x    exchange
		want []string
	}{
		// Requests.
		"valid get":                {exchange{method: "GET", target: "/v1/workflow/f1", status: 200, respBody: flowJSON}, nil},
		"missing auth":             {exchange{method: "GET", target: "/v1/workflow/f1", auth: "-", status: 200, respBody: flowJSON}, []string{"request header.Authorization"}},
		"basic auth":               {exchange{method: "GET", target: "/v1/workflow/f1", auth: "Basic a2V5", status: 200, respBody: flowJSON}, []string{"request header.Authorization"}},
		"public piece route":       {exchange{method: "GET", target: "/v1/workflow/piece?search=slack&categories=AI&categories=SALES_AND_CRM", auth: "-", status: 200, respBody: `[]`}, nil},
		"bad repeated enum":        {exchange{method: "GET", target: "/v1/workflow/piece?categories=AI&categories=XX", status: 200, respBody: `[]`}, []string{"request query.categories.1"}},
		"undocumented query":       {exchange{method: "GET", target: "/v1/workflow/?limit=5&sort=name", status: 200, respBody: `{"data":[],"has_more":false}`}, []string{"request query.sort"}},
		"repeated scalar query":    {exchange{method: "GET", target: "/v1/workflow/?limit=5&limit=6", status: 200, respBody: `{"data":[],"has_more":false}`}, []string{"request query.limit"}},
		"non-integer limit":        {exchange{method: "GET", target: "/v1/workflow/?limit=ten", status: 422, respBody: `{"detail":[]}`}, []string{"request query.limit"}},
		"bad uuid path":            {exchange{method: "GET", target: "/v1/workflow/template/nope", status: 404, respBody: envelope}, []string{"request path.template_id"}},
		"body on publish":          {exchange{method: "POST", target: "/v1/workflow/f1/publish", body: `{}`, status: 200, respBody: flowJSON}, []string{"request body"}},
		"missing required body":    {exchange{method: "DELETE", target: "/v1/workflow/f1/branch", status: 200, respBody: flowJSON}, []string{"request body"}},
		"optional body may be out": {exchange{method: "POST", target: "/v1/workflow/template/3c90c3cc-0d44-4b50-8888-8dd25736052a/copy", status: 200, respBody: `{"flow_id":"f","flow_name":"n","edit_url":"u"}`}, nil},
		"wrong content type":       {exchange{method: "POST", target: "/v1/workflow/", body: `{"name":"x"}`, ctype: "text/plain", status: 201, respBody: flowJSON}, []string{"request header.Content-Type"}},
		"undeclared request key":   {exchange{method: "POST", target: "/v1/workflow/", body: `{"name":"x","description":"d"}`, status: 201, respBody: flowJSON}, []string{"request body.description"}},
		"undocumented route":       {exchange{method: "GET", target: "/v1/nothing", status: 404, respBody: `{"detail":"Not Found"}`}, []string{"request path"}},
		"undocumented method":      {exchange{method: "PUT", target: "/v1/workflow/f1", status: 405, respBody: `{"detail":"Method Not Allowed"}`}, []string{"request path"}},
		"slash form redirected":    {exchange{method: "POST", target: "/v1/workflow?x=1", body: `{"name":"x"}`, status: 307, respHeader: map[string]string{"Location": "http://example.com/v1/workflow/?x=1"}}, nil},
		"slash form served":        {exchange{method: "GET", target: "/v1/workflow", status: 200, respBody: `{"data":[],"has_more":false}`}, []string{"request path", "response status"}},
		"redirect elsewhere":       {exchange{method: "GET", target: "/v1/workflow", status: 307, respHeader: map[string]string{"Location": "/v2/workflow/"}}, []string{"request path"}},

		// Responses.
		"wrong success status":        {exchange{method: "POST", target: "/v1/workflow/", body: `{"name":"x"}`, status: 200, respBody: flowJSON}, []string{"response status"}},
		"204 empty":                   {exchange{method: "DELETE", target: "/v1/workflow/f1", status: 204}, nil},
		"200 instead of 204":          {exchange{method: "DELETE", target: "/v1/workflow/f1", status: 200, respBody: `{}`}, []string{"response status"}},
		"envelope on any op (409)":    {exchange{method: "PATCH", target: "/v1/workflow/f1/status", body: `{"status":"ENABLED"}`, status: 409, respBody: envelope}, nil},
		"envelope 401 on a piece":     {exchange{method: "GET", target: "/v1/workflow/piece/p", auth: "-", status: 401, respBody: envelope}, nil},
		"envelope with extra key":     {exchange{method: "GET", target: "/v1/workflow/f1", status: 404, respBody: `{"status":"error","error_code":"X","message":"m","trace":"t"}`}, []string{"response body.trace"}},
		"detail on 404":               {exchange{method: "GET", target: "/v1/workflow/f1", status: 404, respBody: `{"detail":"Not Found"}`}, nil},
		"detail on 503":               {exchange{method: "GET", target: "/v1/workflow/f1", status: 503, respBody: `{"detail":"down"}`}, []string{"response body.detail", "response body.error_code", "response body.message"}},
		"detail object on 404":        {exchange{method: "GET", target: "/v1/workflow/f1", status: 404, respBody: `{"detail":{"a":1}}`}, []string{"response body.detail", "response body.error_code", "response body.message"}},
		"html 502":                    {exchange{method: "GET", target: "/v1/workflow/f1", status: 502, respHeader: map[string]string{"Content-Type": "text/html"}, respBody: "<html></html>"}, []string{"response status"}},
		"500 envelope":                {exchange{method: "GET", target: "/v1/workflow/f1", status: 500, respBody: envelope}, []string{"response status"}},
		"text 404":                    {exchange{method: "GET", target: "/v1/workflow/f1", status: 404, respHeader: map[string]string{"Content-Type": "text/plain"}, respBody: "nope"}, []string{"response header.Content-Type"}},
		"307 with body":               {exchange{method: "GET", target: "/v1/workflow/f1", status: 307, respHeader: map[string]string{"Location": "/x"}, respBody: "{}"}, []string{"response body"}},
		"documented 400 without body": {exchange{method: "POST", target: "/v1/workflow/template/3c90c3cc-0d44-4b50-8888-8dd25736052a/copy", status: 400, respBody: `{"detail":"Invalid template"}`}, nil},
		"documented 503 html":         {exchange{method: "POST", target: "/v1/workflow/template/3c90c3cc-0d44-4b50-8888-8dd25736052a/copy", status: 503, respHeader: map[string]string{"Content-Type": "text/html"}, respBody: "<html>"}, []string{"response body"}},
		"empty 200":                   {exchange{method: "GET", target: "/v1/workflow/f1", status: 200}, []string{"response body"}},
		"not JSON 200":                {exchange{method: "GET", target: "/v1/workflow/f1", status: 200, respBody: "{"}, []string{"response body"}},
		"wrong response content type": {exchange{method: "GET", target: "/v1/workflow/f1", status: 200, respHeader: map[string]string{"Content-Type": "text/plain"}, respBody: flowJSON}, []string{"response header.Content-Type"}},
		"missing required field":      {exchange{method: "GET", target: "/v1/workflow/f1", status: 200, respBody: `{"id":"f1","created":"2026-07-22T10:00:00Z"}`}, []string{"response body.updated"}},
		"naive timestamp":             {exchange{method: "GET", target: "/v1/workflow/f1", status: 200, respBody: `{"id":"f1","created":"2026-07-22T10:00:00","updated":"2026-07-22T10:00:00Z"}`}, []string{"response body.created"}},
		"nullable fields null":        {exchange{method: "GET", target: "/v1/workflow/f1", status: 200, respBody: `{"id":"f1","created":"2026-07-22T10:00:00Z","updated":"2026-07-22T10:00:00Z","name":null,"status":null,"flow_category":null,"trigger":null}`}, nil},
		"variables null":              {exchange{method: "GET", target: "/v1/workflow/f1", status: 200, respBody: `{"id":"f1","created":"2026-07-22T10:00:00Z","updated":"2026-07-22T10:00:00Z","produced_variables":null}`}, []string{"response body.produced_variables"}},
		"422 items with input/ctx":    {exchange{method: "POST", target: "/v1/workflow/", body: `{"name":"x"}`, status: 422, respBody: `{"detail":[{"type":"t","loc":["body",0],"msg":"m","input":"","ctx":{"a":1},"url":"u"}]}`}, nil},
		"422 item without msg":        {exchange{method: "POST", target: "/v1/workflow/", body: `{"name":"x"}`, status: 422, respBody: `{"detail":[{"type":"t","loc":["body"]}]}`}, []string{"response body.detail.0.msg"}},
	}
	for name, tc := range cases {
		got := tc.x.run(t, v)
		want := append([]string(nil), tc.want...)
		sort.Strings(want)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: violations %q, want %q", name, got, want)
		}
	}
}

func TestCheckResponseAlone(t *testing.T) {
	t.Parallel()
	v := mustLoad(t)
	h := http.Header{"Content-Type": {"application/json"}}
	if got := v.CheckResponse("GET", "/v1/workflow/f1", 200, h, []byte(flowJSON)); len(got) != 0 {
		t.Errorf("valid answer: %v", got)
	}
	got := v.CheckResponse("GET", "/v1/unknown", 200, h, []byte(`{}`))
	if len(got) != 2 || got[0].Direction != "request" || got[0].Field != "path" || got[1].Field != "status" {
		t.Errorf("undocumented path: %v", got)
	}
	if got := v.CheckRequest(httptest.NewRequest("GET", "/v1/workflow", nil), nil); len(got) != 1 || !strings.Contains(got[0].Message, `"/v1/workflow/"`) {
		t.Errorf("slash form alone: %v", got)
	}
}

func TestCoverageCounts(t *testing.T) {
	v := mustLoad(t)
	before := v.Seen()["GET /v1/workflow/{flow_id}/executions"]
	exchange{method: "GET", target: "/v1/workflow/f1/executions", status: 200, respBody: `{"data":[],"has_more":false}`}.run(t, v)
	if after := v.Seen()["GET /v1/workflow/{flow_id}/executions"]; after != before+1 {
		t.Errorf("Seen went from %d to %d", before, after)
	}
	cov := v.Coverage()
	if len(cov.Documented) != len(v.Operations()) || len(cov.Unseen) >= len(cov.Documented) {
		t.Errorf("Coverage = %+v", cov)
	}
	if !strings.Contains(cov.String(), "documented operations exercised") {
		t.Errorf("Coverage.String() = %q", cov.String())
	}
}

// TestWrapRequests shows the opt-out for fault-injecting handlers: answers
// (an HTML 502, a dropped connection) are not checked, requests still are.
func TestWrapRequests(t *testing.T) {
	t.Parallel()
	rt := &recordingTB{TB: t}
	srv := httptest.NewServer(WrapRequests(rt, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/workflow/drop" {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack through the middleware: %v", err)
				return
			}
			_ = conn.Close()
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>502</html>"))
	})))
	defer srv.Close()
	get := func(path string) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer k")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}
	get("/v1/workflow/f1")
	get("/v1/workflow/drop")
	if errs := rt.errs(); len(errs) != 0 {
		t.Fatalf("answers were checked: %q", errs)
	}
	// Reports are made before the answer is sent, so they are there as soon
	// as the call returns.
	get("/v1/workflow/f1?sort=name")
	get("/v1/workflow/?limit=99")
	errs := rt.errs()
	if len(errs) != 2 || !strings.Contains(errs[0], "query.sort") || !strings.Contains(errs[1], "query.limit") {
		t.Errorf("errors = %q, want the two bad requests", errs)
	}
}
