package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A time budget that runs out before any answer arrives (timeouts {
// create = "1ns" }, or one that ends while the only attempt is out) is
// reported in words: the phrase "context deadline exceeded" is never
// shown, and errors.Is still finds context.DeadlineExceeded.
func TestDeadline_spentBudgetIsReportedInWords(t *testing.T) {
	t.Parallel()
	slow := make(chan struct{})
	t.Cleanup(func() { close(slow) })
	ts := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if strings.HasSuffix(r.URL.Path, "/slow") {
			select {
			case <-r.Context().Done():
			case <-slow:
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	calls := map[string]func(c *Client, ctx context.Context) error{
		"GetFlow":      func(c *Client, ctx context.Context) error { _, err := c.GetFlow(ctx, "f1"); return err },
		"ListFlows":    func(c *Client, ctx context.Context) error { _, err := c.ListFlows(ctx, ListFlowsParams{}); return err },
		"CreateFlow":   func(c *Client, ctx context.Context) error { _, err := c.CreateFlow(ctx, "x"); return err },
		"TestFlow":     func(c *Client, ctx context.Context) error { _, err := c.TestFlow(ctx, "f1"); return err },
		"GetPiece":     func(c *Client, ctx context.Context) error { _, err := c.GetPiece(ctx, "@x/piece-y"); return err },
		"CopyTemplate": func(c *Client, ctx context.Context) error { _, err := c.CopyTemplate(ctx, "t1", nil); return err },
		"while waiting for the answer": func(c *Client, _ context.Context) error {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			return c.DeleteFlow(ctx, "slow")
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, _ := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRetries = nil })
			ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
			defer cancel()
			<-ctx.Done()
			err := call(c, ctx)
			if err == nil {
				t.Fatal("succeeded")
			}
			if strings.Contains(err.Error(), "context deadline exceeded") {
				t.Errorf("error %q shows the context's own words", err)
			}
			if !strings.Contains(err.Error(), "time budget") {
				t.Errorf("error %q does not say the time budget ran out", err)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false", err)
			}
		})
	}
}
