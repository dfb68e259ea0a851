package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

func TestNew_acceptsBaseURLs(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":                         client.DefaultBaseURL,
		"https://anything":         "https://anything",
		"https://api.diga.io/":     "https://api.diga.io",
		"https://proxy.test/diga/": "https://proxy.test/diga",
		"http://127.0.0.1:8787":    "http://127.0.0.1:8787",
		"http://127.9.8.7":         "http://127.9.8.7",
		"http://localhost":         "http://localhost",
		"http://LOCALHOST:9000/":   "http://LOCALHOST:9000",
		"http://[::1]:1":           "http://[::1]:1",
		"HTTPS://api.diga.io":      "https://api.diga.io",
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			c, err := client.New(client.Config{BaseURL: in, APIKey: testKey})
			if err != nil {
				t.Fatalf("New(%q): %v", in, err)
			}
			if got := c.BaseURL(); got != want {
				t.Errorf("BaseURL() = %q, want %q", got, want)
			}
		})
	}
}

func TestNew_rejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, baseURL, key, wantInErr string
	}{
		{"plain http to a public host", "http://example.com", testKey, "https is required"},
		{"plain http to a public ip", "http://10.0.0.1:8080", testKey, "https is required"},
		{"host that merely starts with localhost", "http://localhost.example.com", testKey, "https is required"},
		// A trailing dot makes localhost a DNS name, which the hosts file
		// does not answer: a resolver may give any address.
		{"localhost with a trailing dot", "http://localhost.:8787", testKey, "trailing dot"},
		{"LOCALHOST with a trailing dot", "http://LOCALHOST.", testKey, "trailing dot"},
		{"a name under localhost", "http://api.localhost:8787", testKey, "https is required"},
		{"other scheme", "ftp://api.diga.io", testKey, "https"},
		{"relative", "api.diga.io", testKey, "absolute"},
		{"no host", "https://", testKey, "absolute"},
		{"user info", "https://user:pw@api.diga.io", testKey, "user information"},
		{"query", "https://api.diga.io/?x=1", testKey, "query"},
		{"empty key", "https://api.diga.io", "", "API key is required"},
		{"blank key", "https://api.diga.io", "  \n", "API key is required"},
		{"key with inner space", "https://api.diga.io", "sk-SENTINEL 7f3a", "whitespace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := client.New(client.Config{BaseURL: tc.baseURL, APIKey: tc.key})
			if err == nil {
				t.Fatalf("New accepted %q (client %v)", tc.baseURL, c)
			}
			if !strings.Contains(err.Error(), tc.wantInErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantInErr)
			}
			if tc.key != "" {
				assertNoKey(t, "New error", err.Error())
				if strings.Contains(err.Error(), "7f3a") {
					t.Errorf("error echoes the key: %v", err)
				}
			}
		})
	}
}

func TestNew_trimsKeyWhitespace(t *testing.T) {
	t.Parallel()
	ts := newDigaServer(t, respond(http.StatusNoContent, ""))
	c, err := client.New(client.Config{BaseURL: ts.URL, APIKey: testKey + "\n"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteFlow(t.Context(), "f1"); err != nil {
		t.Fatal(err)
	}
	if got := ts.only(t).Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q", got)
	}
}

func TestIsLoopbackHost(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"localhost":        true,
		"LocalHost":        true,
		"localhost.":       false,
		"LOCALHOST.":       false,
		"api.localhost":    false,
		"127.0.0.1":        true,
		"127.255.255.254":  true,
		"::1":              true,
		"[::1]":            true,
		"::ffff:127.0.0.1": true,
		"":                 false,
		"example.com":      false,
		"128.0.0.1":        false,
		"10.0.0.1":         false,
		"::2":              false,
		"0.0.0.0":          false,
		"localhost.test":   false,
		"mylocalhost":      false,
		"127.0.0.1.nip.io": false,
	}
	for host, want := range cases {
		if got := client.IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestFormattingNeverShowsKey(t *testing.T) {
	t.Parallel()
	cfg := client.Config{BaseURL: "https://api.diga.io", APIKey: testKey, UserAgent: testUA}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c),
	} {
		assertNoKey(t, "formatted value", s)
	}
}

