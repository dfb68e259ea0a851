package client

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// blockingDialer never connects: it waits until the attempt's context ends.
// A request made through it is certainly never written.
func blockingDialer(ctx context.Context, _, _ string) (net.Conn, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestSent_timeoutBeforeSendingIsNotAmbiguous(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	tr := &http.Transport{DialContext: blockingDialer}
	c, logger := newCreateClient(t, s, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: tr}
		cfg.RequestTimeout = 5 * time.Millisecond
		cfg.MaxRetries = intPtr(2)
	})
	c.sleep = (&fakeSleeper{}).sleep

	_, err := c.CreateFlow(t.Context(), "never sent")
	if err == nil {
		t.Fatal("CreateFlow succeeded without a connection")
	}
	var amb *AmbiguousCreateError
	if errors.As(err, &amb) || strings.Contains(err.Error(), "may now exist") || strings.Contains(err.Error(), "may have") {
		t.Errorf("nothing was sent, yet the error says a flow may exist: %v", err)
	}
	if !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), "nothing was sent") {
		t.Errorf("err = %v, want 3 attempts that could not be sent", err)
	}
	if posts, lists := s.counts(); posts != 0 || lists != 0 {
		t.Errorf("server saw %d creates and %d lists", posts, lists)
	}
	// Retried as a failure that cannot have been applied.
	if r := logger.retries(); len(r) != 2 || r[0].fields["error_class"] != "timeout" {
		t.Errorf("retries = %+v", r)
	}

	t.Run("cancelled while connecting", func(t *testing.T) {
		t.Parallel()
		c, _ := newCreateClient(t, s, func(cfg *Config) {
			cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, n, a string) (net.Conn, error) {
				return nil, context.Canceled
			}}}
		})
		ctx, cancel := context.WithCancel(t.Context())
		c.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
		_, err := c.CreateFlow(ctx, "x")
		if errors.As(err, &amb) {
			t.Errorf("cancelled before anything was written: %v", err)
		}
	})
}

func TestSent_timeoutAfterSendingIsAmbiguous(t *testing.T) {
	t.Parallel()
	// The contrast: the request is written, the server stores the flow and
	// never answers in time. This one may have been applied.
	s := newFlowServer(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	s.beforeAnswer = func(n int) {
		if n == 1 {
			<-release
		}
	}
	c, _ := newCreateClient(t, s, func(cfg *Config) { cfg.RequestTimeout = 50 * time.Millisecond })
	res, err := c.CreateFlow(t.Context(), "x")
	if err != nil {
		t.Fatalf("CreateFlow: %v", err)
	}
	if ids := s.ids(); len(ids) != 1 || res.Flow.ID != ids[0] || !res.Adopted {
		t.Errorf("server %v, result %+v: want the timed-out create adopted", ids, res)
	}
	if posts, lists := s.counts(); posts != 1 || lists != 1 {
		t.Errorf("server saw %d creates and %d lists, want 1 and 1", posts, lists)
	}
}

// opaqueTransport is a RoundTripper that is not an *http.Transport, so the
// client cannot trace it.
type opaqueTransport struct{ fail func(*http.Request) bool }

func (o opaqueTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if o.fail(r) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		return nil, io.EOF
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestSent_untraceableTransportCountsAsSent(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	first := true
	c, _ := newCreateClient(t, s, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: opaqueTransport{fail: func(r *http.Request) bool {
			f := first && r.Method == http.MethodPost
			first = first && !f
			return f
		}}}
	})
	if _, err := c.CreateFlow(t.Context(), "x"); err != nil {
		t.Fatalf("CreateFlow: %v", err)
	}
	// The EOF cannot be proven unsent, so the client checked before
	// sending again.
	if posts, lists := s.counts(); posts != 1 || lists < 1 {
		t.Errorf("server saw %d creates and %d lists, want 1 create after a check", posts, lists)
	}
}
