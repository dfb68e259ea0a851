package emulator

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestClock_dateHeaderFollowsTheServerClock(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	c := newClient(t, WithClock(func() time.Time { return now }))
	for _, tc := range []struct{ method, target string }{
		{"POST", "/v1/workflow/"},       // an answer of a route
		{"GET", "/v1/workflow/missing"}, // 404 of a handler
		{"GET", "/v1/nothing"},          // the router's own 404
		{"GET", "/v1/workflow"},         // the router's 307
	} {
		var body any
		if tc.method == "POST" {
			body = map[string]any{"name": "x"}
		}
		rec := c.do(tc.method, tc.target, body)
		if got, want := rec.Header().Get("Date"), "Wed, 04 Mar 2026 05:06:07 GMT"; got != want {
			t.Errorf("%s %s: Date = %q, want %q", tc.method, tc.target, got, want)
		}
	}
	created := c.create("y")
	if got := str(created, "created"); got != "2026-03-04T05:06:07.891000Z" {
		t.Errorf("created = %q", got)
	}

	t.Run("unauthenticated and injected faults too", func(t *testing.T) {
		t.Parallel()
		c := newClient(t, WithClock(func() time.Time { return now }), WithFaults(Faults{ErrorRate: 1}))
		for _, cl := range []*apiClient{c, c.as("bad key")} {
			rec := cl.do("GET", "/v1/workflow/", nil)
			if rec.Code == http.StatusOK || rec.Header().Get("Date") != "Wed, 04 Mar 2026 05:06:07 GMT" {
				t.Errorf("status %d, Date %q", rec.Code, rec.Header().Get("Date"))
			}
		}
	})
}

func TestClock_offsetSkewsTimestampsAndDate(t *testing.T) {
	t.Parallel()
	for _, skew := range []time.Duration{-10 * time.Minute, 10 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			t.Parallel()
			emu := New(WithAPIKeys(keyA), WithClockOffset(skew))
			srv := httptest.NewServer(emu)
			t.Cleanup(srv.Close)
			before := time.Now()
			req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/v1/workflow/", nil)
			req.Header.Set("Authorization", "Bearer "+keyA)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			after := time.Now()
			date, err := http.ParseTime(resp.Header.Get("Date"))
			if err != nil {
				t.Fatalf("Date %q: %v", resp.Header.Get("Date"), err)
			}
			// Date has whole seconds, truncated.
			lo, hi := before.Add(skew).Truncate(time.Second), after.Add(skew)
			if date.Before(lo) || date.After(hi) {
				t.Errorf("Date %s not within [%s, %s]", date, lo, hi)
			}
			id := emu.CreateFlow(keyA, "ui flow")
			f, _ := emu.Flow(keyA, id)
			if d := f.Created.Sub(time.Now().Add(skew)); d > time.Second || d < -time.Minute {
				t.Errorf("created %s is not on the skewed clock (off by %s)", f.Created, d)
			}
			if f.Name != "ui flow" || f.Status != "DISABLED" || !f.Created.Equal(f.Updated) || f.Published {
				t.Errorf("CreateFlow made %+v, want what a create makes", f)
			}
		})
	}
}
