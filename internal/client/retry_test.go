package client

// Internal tests (package client) so they can replace Client.sleep and
// Client.now. They use their own servers and helpers, independent of the
// package client_test ones.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// rtKey is a sentinel: no error string or log entry may ever contain it.
const rtKey = "sk-RETRY-SENTINEL-4b1d9e-never-print-me"

func intPtr(n int) *int { return &n }

type rtLogEntry struct {
	level, msg string
	fields     map[string]any
}

// capLogger captures every log entry.
type capLogger struct {
	mu      sync.Mutex
	entries []rtLogEntry
}

func (l *capLogger) Debug(_ context.Context, msg string, f map[string]any) { l.add("DEBUG", msg, f) }
func (l *capLogger) Warn(_ context.Context, msg string, f map[string]any)  { l.add("WARN", msg, f) }

func (l *capLogger) add(level, msg string, f map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, rtLogEntry{level, msg, maps(f)})
}

func maps(f map[string]any) map[string]any {
	out := make(map[string]any, len(f))
	for k, v := range f {
		out[k] = v
	}
	return out
}

func (l *capLogger) all() []rtLogEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries)
}

// retries returns the "retrying" Warn entries.
func (l *capLogger) retries() []rtLogEntry {
	var out []rtLogEntry
	for _, e := range l.all() {
		if e.level == "WARN" && strings.Contains(e.msg, "retrying") {
			out = append(out, e)
		}
	}
	return out
}

// assertClean fails when the key shows up in any entry, or a retry entry
// carries a field outside the documented set.
func (l *capLogger) assertClean(t *testing.T) {
	t.Helper()
	for _, e := range l.all() {
		line := fmt.Sprintf("%s %s %v", e.level, e.msg, e.fields)
		if strings.Contains(line, rtKey) {
			t.Errorf("log entry contains the API key: %s", line)
		}
		if strings.Contains(strings.ToLower(line), "authorization") || strings.Contains(line, "Bearer") {
			t.Errorf("log entry mentions a header: %s", line)
		}
	}
	for _, e := range l.retries() {
		for k := range e.fields {
			switch k {
			case "method", "path", "attempt", "wait_ms", "status", "error_class", "error", "retry_after":
			default:
				t.Errorf("retry log has unexpected field %q: %v", k, e.fields)
			}
		}
		for _, k := range []string{"method", "path", "attempt", "wait_ms"} {
			if _, ok := e.fields[k]; !ok {
				t.Errorf("retry log lacks %q: %v", k, e.fields)
			}
		}
		_, hasStatus := e.fields["status"]
		_, hasClass := e.fields["error_class"]
		if hasStatus == hasClass {
			t.Errorf("retry log should have exactly one of status and error_class: %v", e.fields)
		}
	}
}

func assertNoRTKey(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), rtKey) {
		t.Errorf("%s contains the API key: %v", what, err)
	}
}

// fakeSleeper records requested waits and returns at once (or runs hook).
type fakeSleeper struct {
	mu    sync.Mutex
	waits []time.Duration
	hook  func(ctx context.Context, d time.Duration) error
}

func (s *fakeSleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		return hook(ctx, d)
	}
	return ctx.Err()
}

func (s *fakeSleeper) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}

// newRTClient returns a client for baseURL with 4 retries, 1ms waits, its
// own transport and a capturing logger; mutate adjusts the Config.
func newRTClient(t *testing.T, baseURL string, mutate func(*Config)) (*Client, *capLogger) {
	t.Helper()
	logger := &capLogger{}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	cfg := Config{
		BaseURL:      baseURL,
		APIKey:       rtKey,
		Logger:       logger,
		HTTPClient:   &http.Client{Transport: tr},
		MaxRetries:   intPtr(4),
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, logger
}

// countingServer calls handler with the 1-based number of the request.
type countingServer struct {
	*httptest.Server
	n atomic.Int64
}

func newCountingServer(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, n int)) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewServer(checkRequests(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		handler(w, r, int(s.n.Add(1)))
	})))
	t.Cleanup(s.Close)
	return s
}

func (s *countingServer) count() int { return int(s.n.Load()) }

