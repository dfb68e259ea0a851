package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

const (
	keyA = "key-a"
	keyB = "key-b"
)

// apiClient drives a Server in-process through httptest recorders.
type apiClient struct {
	t   *testing.T
	srv *Server
	key string
}

func newClient(t *testing.T, opts ...Option) *apiClient {
	t.Helper()
	opts = append([]Option{WithAPIKeys(keyA, keyB)}, opts...)
	return &apiClient{t: t, srv: New(opts...), key: keyA}
}

func (c *apiClient) as(key string) *apiClient {
	return &apiClient{t: c.t, srv: c.srv, key: key}
}

// do sends a request. body may be nil, a string (sent verbatim) or any value
// (JSON-encoded). JSON content type is set whenever a body is sent.
func (c *apiClient) do(method, target string, body any) *httptest.ResponseRecorder {
	c.t.Helper()
	var rdr *bytes.Reader
	switch b := body.(type) {
	case nil:
		rdr = bytes.NewReader(nil)
	case string:
		rdr = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rdr = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, target, rdr)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	rec := httptest.NewRecorder()
	c.srv.ServeHTTP(rec, req)
	return rec
}

func (c *apiClient) create(name string) map[string]any {
	c.t.Helper()
	rec := c.do("POST", "/v1/workflow/", map[string]any{"name": name})
	return expectJSON(c.t, rec, http.StatusCreated)
}

func (c *apiClient) importFlow(id string, body map[string]any) map[string]any {
	c.t.Helper()
	return expectJSON(c.t, c.do("POST", "/v1/workflow/"+id+"/import", body), http.StatusOK)
}

func expectJSON(t *testing.T, rec *httptest.ResponseRecorder, status int) map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
	return m
}

// expectEnvelope checks Diga's ErrorResponseSchema.
func expectEnvelope(t *testing.T, rec *httptest.ResponseRecorder, status int, code, message string) {
	t.Helper()
	got := expectJSON(t, rec, status)
	want := map[string]any{"status": "error", "error_code": code, "message": message}
	if message == "" {
		delete(got, "message")
		delete(want, "message")
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("envelope = %v, want %v", got, want)
	}
}

// expectDetail checks a FastAPI 422 body against the wanted items (compared
// as decoded JSON).
func expectDetail(t *testing.T, rec *httptest.ResponseRecorder, want string) {
	t.Helper()
	got := expectJSON(t, rec, http.StatusUnprocessableEntity)
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want: %v", err)
	}
	if !reflect.DeepEqual(got["detail"], w) {
		g, _ := json.Marshal(got["detail"])
		t.Fatalf("detail =\n%s\nwant\n%s", g, want)
	}
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func mustContain(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}