func TestRequestHeadersAndLogging(t *testing.T) {
	t.Parallel()
	ts := newDigaServer(t, respond(http.StatusOK, `{"id":"f1","created":"2026-07-22T10:00:00Z","updated":"2026-07-22T10:00:00Z"}`))
	logger := &recordingLogger{}
	c := newTestClient(t, ts, logger)

	if _, err := c.GetFlow(t.Context(), "f1"); err != nil {
		t.Fatal(err)
	}
	req := ts.only(t)
	want := map[string]string{
		"Authorization": "Bearer " + testKey,
		"Accept":        "application/json",
		"User-Agent":    testUA,
		"Content-Type":  "",
	}
	for h, v := range want {
		if got := req.Header.Get(h); got != v {
			t.Errorf("header %s = %q, want %q", h, got, v)
		}
	}

	entries := logger.Entries()
	if len(entries) != 1 || entries[0].Level != "DEBUG" {
		t.Fatalf("log entries = %+v, want one DEBUG entry", entries)
	}
	f := entries[0].Fields
	if f["method"] != "GET" || f["path"] != "/v1/workflow/f1" || f["status"] != 200 {
		t.Errorf("log fields = %v", f)
	}
	if _, ok := f["duration_ms"].(int64); !ok {
		t.Errorf("duration_ms = %T %v, want int64", f["duration_ms"], f["duration_ms"])
	}
	for k := range f {
		switch k {
		case "method", "path", "status", "duration_ms":
		default:
			t.Errorf("unexpected log field %q", k)
		}
	}
	assertLogsHaveNoKey(t, logger)
}

func TestDefaultUserAgent(t *testing.T) {
	t.Parallel()
	ts := newDigaServer(t, respond(http.StatusNoContent, ""))
	c, err := client.New(client.Config{BaseURL: ts.URL, APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteFlow(t.Context(), "f1"); err != nil {
		t.Fatal(err)
	}
	if ua := ts.only(t).Header.Get("User-Agent"); !strings.HasPrefix(ua, "terraform-provider-diga") {
		t.Errorf("User-Agent = %q", ua)
	}
}

func TestKeyNeverInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	// A hostile or buggy server that echoes the Authorization header into
	// every error shape it can.
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		switch r.URL.Path {
		case "/v1/workflow/envelope":
			respond(http.StatusUnauthorized, fmt.Sprintf(`{"status":"error","error_code":"INVALID_API_KEY %s","message":"bad key %s"}`, auth, auth))(w, r)
		case "/v1/workflow/detail":
			respond(http.StatusUnprocessableEntity, fmt.Sprintf(`{"detail":[{"loc":["header","%s"],"msg":"got %s","type":"x"}]}`, auth, auth))(w, r)
		case "/v1/workflow/detailtext":
			respond(http.StatusForbidden, fmt.Sprintf(`{"detail":"token %s is not allowed"}`, auth))(w, r)
		case "/v1/workflow/detailobj":
			respond(http.StatusForbidden, fmt.Sprintf(`{"detail":{"why":"%s"}}`, auth))(w, r)
		default:
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<html><body>upstream rejected %s</body></html>", auth)
		}
	})
	logger := &recordingLogger{}
	c := newTestClient(t, ts, logger)
	ctx := t.Context()

	for _, id := range []string{"envelope", "detail", "detailtext", "detailobj", "html"} {
		_, err := c.GetFlow(ctx, id)
		if err == nil {
			t.Fatalf("%s: no error", id)
		}
		assertNoKey(t, id+" error", err.Error())
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("%s: %T is not *APIError", id, err)
		}
		assertNoKey(t, id+" APIError fields", fmt.Sprintf("%+v", *apiErr))
		if !strings.Contains(fmt.Sprintf("%+v", *apiErr), "[REDACTED]") {
			t.Errorf("%s: expected a redaction marker in %+v", id, *apiErr)
		}
	}

	// Transport-level failure: the server is gone.
	ts.Close()
	_, err := c.GetFlow(ctx, "gone")
	if err == nil {
		t.Fatal("expected a connection error")
	}
	assertNoKey(t, "transport error", err.Error())
	assertLogsHaveNoKey(t, logger)
}

func TestServerErrorsAlsoLogAtWarn(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, respond(http.StatusServiceUnavailable, `{"detail":"down"}`))
	logger := &recordingLogger{}
	c := newTestClient(t, ts, logger)
	if _, err := c.GetFlow(t.Context(), "f1"); err == nil {
		t.Fatal("expected error")
	}
	var levels []string
	for _, e := range logger.Entries() {
		levels = append(levels, e.Level)
	}
	if strings.Join(levels, ",") != "DEBUG,WARN" {
		t.Errorf("levels = %v, want DEBUG then WARN", levels)
	}
}

func TestContextCancellationReturnsPromptly(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{})
	release := make(chan struct{})
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	// Registered after newTestServer's Close, so it runs first and
	// unblocks the handler before the server waits for it.
	t.Cleanup(func() { close(release) })
	c := newTestClient(t, ts, nil)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.GetFlow(ctx, "slow")
		done <- err
	}()
	<-arrived
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if !strings.Contains(err.Error(), "GET /v1/workflow/slow") {
			t.Errorf("err = %q, want it to name the request", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("GetFlow did not return after the context was cancelled")
	}
}

func TestAlreadyCancelledContextSendsNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, respond(http.StatusOK, `{}`))
	c := newTestClient(t, ts, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.ListFlows(ctx, client.ListFlowsParams{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := len(ts.Requests()); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
}