// hijackClose drops the connection without answering; with reset it sends
// a TCP RST instead of a FIN.
func hijackClose(t *testing.T, w http.ResponseWriter, reset bool) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func writeStatus(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func flowJSON(id, name string, created time.Time) string {
	ts := created.UTC().Format(time.RFC3339Nano)
	return fmt.Sprintf(`{"id":%q,"name":%q,"created":%q,"updated":%q}`, id, name, ts, ts)
}

const badGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\r\n"

func TestRetry_transientFailuresAreRetried(t *testing.T) {
	t.Parallel()
	// A whole-second clock so an HTTP-date is an exact offset.
	now := time.Date(2026, 7, 22, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		fail      func(t *testing.T, w http.ResponseWriter)
		wantWait  time.Duration // -1: a backoff wait (not checked exactly)
		wantLog   string        // "status" or "error_class"
		wantClass string
	}{
		{"429 Retry-After 0", func(_ *testing.T, w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			writeStatus(w, http.StatusTooManyRequests, "application/json", `{"detail":"slow down"}`)
		}, 0, "status", ""},
		{"429 Retry-After HTTP-date", func(_ *testing.T, w http.ResponseWriter) {
			w.Header().Set("Retry-After", now.Add(7*time.Second).Format(http.TimeFormat))
			writeStatus(w, http.StatusTooManyRequests, "application/json", `{"detail":"slow down"}`)
		}, 7 * time.Second, "status", ""},
		{"429 Retry-After HTTP-date in the past", func(_ *testing.T, w http.ResponseWriter) {
			w.Header().Set("Retry-After", now.Add(-time.Hour).Format(http.TimeFormat))
			writeStatus(w, http.StatusTooManyRequests, "application/json", `{}`)
		}, 0, "status", ""},
		{"502 HTML page", func(_ *testing.T, w http.ResponseWriter) {
			writeStatus(w, http.StatusBadGateway, "text/html", badGatewayPage)
		}, -1, "status", ""},
		{"503", func(_ *testing.T, w http.ResponseWriter) {
			writeStatus(w, http.StatusServiceUnavailable, "application/json", `{"detail":"down"}`)
		}, -1, "status", ""},
		{"503 with Retry-After seconds", func(_ *testing.T, w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3")
			writeStatus(w, http.StatusServiceUnavailable, "application/json", `{"detail":"down"}`)
		}, 3 * time.Second, "status", ""},
		{"504", func(_ *testing.T, w http.ResponseWriter) {
			writeStatus(w, http.StatusGatewayTimeout, "text/plain", "upstream timed out")
		}, -1, "status", ""},
		{"connection closed without an answer", func(t *testing.T, w http.ResponseWriter) {
			hijackClose(t, w, false)
		}, -1, "error_class", ""},
		{"connection reset", func(t *testing.T, w http.ResponseWriter) {
			hijackClose(t, w, true)
		}, -1, "error_class", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n <= 2 {
					tc.fail(t, w)
					return
				}
				writeStatus(w, http.StatusOK, "application/json", flowJSON("f1", "x", now))
			})
			c, logger := newRTClient(t, ts.URL, nil)
			sleeper := &fakeSleeper{}
			c.sleep, c.now = sleeper.sleep, func() time.Time { return now }

			f, err := c.GetFlow(t.Context(), "f1")
			if err != nil {
				t.Fatalf("GetFlow: %v", err)
			}
			if f.ID != "f1" {
				t.Errorf("flow id = %q", f.ID)
			}
			if n := ts.count(); n != 3 {
				t.Errorf("server saw %d attempts, want 3", n)
			}
			waits := sleeper.recorded()
			if len(waits) != 2 {
				t.Fatalf("waits = %v, want 2", waits)
			}
			for _, w := range waits {
				if tc.wantWait >= 0 && w != tc.wantWait {
					t.Errorf("wait = %s, want %s", w, tc.wantWait)
				}
				if tc.wantWait < 0 && w != time.Millisecond {
					t.Errorf("backoff wait = %s, want the 1ms configured", w)
				}
			}
			retries := logger.retries()
			if len(retries) != 2 {
				t.Fatalf("retry log entries = %+v, want 2", retries)
			}
			for i, e := range retries {
				if e.fields["method"] != "GET" || e.fields["path"] != "/v1/workflow/f1" || e.fields["attempt"] != i+1 {
					t.Errorf("retry log %d fields = %v", i, e.fields)
				}
				if _, ok := e.fields[tc.wantLog]; !ok {
					t.Errorf("retry log %d lacks %s: %v", i, tc.wantLog, e.fields)
				}
				if e.fields["wait_ms"] != waits[i].Milliseconds() {
					t.Errorf("retry log %d wait_ms = %v, want %d", i, e.fields["wait_ms"], waits[i].Milliseconds())
				}
			}
			logger.assertClean(t)
		})
	}
}

