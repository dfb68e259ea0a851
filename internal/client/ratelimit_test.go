package client

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestRateLimit_concurrentCallsTakeOneTokenEach(t *testing.T) {
	t.Parallel()
	ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeStatus(w, http.StatusOK, "application/json", flowJSON("f1", "x", time.Now()))
	})
	c, _ := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRequestsPerSecond = 5 })
	// A frozen clock: no token is ever refilled, so every call after the
	// first must wait 200ms more than the one before it. The fake sleep
	// records the waits instead of taking them.
	now := time.Date(2026, 7, 22, 10, 0, 0, 0, time.UTC)
	sleeper := &fakeSleeper{}
	c.sleep, c.now = sleeper.sleep, func() time.Time { return now }

	const calls = 10
	var wg sync.WaitGroup
	for range calls {
		wg.Go(func() {
			if _, err := c.GetFlow(t.Context(), "f1"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	if n := ts.count(); n != calls {
		t.Errorf("server saw %d requests, want %d", n, calls)
	}
	waits := sleeper.recorded()
	slices.Sort(waits)
	var want []time.Duration
	for i := 1; i < calls; i++ { // burst 1: the first call goes at once
		want = append(want, time.Duration(i)*200*time.Millisecond)
	}
	if !slices.Equal(waits, want) {
		t.Errorf("token waits = %v, want %v", waits, want)
	}
}

func TestRateLimit_retriesTakeTokensToo(t *testing.T) {
	t.Parallel()
	ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			writeStatus(w, http.StatusTooManyRequests, "application/json", `{}`)
			return
		}
		writeStatus(w, http.StatusOK, "application/json", flowJSON("f1", "x", time.Now()))
	})
	c, _ := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRequestsPerSecond = 2 })
	now := time.Date(2026, 7, 22, 10, 0, 0, 0, time.UTC)
	sleeper := &fakeSleeper{}
	c.sleep, c.now = sleeper.sleep, func() time.Time { return now }
	if _, err := c.GetFlow(t.Context(), "f1"); err != nil {
		t.Fatal(err)
	}
	// The Retry-After wait (0), then the second attempt's token wait.
	if w := sleeper.recorded(); !slices.Equal(w, []time.Duration{0, 500 * time.Millisecond}) {
		t.Errorf("waits = %v, want [0s 500ms]", w)
	}
}

func TestRateLimit_tokensRefillWithTime(t *testing.T) {
	t.Parallel()
	c, _ := newRTClient(t, "http://127.0.0.1:1", func(cfg *Config) { cfg.MaxRequestsPerSecond = 4 }) // one token per 250ms, burst 1
	t0 := time.Date(2026, 7, 22, 10, 0, 0, 0, time.UTC)
	var at time.Duration
	sleeper := &fakeSleeper{}
	c.sleep, c.now = sleeper.sleep, func() time.Time { return t0.Add(at) }
	steps := []struct {
		at   time.Duration
		want time.Duration
	}{
		{0, 0},                      // the burst token
		{0, 250 * time.Millisecond}, // in debt by one
		{0, 500 * time.Millisecond}, // by two
		{time.Second, 0},            // debt repaid (-2 + 4 = 2, capped at burst 1), then spent
		{time.Second, 250 * time.Millisecond},
		{10 * time.Second, 0}, // a long quiet spell refills only the burst
		{10 * time.Second, 250 * time.Millisecond},
		{9 * time.Second, 500 * time.Millisecond}, // a clock going back refills nothing
	}
	for i, s := range steps {
		at = s.at
		before := len(sleeper.recorded())
		if err := c.waitForToken(t.Context()); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		var got time.Duration
		if w := sleeper.recorded(); len(w) > before {
			got = w[len(w)-1]
		}
		if got != s.want {
			t.Errorf("step %d at +%s: wait %s, want %s", i, s.at, got, s.want)
		}
	}
}

func TestRateLimit_absurdlyLowRateWaitsUntilTheContextEnds(t *testing.T) {
	t.Parallel()
	c, _ := newRTClient(t, "http://127.0.0.1:1", func(cfg *Config) { cfg.MaxRequestsPerSecond = 1e-300 })
	now := time.Date(2026, 7, 22, 10, 0, 0, 0, time.UTC)
	sleeper := &fakeSleeper{}
	c.sleep, c.now = sleeper.sleep, func() time.Time { return now }
	for range 2 { // the burst token, then one that takes "forever"
		if err := c.waitForToken(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// The longest wait, not one that overflowed to a negative (immediate)
	// one: only the context ends it.
	if w := sleeper.recorded(); !slices.Equal(w, []time.Duration{math.MaxInt64}) {
		t.Errorf("waits = %v, want one of the longest duration", w)
	}
}

func TestRateLimit_cancelWhileWaitingReturnsTheToken(t *testing.T) {
	t.Parallel()
	ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeStatus(w, http.StatusOK, "application/json", flowJSON("f1", "x", time.Now()))
	})
	c, _ := newRTClient(t, ts.URL, func(cfg *Config) { cfg.MaxRequestsPerSecond = 1 })
	now := time.Date(2026, 7, 22, 10, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }

	if _, err := c.GetFlow(t.Context(), "f1"); err != nil { // takes the burst token
		t.Fatal(err)
	}
	// Ctrl-C while the call waits for its token: the real wait (sleepCtx)
	// ends with the context, and nothing is sent.
	ctx, cancel := context.WithCancel(t.Context())
	c.sleep = (&fakeSleeper{hook: func(ctx context.Context, _ time.Duration) error {
		cancel()
		return sleepCtx(ctx, time.Hour)
	}}).sleep
	_, err := c.GetFlow(ctx, "f1")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := ts.count(); n != 1 {
		t.Errorf("server saw %d requests; the cancelled call must send nothing", n)
	}
	// The abandoned reservation was given back: the next caller waits one
	// interval, not two.
	sleeper := &fakeSleeper{}
	c.sleep = sleeper.sleep
	if _, err := c.GetFlow(t.Context(), "f1"); err != nil {
		t.Fatal(err)
	}
	if w := sleeper.recorded(); !slices.Equal(w, []time.Duration{time.Second}) {
		t.Errorf("next waits = %v, want [1s]", w)
	}
}

func TestRateLimit_unlimitedByDefault(t *testing.T) {
	t.Parallel()
	ts := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeStatus(w, http.StatusOK, "application/json", flowJSON("f1", "x", time.Now()))
	})
	c, _ := newRTClient(t, ts.URL, nil)
	sleeper := &fakeSleeper{}
	c.sleep = sleeper.sleep
	for range 20 {
		if _, err := c.GetFlow(t.Context(), "f1"); err != nil {
			t.Fatal(err)
		}
	}
	if w := sleeper.recorded(); len(w) != 0 {
		t.Errorf("waited %v without a limit", w)
	}
}
