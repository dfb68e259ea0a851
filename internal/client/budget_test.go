package client

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is Client.now and Client.sleep for tests: sleeping advances the
// clock at once, so a budget of minutes passes in no real time.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
}

func newFakeClock(start time.Time) *fakeClock { return &fakeClock{t: start} }

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
	f.waits = append(f.waits, d)
	return nil
}

func (f *fakeClock) recorded() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.waits)
}

func (f *fakeClock) install(c *Client) { c.now, c.sleep = f.now, f.sleep }

func TestBudget_noCountCapByDefault(t *testing.T) {
	t.Parallel()
	// Twelve 429s in a row, then an answer: the old default (4 retries)
	// gave up after five.
	ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n <= 12 {
			w.Header().Set("Retry-After", "1")
			writeStatus(w, http.StatusTooManyRequests, "application/json", `{"status":"error","error_code":"RATE_LIMITED","message":"slow"}`)
			return
		}
		writeStatus(w, http.StatusOK, "application/json", flowJSON("f1", "x", time.Now()))
	})
	c, logger := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRetries = nil })
	clock := newFakeClock(time.Now())
	clock.install(c)
	if _, err := c.GetFlow(t.Context(), "f1"); err != nil {
		t.Fatalf("GetFlow: %v", err)
	}
	if n := ts.count(); n != 13 {
		t.Errorf("attempts = %d, want 13", n)
	}
	for _, w := range clock.recorded() {
		if w != time.Second {
			t.Errorf("wait %s, want the Retry-After of 1s", w)
		}
	}
	logger.assertClean(t)
}

func TestBudget_neverWaitsPastTheDeadline(t *testing.T) {
	t.Parallel()
	start := time.Now()
	cases := []struct {
		name       string
		retryAfter string
		waitMinMax time.Duration
		attempts   int
		waits      []time.Duration
	}{
		// 0, 30, 60, 90: a fourth wait would end at 120s, the deadline.
		{"Retry-After", "30", time.Millisecond, 4, []time.Duration{30 * time.Second, 30 * time.Second, 30 * time.Second}},
		// 0, 50, 100: the next backoff would end at 150s, past it.
		{"backoff", "", 50 * time.Second, 3, []time.Duration{50 * time.Second, 50 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				writeStatus(w, http.StatusServiceUnavailable, "application/json", `{"status":"error","error_code":"SERVICE_UNAVAILABLE","message":"down"}`)
			})
			c, _ := newRTClient(t, ts.URL, func(cfg *Config) {
				cfg.MaxRetries = nil
				cfg.RetryWaitMin, cfg.RetryWaitMax = tc.waitMinMax, tc.waitMinMax
			})
			clock := newFakeClock(start)
			clock.install(c)
			// The caller's deadline (Terraform's timeouts) two minutes
			// after the start, on the client's clock.
			ctx, cancel := context.WithDeadline(t.Context(), start.Add(2*time.Minute))
			defer cancel()

			_, err := c.GetFlow(ctx, "f1")
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v: want the last real error, not the deadline", err)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable || apiErr.Attempts != tc.attempts {
				t.Fatalf("err = %v, want the 503 after %d attempts", err, tc.attempts)
			}
			if n := ts.count(); n != tc.attempts {
				t.Errorf("attempts = %d, want %d", n, tc.attempts)
			}
			if got := clock.recorded(); !slices.Equal(got, tc.waits) {
				t.Errorf("waits = %v, want %v", got, tc.waits)
			}
			if clock.now().After(start.Add(2 * time.Minute)) {
				t.Errorf("the client's clock went past the deadline: %s", clock.now().Sub(start))
			}
		})
	}
}

func TestBudget_defaultBudgetWithoutDeadline(t *testing.T) {
	t.Parallel()
	ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeStatus(w, http.StatusBadGateway, "text/html", badGatewayPage)
	})
	c, _ := newRTClient(t, ts.URL, func(cfg *Config) {
		cfg.MaxRetries = nil
		cfg.RetryWaitMin, cfg.RetryWaitMax = time.Minute, time.Minute
	})
	start := time.Now()
	clock := newFakeClock(start)
	clock.install(c)
	// No deadline on the context: DefaultCallBudget (10 minutes) applies,
	// so with 1-minute waits the tenth attempt is the last.
	_, err := c.GetFlow(t.Context(), "f1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway || apiErr.Attempts != 10 {
		t.Fatalf("err = %v, want the 502 after 10 attempts", err)
	}
	if used := clock.now().Sub(start); used != 9*time.Minute {
		t.Errorf("waited %s in all, want 9m", used)
	}
}

func TestBudget_maxRetriesStillCaps(t *testing.T) {
	t.Parallel()
	ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeStatus(w, http.StatusServiceUnavailable, "application/json", `{}`)
	})
	c, _ := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRetries = intPtr(3) })
	newFakeClock(time.Now()).install(c)
	_, err := c.GetFlow(t.Context(), "f1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Attempts != 4 || ts.count() != 4 {
		t.Errorf("err = %v after %d attempts, want 4", err, ts.count())
	}
}

func TestBudget_deadlineDuringAnAttemptReportsTheLastRealError(t *testing.T) {
	t.Parallel()
	ts := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			writeStatus(w, http.StatusServiceUnavailable, "application/json", `{"status":"error","error_code":"SERVICE_UNAVAILABLE","message":"down"}`)
			return
		}
		<-r.Context().Done() // the second attempt outlives the deadline
	})
	c, _ := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRetries = nil })
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err := c.GetFlow(ctx, "f1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("err = %v, want the 503 the first attempt got", err)
	}
	if n := ts.count(); n != 2 {
		t.Errorf("attempts = %d, want 2", n)
	}
}