func TestRetry_realWaitsAreTiny(t *testing.T) {
	t.Parallel()
	// The default sleep with the 1ms waits tests configure: no fake hook.
	ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n < 5 {
			writeStatus(w, http.StatusServiceUnavailable, "application/json", `{"detail":"down"}`)
			return
		}
		writeStatus(w, http.StatusNoContent, "", "")
	})
	c, _ := newRTClient(t, ts.URL, nil)
	if err := c.DeleteFlow(t.Context(), "f1"); err != nil {
		t.Fatalf("DeleteFlow after 4 retries: %v", err)
	}
	if n := ts.count(); n != 5 {
		t.Errorf("attempts = %d, want 5", n)
	}
}

func TestRetry_clientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status       int
		notFound     bool
		unauthorized bool
	}{
		{http.StatusBadRequest, false, false},
		{http.StatusUnauthorized, false, true},
		{http.StatusForbidden, false, true},
		{http.StatusNotFound, true, false},
		{http.StatusConflict, false, false},
		{http.StatusUnprocessableEntity, false, false},
		{http.StatusRequestTimeout, false, false},
		{http.StatusInternalServerError, false, false},
		{http.StatusNotImplemented, false, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			t.Parallel()
			ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				writeStatus(w, tc.status, "application/json", `{"status":"error","error_code":"NOPE","message":"no"}`)
			})
			c, logger := newRTClient(t, ts.URL, nil)
			sleeper := &fakeSleeper{}
			c.sleep = sleeper.sleep
			ctx := t.Context()

			calls := map[string]func() error{
				"GetFlow":       func() error { _, err := c.GetFlow(ctx, "f1"); return err },
				"RenameFlow":    func() error { _, err := c.RenameFlow(ctx, "f1", "n"); return err },
				"SetFlowStatus": func() error { _, err := c.SetFlowStatus(ctx, "f1", FlowStatusEnabled); return err },
				"PublishFlow":   func() error { _, err := c.PublishFlow(ctx, "f1"); return err },
				"DeleteFlow":    func() error { return c.DeleteFlow(ctx, "f1") },
			}
			if tc.status < 500 {
				// A 5xx on create may have created the flow, so CreateFlow
				// checks (create_test.go); a 4xx is a plain refusal.
				calls["CreateFlow"] = func() error { _, err := c.CreateFlow(ctx, "n"); return err }
			}
			for name, call := range calls {
				before := ts.count()
				err := call()
				if got := ts.count() - before; got != 1 {
					t.Errorf("%s: %d attempts, want 1", name, got)
				}
				var apiErr *APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("%s: error %T %v is not *APIError", name, err, err)
				}
				if apiErr.StatusCode != tc.status || apiErr.Attempts != 1 {
					t.Errorf("%s: APIError status %d attempts %d", name, apiErr.StatusCode, apiErr.Attempts)
				}
				if IsNotFound(err) != tc.notFound || IsUnauthorized(err) != tc.unauthorized {
					t.Errorf("%s: IsNotFound=%t IsUnauthorized=%t for %d", name, IsNotFound(err), IsUnauthorized(err), tc.status)
				}
				if strings.Contains(err.Error(), "gave up") || strings.Contains(err.Error(), "attempt") {
					t.Errorf("%s: single-attempt error mentions attempts: %v", name, err)
				}
			}
			if n := ts.count(); n != len(calls) {
				t.Errorf("server saw %d requests, want %d", n, len(calls))
			}
			if w := sleeper.recorded(); len(w) != 0 {
				t.Errorf("waited %v before a non-retryable answer", w)
			}
			if len(logger.retries()) != 0 {
				t.Errorf("retry logged for %d", tc.status)
			}
			logger.assertClean(t)
		})
	}
}

