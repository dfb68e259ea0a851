package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/api"
)

func mustLoad(t testing.TB) *Validator {
	t.Helper()
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// harness drives a handler in-process through Middleware and collects the
// violations instead of failing, so tests can assert exactly which ones a
// deliberately wrong request produces.
type harness struct {
	t   *testing.T
	v   *Validator
	h   http.Handler
	key string

	mu  sync.Mutex
	got []Violation
}

func newHarness(t *testing.T, next http.Handler, key string) *harness {
	t.Helper()
	h := &harness{t: t, v: mustLoad(t), key: key}
	h.h = h.v.Middleware(next, func(vio Violation) {
		h.mu.Lock()
		h.got = append(h.got, vio)
		h.mu.Unlock()
	})
	return h
}

// do sends method target with body: nil (none), a string (verbatim) or a
// value (JSON-encoded); JSON content type whenever there is a body.
func (h *harness) do(method, target string, body any) *httptest.ResponseRecorder {
	h.t.Helper()
	return h.doAs(h.key, method, target, body)
}

func (h *harness) doAs(key, method, target string, body any) *httptest.ResponseRecorder {
	h.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			h.t.Fatal(err)
		}
	}
	var rdr io.Reader = http.NoBody
	if raw != nil {
		rdr = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, target, rdr)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return rec
}

// take returns the violations collected since the last call.
func (h *harness) take() []Violation {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.got
	h.got = nil
	return out
}

// expect checks the status and that exactly the wanted violations were
// reported, each given as "direction field" (e.g. "request body.name").
func (h *harness) expect(what string, rec *httptest.ResponseRecorder, status int, want ...string) {
	h.t.Helper()
	if rec.Code != status {
		h.t.Errorf("%s: HTTP %d, want %d; body %s", what, rec.Code, status, rec.Body.String())
	}
	got := h.take()
	var gotKeys []string
	for _, v := range got {
		gotKeys = append(gotKeys, v.Direction+" "+v.Field)
	}
	sort.Strings(gotKeys)
	sort.Strings(want)
	if strings.Join(gotKeys, "\n") != strings.Join(want, "\n") {
		var b strings.Builder
		for _, v := range got {
			b.WriteString("\n  ")
			b.WriteString(v.String())
		}
		h.t.Errorf("%s: violations %q, want %q:%s", what, gotKeys, want, b.String())
	}
}

func decodeMap(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("decoding %q: %v", rec.Body.String(), err)
	}
	return m
}

// rawDoc is the contract as plain JSON, for building example requests.
func rawDoc(t testing.TB) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(api.OpenAPI))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// opDoc returns the operation object for "METHOD /path".
func opDoc(doc map[string]any, key string) map[string]any {
	method, path, _ := strings.Cut(key, " ")
	item, _ := doc["paths"].(map[string]any)[path].(map[string]any)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	return op
}

// example builds the smallest value that satisfies schema: required
// properties only, first enum value, first non-null anyOf/oneOf branch.
func example(doc map[string]any, schema any) any {
	return exampleDepth(doc, schema, 0)
}

func exampleDepth(doc map[string]any, schema any, depth int) any {
	s, ok := schema.(map[string]any)
	if !ok || depth > 30 {
		return map[string]any{}
	}
	if ref, ok := s["$ref"].(string); ok {
		return exampleDepth(doc, resolveRef(doc, ref), depth+1)
	}
	if c, ok := s["const"]; ok {
		return c
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		for _, sub := range listOf(s[k]) {
			if sm, ok := sub.(map[string]any); ok && sm["type"] == "null" {
				continue
			}
			return exampleDepth(doc, sub, depth+1)
		}
	}
	switch s["type"] {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		for _, r := range listOf(s["required"]) {
			name, _ := r.(string)
			out[name] = exampleDepth(doc, props[name], depth+1)
		}
		return out
	case "array":
		return []any{}
	case "string":
		switch s["format"] {
		case "uuid":
			return "3c90c3cc-0d44-4b50-8888-8dd25736052a"
		case "date-time":
			return "2026-07-22T10:00:00Z"
		}
		n := 1
		if ml, ok := s["minLength"].(json.Number); ok {
			if i, err := ml.Int64(); err == nil && int(i) > n {
				n = int(i)
			}
		}
		return strings.Repeat("x", n)
	case "integer", "number":
		if m, ok := s["minimum"].(json.Number); ok {
			return m
		}
		return json.Number("0")
	case "boolean":
		return false
	}
	return map[string]any{}
}

// exampleRequest is a contract-valid request for op with path parameters
// taken from params (missing ones get "x", or a UUID when the schema says
// so). body is nil when the operation takes none.
func exampleRequest(doc map[string]any, key string, params map[string]string) (method, target string, body any) {
	method, path, _ := strings.Cut(key, " ")
	op := opDoc(doc, key)
	for _, p := range listOf(op["parameters"]) {
		pm, _ := p.(map[string]any)
		if pm["in"] != "path" {
			continue
		}
		name, _ := pm["name"].(string)
		val, ok := params[name]
		if !ok {
			val = fmt.Sprint(example(doc, pm["schema"]))
		}
		path = strings.ReplaceAll(path, "{"+name+"}", val)
	}
	if rb, ok := op["requestBody"].(map[string]any); ok {
		if req, _ := rb["required"].(bool); req {
			content, _ := rb["content"].(map[string]any)
			media, _ := content["application/json"].(map[string]any)
			body = example(doc, media["schema"])
		}
	}
	return method, path, body
}

// exampleResponse is a contract-valid answer for op: its lowest documented
// 2xx status with the smallest body that satisfies the schema.
func exampleResponse(doc map[string]any, key string) (int, []byte) {
	op := opDoc(doc, key)
	resps, _ := op["responses"].(map[string]any)
	best := 0
	for code := range resps {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 && (best == 0 || n < best) {
			best = n
		}
	}
	r, _ := resps[strconv.Itoa(best)].(map[string]any)
	content, _ := r["content"].(map[string]any)
	media, ok := content["application/json"].(map[string]any)
	if !ok {
		return best, nil
	}
	b, _ := json.Marshal(example(doc, media["schema"]))
	return best, b
}

// repoRoot is the directory holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}
