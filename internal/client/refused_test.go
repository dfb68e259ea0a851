package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// closedURL is the URL of a port nothing listens on any more: every
// connection to it is refused.
func closedURL(t *testing.T) string {
	t.Helper()
	ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusNoContent) })
	u := ts.URL
	ts.Close()
	return u
}

// A wrong port, or an emulator that is not running: with nothing but
// refused connections, a request fails within RefusedConnectionBudget,
// not after the call's 10-minute budget, with an error that names
// base_url. Every call shape (plain, create, a test sent at most once,
// a template copy) holds to it.
func TestRefused_failsFastNamingBaseURL(t *testing.T) {
	t.Parallel()
	base := closedURL(t)
	calls := map[string]func(c *Client, ctx context.Context) error{
		"GetFlow":      func(c *Client, ctx context.Context) error { _, err := c.GetFlow(ctx, "f1"); return err },
		"ListFlows":    func(c *Client, ctx context.Context) error { _, err := c.ListFlows(ctx, ListFlowsParams{}); return err },
		"CreateFlow":   func(c *Client, ctx context.Context) error { _, err := c.CreateFlow(ctx, "x"); return err },
		"TestFlow":     func(c *Client, ctx context.Context) error { _, err := c.TestFlow(ctx, "f1"); return err },
		"GetPiece":     func(c *Client, ctx context.Context) error { _, err := c.GetPiece(ctx, "@x/piece-y"); return err },
		"CopyTemplate": func(c *Client, ctx context.Context) error { _, err := c.CopyTemplate(ctx, "t1", nil); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, logger := newRTClient(t, base, func(cfg *Config) {
				cfg.MaxRetries = nil // only the time budget, as in the provider by default
				cfg.RetryWaitMin, cfg.RetryWaitMax = 0, 0
			})
			start := time.Now()
			clock := newFakeClock(start)
			clock.install(c)
			err := call(c, t.Context())
			if err == nil || !strings.Contains(err.Error(), "base_url") || !strings.Contains(err.Error(), base) {
				t.Errorf("error %q does not name base_url and its value", err)
			}
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("error %q does not wrap the refusal", err)
			}
			// The limit is RefusedConnectionBudget (10s); the budget of a
			// call without a deadline is 10 minutes.
			if spent := clock.now().Sub(start); spent > 10*time.Second {
				t.Errorf("gave up after %s of refusals, want at most 10s", spent)
			}
			if len(logger.retries()) == 0 {
				t.Error("a refused connection is still worth a few quick, logged retries")
			}
		})
	}
}

// A server that refuses for a moment (a restart) is waited for: refusals
// shorter than RefusedConnectionBudget, then an answer, succeed.
func TestRefused_shortRestartIsWaitedFor(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // refused until the server below starts
	c, _ := newRTClient(t, "http://"+addr, func(cfg *Config) { cfg.MaxRetries = nil })
	clock := newFakeClock(time.Now())
	var srv *http.Server
	sleeps := 0
	c.now = clock.now
	c.sleep = func(ctx context.Context, d time.Duration) error {
		sleeps++
		if sleeps == 3 {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			srv = &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusNoContent)
			})}
			go func() { _ = srv.Serve(ln) }()
			t.Cleanup(func() { _ = srv.Close() })
		}
		return clock.sleep(ctx, d)
	}
	if err := c.DeleteFlow(t.Context(), "f1"); err != nil {
		t.Fatalf("DeleteFlow after a short restart: %v", err)
	}
}