func TestRetry_givesUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	down := func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeStatus(w, http.StatusServiceUnavailable, "application/json", `{"detail":"down"}`)
	}

	t.Run("MaxRetries 4 on create", func(t *testing.T) {
		t.Parallel()
		ts := newCountingServer(t, down)
		c, logger := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRetries = intPtr(4) })
		c.sleep = (&fakeSleeper{}).sleep
		_, err := c.CreateFlow(t.Context(), "n")
		want := "POST /v1/workflow/: gave up after 5 attempts: last answer 503 Service Unavailable: down"
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v, want %q", err, want)
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Attempts != 5 || apiErr.StatusCode != 503 {
			t.Errorf("APIError = %+v", apiErr)
		}
		if n := ts.count(); n != 5 {
			t.Errorf("attempts = %d, want 5 (503 is not ambiguous: no listing)", n)
		}
		if n := len(logger.retries()); n != 4 {
			t.Errorf("retries logged = %d, want 4", n)
		}
		warns := 0
		for _, e := range logger.all() {
			if e.level == "WARN" {
				warns++
			}
		}
		if warns != 5 { // 4 retries + the final failure
			t.Errorf("WARN entries = %d, want 5", warns)
		}
		logger.assertClean(t)
	})

	t.Run("MaxRetries 2 on a read", func(t *testing.T) {
		t.Parallel()
		ts := newCountingServer(t, down)
		c, _ := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRetries = intPtr(2) })
		_, err := c.GetFlow(t.Context(), "f1")
		want := "GET /v1/workflow/f1: gave up after 3 attempts: last answer 503 Service Unavailable: down"
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v, want %q", err, want)
		}
		if n := ts.count(); n != 3 {
			t.Errorf("attempts = %d, want 3", n)
		}
	})

	t.Run("MaxRetries 0 disables retries", func(t *testing.T) {
		t.Parallel()
		ts := newCountingServer(t, down)
		c, _ := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRetries = intPtr(0) })
		_, err := c.GetFlow(t.Context(), "f1")
		if want := "GET /v1/workflow/f1: 503 Service Unavailable: down"; err == nil || err.Error() != want {
			t.Fatalf("err = %v, want %q", err, want)
		}
		if n := ts.count(); n != 1 {
			t.Errorf("attempts = %d, want 1", n)
		}
	})

	t.Run("non-retryable answer after a retry", func(t *testing.T) {
		t.Parallel()
		ts := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				down(w, r, n)
				return
			}
			writeStatus(w, http.StatusNotFound, "application/json", `{"status":"error","error_code":"FLOW_NOT_FOUND","message":"gone"}`)
		})
		c, _ := newRTClient(t, ts.URL, nil)
		err := c.DeleteFlow(t.Context(), "f1")
		if !IsNotFound(err) {
			t.Fatalf("IsNotFound(%v) = false", err)
		}
		if want := "DELETE /v1/workflow/f1: attempt 2 answered 404 Not Found: FLOW_NOT_FOUND: gone"; err.Error() != want {
			t.Errorf("err = %q, want %q", err, want)
		}
	})

	t.Run("transport errors", func(t *testing.T) {
		t.Parallel()
		ts := newCountingServer(t, down)
		url := ts.URL
		ts.Close() // connection refused from now on
		c, logger := newRTClient(t, url, nil)
		_, err := c.GetFlow(t.Context(), "f1")
		if err == nil {
			t.Fatal("expected an error")
		}
		// A refused connection names base_url (TestRefused_failsFastNamingBaseURL).
		if !strings.HasPrefix(err.Error(), "GET /v1/workflow/f1: the connection was refused (attempt 5): ") ||
			!strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "base_url") {
			t.Errorf("err = %q", err)
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			t.Errorf("transport failure reported as APIError %+v", apiErr)
		}
		for _, e := range logger.retries() {
			if e.fields["error_class"] != "connection_refused" {
				t.Errorf("error_class = %v", e.fields["error_class"])
			}
		}
		logger.assertClean(t)
	})
}

