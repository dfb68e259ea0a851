package client_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/contract"
)

// testKey is a sentinel: no error string or log entry may ever contain it.
const testKey = "sk-SENTINEL-7f3a9c-never-print-me"

const testUA = "terraform-provider-diga/0.0.0-test (+https://registry.terraform.io/providers/Diga-io/diga)"

// recordedRequest is what the test server saw.
type recordedRequest struct {
	Method     string
	RequestURI string // escaped path plus query, as sent
	Path       string // decoded path
	Query      url.Values
	Header     http.Header
	Body       []byte
}

type testServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recordedRequest
}

func (s *testServer) Requests() []recordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recordedRequest(nil), s.requests...)
}

func (s *testServer) only(t *testing.T) recordedRequest {
	t.Helper()
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

// newTestServer starts a server that records every request and then hands
// it to handler. Nothing is checked against Diga's contract: use it for
// servers that answer off-contract on purpose (HTML 502s, 5xx, repeated
// cursors, echoed keys, unknown enum values) or for requests the contract
// forbids on purpose. A server that pretends to be Diga uses newDigaServer.
func newTestServer(t *testing.T, handler http.HandlerFunc) *testServer {
	t.Helper()
	return startTestServer(t, handler, false)
}

// newDigaServer is newTestServer for a handler that pretends to be Diga:
// every request the client sends and every answer the handler gives is
// checked against api/diga-openapi.json, and a departure fails the test
// (contract.Wrap).
func newDigaServer(t *testing.T, handler http.HandlerFunc) *testServer {
	t.Helper()
	return startTestServer(t, handler, true)
}

func startTestServer(t *testing.T, handler http.HandlerFunc, checkContract bool) *testServer {
	t.Helper()
	ts := &testServer{}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// The handler reads the body too (an emulator does).
		r.Body = io.NopCloser(bytes.NewReader(body))
		ts.mu.Lock()
		ts.requests = append(ts.requests, recordedRequest{
			Method:     r.Method,
			RequestURI: r.RequestURI,
			Path:       r.URL.Path,
			Query:      r.URL.Query(),
			Header:     r.Header.Clone(),
			Body:       body,
		})
		ts.mu.Unlock()
		handler(w, r)
	})
	if checkContract {
		h = contract.Wrap(t, h)
	}
	ts.Server = httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

func newTestClient(t *testing.T, ts *testServer, logger client.Logger) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{
		BaseURL:   ts.URL + "/",
		APIKey:    testKey,
		UserAgent: testUA,
		Logger:    logger,
		// These tests pin single-answer behaviour; retries have their own
		// tests (retry_test.go, create_test.go).
		MaxRetries: ptr(0),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// respond writes status and body with a JSON content type.
func respond(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

type logEntry struct {
	Level  string
	Msg    string
	Fields map[string]any
}

type recordingLogger struct {
	mu      sync.Mutex
	entries []logEntry
}

func (l *recordingLogger) Debug(_ context.Context, msg string, fields map[string]any) {
	l.add("DEBUG", msg, fields)
}

func (l *recordingLogger) Warn(_ context.Context, msg string, fields map[string]any) {
	l.add("WARN", msg, fields)
}

func (l *recordingLogger) add(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	copied := make(map[string]any, len(fields))
	for k, v := range fields {
		copied[k] = v
	}
	l.entries = append(l.entries, logEntry{Level: level, Msg: msg, Fields: copied})
}

func (l *recordingLogger) Entries() []logEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logEntry(nil), l.entries...)
}

// assertNoKey fails when the sentinel key appears in s.
func assertNoKey(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, testKey) {
		t.Errorf("%s contains the API key: %s", what, s)
	}
}

func assertLogsHaveNoKey(t *testing.T, l *recordingLogger) {
	t.Helper()
	for _, e := range l.Entries() {
		assertNoKey(t, "log message", e.Msg)
		assertNoKey(t, "log fields", fmt.Sprintf("%v", e.Fields))
	}
}

func ptr[T any](v T) *T { return &v }