func TestRetry_retryAfterAboveCapWaitsTheCap(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 22, 10, 0, 0, 0, time.UTC)
	for name, header := range map[string]string{
		"seconds":   "3600",
		"huge":      "99999999999999999",
		"HTTP-date": now.Add(2 * time.Hour).Format(http.TimeFormat),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n == 1 {
					w.Header().Set("Retry-After", header)
					writeStatus(w, http.StatusTooManyRequests, "application/json", `{}`)
					return
				}
				writeStatus(w, http.StatusOK, "application/json", flowJSON("f1", "x", now))
			})
			c, logger := newRTClient(t, ts.URL, nil)
			sleeper := &fakeSleeper{}
			c.sleep, c.now = sleeper.sleep, func() time.Time { return now }
			if _, err := c.GetFlow(t.Context(), "f1"); err != nil {
				t.Fatal(err)
			}
			if w := sleeper.recorded(); !slices.Equal(w, []time.Duration{30 * time.Second}) {
				t.Errorf("waits = %v, want [30s]", w)
			}
			if r := logger.retries(); len(r) != 1 || r[0].fields["retry_after"] != true || r[0].fields["wait_ms"] != int64(30000) {
				t.Errorf("retry log = %+v", r)
			}
		})
	}
}

func TestRetry_retryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 22, 10, 0, 0, 0, time.UTC)
	c := &Client{now: func() time.Time { return now }}
	cases := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 12 ", 12 * time.Second, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second, true},
		{now.Add(10 * time.Second).Format(time.RFC850), 10 * time.Second, true},
		{now.Add(-10 * time.Second).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range cases {
		h := http.Header{}
		if tc.header != "" {
			h.Set("Retry-After", tc.header)
		}
		got, ok := c.retryAfter(h)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %s, %t; want %s, %t", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRetry_backoffIsBoundedExponentialWithJitter(t *testing.T) {
	t.Parallel()
	c := &Client{waitMin: 250 * time.Millisecond, waitMax: 10 * time.Second}
	for n := 1; n <= 10; n++ {
		ceiling := min(c.waitMin<<n, c.waitMax)
		var lo, hi time.Duration = time.Hour, 0
		for range 2000 {
			d := c.backoff(n)
			if d < c.waitMin || d > ceiling {
				t.Fatalf("backoff(%d) = %s, outside [%s, %s]", n, d, c.waitMin, ceiling)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		// Jitter: the draws spread over most of the range.
		if spread := ceiling - c.waitMin; hi-lo < spread/2 {
			t.Errorf("backoff(%d) draws span only [%s, %s] of [%s, %s]", n, lo, hi, c.waitMin, ceiling)
		}
	}
	fixed := &Client{waitMin: time.Millisecond, waitMax: time.Millisecond}
	if d := fixed.backoff(3); d != time.Millisecond {
		t.Errorf("backoff with min = max = 1ms: %s", d)
	}
}

func TestRetry_cancelDuringWaitReturnsAtOnce(t *testing.T) {
	t.Parallel()
	ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeStatus(w, http.StatusServiceUnavailable, "application/json", `{"detail":"down"}`)
	})
	c, _ := newRTClient(t, ts.URL, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sleeper := &fakeSleeper{hook: func(ctx context.Context, _ time.Duration) error {
		cancel()
		// The real wait, asked for an hour: it must notice the
		// cancellation instead of sleeping.
		return sleepCtx(ctx, time.Hour)
	}}
	c.sleep = sleeper.sleep

	done := make(chan error, 1)
	go func() { _, err := c.GetFlow(ctx, "f1"); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if !strings.HasPrefix(err.Error(), "GET /v1/workflow/f1: ") {
			t.Errorf("err = %q, want it to name the request", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("GetFlow kept waiting after its context was cancelled")
	}
	if n := ts.count(); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}

func TestRetry_sleepCtx(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepCtx on a cancelled context = %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Error("sleepCtx did not return at once")
	}
	if err := sleepCtx(t.Context(), 0); err != nil {
		t.Errorf("sleepCtx(0) = %v", err)
	}
	if err := sleepCtx(t.Context(), time.Microsecond); err != nil {
		t.Errorf("sleepCtx(1µs) = %v", err)
	}
}

func TestRetry_perAttemptTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ts := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			// Hang until the client gives up on this attempt.
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		writeStatus(w, http.StatusOK, "application/json", flowJSON("f1", "x", time.Now()))
	})
	t.Cleanup(func() { close(release) })
	c, logger := newRTClient(t, ts.URL, func(cfg *Config) { cfg.RequestTimeout = 50 * time.Millisecond })
	// The caller's context has no deadline; only the attempt times out.
	if _, err := c.GetFlow(t.Context(), "f1"); err != nil {
		t.Fatalf("GetFlow: %v", err)
	}
	r := logger.retries()
	if len(r) != 1 || r[0].fields["error_class"] != "timeout" {
		t.Errorf("retry log = %+v, want one timeout", r)
	}

	t.Run("every attempt times out", func(t *testing.T) {
		ts := newCountingServer(t, func(_ http.ResponseWriter, r *http.Request, _ int) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		c, _ := newRTClient(t, ts.URL, func(cfg *Config) {
			cfg.RequestTimeout = 20 * time.Millisecond
			cfg.MaxRetries = intPtr(1)
		})
		_, err := c.GetFlow(t.Context(), "f1")
		if err == nil || !strings.Contains(err.Error(), "gave up after 2 attempts") ||
			!strings.Contains(err.Error(), "per-attempt request timeout of 20ms") {
			t.Errorf("err = %v", err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Error("a per-attempt timeout must not look like the caller's deadline")
		}
	})
}

func TestRetry_callerDeadlineStillGoverns(t *testing.T) {
	t.Parallel()
	ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeStatus(w, http.StatusServiceUnavailable, "application/json", `{}`)
	})
	c, _ := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRetries = intPtr(1000) })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	c.sleep = (&fakeSleeper{hook: func(ctx context.Context, d time.Duration) error {
		if ts.count() >= 3 {
			cancel()
		}
		return sleepCtx(ctx, d)
	}}).sleep
	_, err := c.GetFlow(ctx, "f1")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := ts.count(); n != 3 {
		t.Errorf("attempts = %d, want 3", n)
	}
}

func TestRetry_keyNeverInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	// A server that echoes the Authorization header into every failure it
	// can, including Retry-After and a redirect-less HTML page.
	ts := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		auth := r.Header.Get("Authorization")
		switch n % 4 {
		case 1:
			w.Header().Set("Retry-After", auth)
			writeStatus(w, http.StatusTooManyRequests, "application/json", fmt.Sprintf(`{"status":"error","error_code":"RATE %s","message":"%s"}`, auth, auth))
		case 2:
			writeStatus(w, http.StatusBadGateway, "text/html", "<html><title>bad "+auth+"</title></html>")
		case 3:
			writeStatus(w, http.StatusServiceUnavailable, "text/plain", auth)
		default:
			hijackClose(t, w, true)
		}
	})
	c, logger := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRetries = intPtr(6) })
	ctx := t.Context()

	_, err := c.GetFlow(ctx, "f1")
	assertNoRTKey(t, "GetFlow error", err)
	_, err = c.CreateFlow(ctx, "n")
	if err == nil {
		t.Fatal("CreateFlow: expected an error")
	}
	assertNoRTKey(t, "CreateFlow error", err)
	var apiErr *APIError
	if errors.As(err, &apiErr) && strings.Contains(fmt.Sprintf("%+v", *apiErr), rtKey) {
		t.Errorf("APIError fields contain the key")
	}
	var amb *AmbiguousCreateError
	if errors.As(err, &amb) && strings.Contains(fmt.Sprintf("%+v", *amb), rtKey) {
		t.Errorf("AmbiguousCreateError fields contain the key")
	}
	if len(logger.retries()) == 0 {
		t.Error("expected retries to be logged")
	}
	logger.assertClean(t)
}

func TestRetry_classifyTransport(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name             string
		err              error
		status           int
		retry, ambiguous bool
	}{
		{"refused", &net.OpError{Op: "dial", Err: fmt.Errorf("connect: %w", syscall.ECONNREFUSED)}, 0, true, false},
		{"dial timeout", &net.OpError{Op: "dial", Err: timeoutErr{}}, 0, true, false},
		{"dns not found", &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, 0, false, false},
		{"dns temporary", &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}, 0, true, false},
		{"reset", &net.OpError{Op: "read", Err: fmt.Errorf("read: %w", syscall.ECONNRESET)}, 0, true, true},
		{"eof", io.EOF, 0, true, true},
		{"unexpected eof", io.ErrUnexpectedEOF, 0, true, true},
		{"closed idle", errors.New("http: server closed idle connection"), 0, true, true},
		{"read timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, 0, true, true},
		{"attempt timeout", &attemptTimeoutError{timeout: time.Second}, 0, true, true},
		{"broken body", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), 201, true, true},
		{"too large", errBodyTooLarge, 200, false, true},
		{"unknown", errors.New("malformed HTTP response"), 0, false, true},
	}
	for _, tc := range cases {
		v := classify(outcome{err: tc.err, status: tc.status, sent: true})
		if v.retry != tc.retry || v.ambiguous != tc.ambiguous {
			t.Errorf("%s: retry=%t ambiguous=%t, want %t %t (class %s)", tc.name, v.retry, v.ambiguous, tc.retry, tc.ambiguous, v.class)
		}
		if v.class == "" {
			t.Errorf("%s: no class", tc.name)
		}
	}
	if v := classify(outcome{err: errors.New("building request"), sent: false}); v.retry || v.ambiguous {
		t.Errorf("unsent request classified %+v", v)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestNew_rejectsBadReliabilitySettings(t *testing.T) {
	t.Parallel()
	bad := map[string]Config{
		"negative retries":   {MaxRetries: intPtr(-1)},
		"negative timeout":   {RequestTimeout: -time.Second},
		"negative wait":      {RetryWaitMin: -time.Second},
		"min above max":      {RetryWaitMin: 2 * time.Second, RetryWaitMax: time.Second},
		"negative rate":      {MaxRequestsPerSecond: -1},
		"NaN rate":           {MaxRequestsPerSecond: math.NaN()},
		"infinite rate":      {MaxRequestsPerSecond: math.Inf(1)},
		"negative max wait":  {RetryWaitMax: -1},
		"negative min alone": {RetryWaitMin: -1, RetryWaitMax: time.Second},
	}
	for name, cfg := range bad {
		cfg.APIKey = rtKey
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			assertNoRTKey(t, name, err)
		}
	}

	c, err := New(Config{APIKey: rtKey})
	if err != nil {
		t.Fatal(err)
	}
	if c.maxRetries != -1 || c.callBudget != DefaultCallBudget || c.requestTimeout != DefaultRequestTimeout ||
		c.waitMin != DefaultRetryWaitMin || c.waitMax != DefaultRetryWaitMax || c.limiter != nil {
		t.Errorf("defaults: retries %d timeout %s waits %s..%s limiter %v", c.maxRetries, c.requestTimeout, c.waitMin, c.waitMax, c.limiter)
	}
	if c, _ := New(Config{APIKey: rtKey, MaxRetries: intPtr(0)}); c.maxRetries != 0 {
		t.Errorf("MaxRetries 0 became %d", c.maxRetries)
	}
	if c, _ := New(Config{APIKey: rtKey, RetryWaitMin: 20 * time.Second}); c.waitMax != 20*time.Second {
		t.Errorf("min above the default max: max = %s", c.waitMax)
	}
	if c, _ := New(Config{APIKey: rtKey, RetryWaitMax: 100 * time.Millisecond}); c.waitMin != 100*time.Millisecond {
		t.Errorf("max below the default min: min = %s", c.waitMin)
	}
}
