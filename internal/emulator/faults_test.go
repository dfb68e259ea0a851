package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveFaulty sends one request in process. A lost answer (the recorder
// cannot be hijacked) surfaces as panic(http.ErrAbortHandler), reported as
// lost.
func serveFaulty(t *testing.T, s *Server, method, target, key, body string) (rec *httptest.ResponseRecorder, lost bool) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec = httptest.NewRecorder()
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); !ok || !errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			lost = true
		}
	}()
	s.ServeHTTP(rec, req)
	return rec, false
}

// checkInjected verifies the body and headers of an injected error.
func checkInjected(t *testing.T, rec *httptest.ResponseRecorder, retryAfter string) {
	t.Helper()
	switch rec.Code {
	case 429:
		expectEnvelope(t, rec, 429, "RATE_LIMITED", "")
		if got := rec.Header().Get("Retry-After"); got != retryAfter {
			t.Fatalf("Retry-After = %q, want %q", got, retryAfter)
		}
	case 502:
		if ct := rec.Header().Get("Content-Type"); ct != "text/html" {
			t.Fatalf("502 Content-Type = %q", ct)
		}
		if rec.Body.String() != `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>` {
			t.Fatalf("502 body %q", rec.Body.String())
		}
	case 503:
		expectEnvelope(t, rec, 503, "SERVICE_UNAVAILABLE", "Workflow service unavailable")
	default:
		t.Fatalf("status %d, body %s", rec.Code, rec.Body.String())
	}
	if rec.Code != 429 && rec.Header().Get("Retry-After") != "" {
		t.Fatalf("Retry-After on %d", rec.Code)
	}
}

func TestFaultsErrorRateOneAppliesNothing(t *testing.T) {
	t.Parallel()
	s := New(WithAPIKeys(keyA), WithFaults(Faults{Seed: 1, ErrorRate: 1, RetryAfter: 1500 * time.Millisecond}))
	seeded := s.SeedFlows(keyA, 1, "seed ")[0]
	reqs := []struct{ method, target, body string }{
		{"POST", "/v1/workflow/", `{"name":"new"}`},
		{"GET", "/v1/workflow/", ""},
		{"GET", "/v1/workflow/" + seeded, ""},
		{"PATCH", "/v1/workflow/" + seeded + "/rename", `{"name":"renamed"}`},
		{"POST", "/v1/workflow/" + seeded + "/import", `{"displayName":"imp","trigger":{"type":"EMPTY"}}`},
		{"DELETE", "/v1/workflow/" + seeded, ""},
		{"POST", "/v1/workflow/", `not json`},    // would be 422
		{"GET", "/v1/workflow/template", ""},     // would be 501
		{"GET", "/v1/workflow/nope", ""},         // would be 404
		{"GET", "/v1/workflow/piece", ""},        // public route, valid key presented
		{"PUT", "/v1/workflow/", `{"name":"x"}`}, // 405 from the router: not faulted
	}
	seen := map[int]int{}
	for range 20 {
		for _, rq := range reqs {
			rec, lost := serveFaulty(t, s, rq.method, rq.target, keyA, rq.body)
			if lost {
				t.Fatalf("lost answer without LostAnswerRate")
			}
			if rq.method == "PUT" {
				if rec.Code != 405 {
					t.Fatalf("router answer faulted: %d", rec.Code)
				}
				continue
			}
			checkInjected(t, rec, "2")
			seen[rec.Code]++
		}
	}
	if len(seen) != 3 {
		t.Fatalf("statuses seen %v, want all of 429, 502, 503", seen)
	}
	flows := s.Flows(keyA)
	if len(flows) != 1 || flows[0].ID != seeded || flows[0].Name != "seed 1" || flows[0].Trigger["type"] != "EMPTY" {
		t.Fatalf("something was applied: %+v", flows)
	}
	st := s.FaultStats()
	if st.Requests != 200 || st.InjectedErrors != 200 || st.LostAnswers != 0 ||
		st.ByStatus[429]+st.ByStatus[502]+st.ByStatus[503] != 200 || int(st.ByStatus[429]) != seen[429] {
		t.Fatalf("stats %+v, seen %v", st, seen)
	}
	recs := s.Requests()
	if len(recs) != 220 {
		t.Fatalf("%d records", len(recs))
	}
	for _, r := range recs {
		if r.Method == "PUT" {
			if r.Fault != FaultNone || r.Status != 405 {
				t.Fatalf("router record %+v", r)
			}
			continue
		}
		if r.Fault != FaultError || (r.Status != 429 && r.Status != 502 && r.Status != 503) || r.LostStatus != 0 {
			t.Fatalf("record %+v", r)
		}
	}
	// Injected writes count as write attempts.
	if n := s.WriteCount(keyA); n != 20*5 {
		t.Fatalf("WriteCount = %d", n)
	}
}

func TestFaultsRetryAfterAndOtherStatuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "0"}, {time.Nanosecond, "1"}, {time.Second, "1"}, {1500 * time.Millisecond, "2"}, {2 * time.Second, "2"}, {90 * time.Second, "90"}} {
		s := New(WithAPIKeys(keyA), WithFaults(Faults{ErrorRate: 1, ErrorStatuses: []int{429}, RetryAfter: tc.d}))
		rec, _ := serveFaulty(t, s, "GET", "/v1/workflow/", keyA, "")
		checkInjected(t, rec, tc.want)
	}
	for status, check := range map[int]func(*httptest.ResponseRecorder){
		500: func(rec *httptest.ResponseRecorder) {
			if rec.Body.String() != "Internal Server Error" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
				t.Fatalf("500: %q", rec.Body.String())
			}
		},
		504: func(rec *httptest.ResponseRecorder) {
			mustContain(t, rec.Body.String(), "504 Gateway Time-out")
		},
		418: func(rec *httptest.ResponseRecorder) {
			expectEnvelope(t, rec, 418, "INJECTED_FAULT", "I'm a teapot")
		},
	} {
		s := New(WithAPIKeys(keyA), WithFaults(Faults{ErrorRate: 1, ErrorStatuses: []int{status}}))
		rec, _ := serveFaulty(t, s, "GET", "/v1/workflow/", keyA, "")
		if rec.Code != status {
			t.Fatalf("status %d, want %d", rec.Code, status)
		}
		check(rec)
	}
}

func TestFaultsLostAnswerOverRealConnection(t *testing.T) {
	t.Parallel()
	s := New(WithAPIKeys(keyA), WithFaults(Faults{Seed: 3, LostAnswerRate: 1}))
	ts := httptest.NewServer(s)
	defer ts.Close()
	client := ts.Client()
	do := func(method, path, body string) (*http.Response, error) {
		req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+keyA)
		req.Header.Set("Content-Type", "application/json")
		return client.Do(req)
	}
	// Interleave reads (never lost) so that some creates travel on a reused
	// connection: the transport must not replay them.
	for i := range 3 {
		resp, err := do("POST", "/v1/workflow/", fmt.Sprintf(`{"name":"lost %d"}`, i))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("create %d answered %d", i, resp.StatusCode)
		}
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("create %d: want a transport error (EOF/reset), got %v", i, err)
		}
		resp, err = do("GET", "/v1/workflow/?limit=30", "")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), fmt.Sprintf(`"name":"lost %d"`, i)) {
			t.Fatalf("list after lost create: %d %s", resp.StatusCode, b)
		}
	}
	// A lost write that fails still loses its answer, and is recorded.
	if resp, err := do("DELETE", "/v1/workflow/unknown", ""); err == nil {
		resp.Body.Close()
		t.Fatal("lost delete answered")
	}
	flows := s.Flows(keyA)
	if len(flows) != 3 {
		t.Fatalf("%d flows, want 3 (applied exactly once each)", len(flows))
	}
	recs := s.Requests()
	if len(recs) != 7 {
		t.Fatalf("records %+v", recs)
	}
	for i, r := range recs {
		switch {
		case i == 6:
			if r.Status != StatusLostAnswer || r.Fault != FaultLost || r.LostStatus != 404 {
				t.Fatalf("lost delete record %+v", r)
			}
		case i%2 == 0:
			if r.Status != StatusLostAnswer || r.Fault != FaultLost || r.LostStatus != 201 || r.Method != "POST" {
				t.Fatalf("lost create record %+v", r)
			}
		default:
			if r.Status != 200 || r.Fault != FaultNone {
				t.Fatalf("read record %+v", r)
			}
		}
	}
	if st := s.FaultStats(); st.LostAnswers != 4 || st.Requests != 7 || st.InjectedErrors != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFaultsLostAnswerWithoutHijacker(t *testing.T) {
	t.Parallel()
	s := New(WithAPIKeys(keyA), WithFaults(Faults{LostAnswerRate: 1}))
	rec, lost := serveFaulty(t, s, "POST", "/v1/workflow/", keyA, `{"name":"x"}`)
	if !lost {
		t.Fatalf("answered %d", rec.Code)
	}
	if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Fatalf("something was written: %q %v", rec.Body.String(), rec.Header())
	}
	if len(s.Flows(keyA)) != 1 {
		t.Fatal("lost create not applied")
	}
	if r := s.Requests(); len(r) != 1 || r[0].Status != StatusLostAnswer || r[0].LostStatus != 201 {
		t.Fatalf("%+v", r)
	}
}

// faultTrace runs a fixed sequential stream and returns what fault injection
// did to each request.
func faultTrace(t *testing.T, s *Server, n int) []string {
	t.Helper()
	out := make([]string, 0, n)
	for i := range n {
		var rec *httptest.ResponseRecorder
		var lost bool
		if i%3 == 0 {
			rec, lost = serveFaulty(t, s, "GET", "/v1/workflow/", keyA, "")
		} else {
			rec, lost = serveFaulty(t, s, "POST", "/v1/workflow/", keyA, fmt.Sprintf(`{"name":"f%d"}`, i))
		}
		switch {
		case lost:
			out = append(out, "lost")
		default:
			out = append(out, fmt.Sprint(rec.Code))
		}
	}
	return out
}

func TestFaultsSameSeedSameDecisions(t *testing.T) {
	t.Parallel()
	f := Faults{Seed: 42, ErrorRate: 0.3, LostAnswerRate: 0.3}
	a := faultTrace(t, New(WithAPIKeys(keyA), WithFaults(f)), 300)
	bSrv := New(WithAPIKeys(keyA), WithFaults(f))
	b := faultTrace(t, bSrv, 300)
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Fatalf("same seed, different decisions:\n%v\n%v", a, b)
	}
	kinds := map[string]bool{}
	for _, x := range a {
		kinds[x] = true
	}
	for _, want := range []string{"200", "201", "429", "502", "503", "lost"} {
		if !kinds[want] {
			t.Fatalf("outcome %s never happened: %v", want, a)
		}
	}
	// SetFaults re-seeds: the same stream replays the same decisions.
	bSrv.SetFaults(f)
	if c := faultTrace(t, bSrv, 300); strings.Join(a, " ") != strings.Join(c, " ") {
		t.Fatalf("SetFaults did not restart the sequence:\n%v\n%v", a, c)
	}
	f.Seed = 43
	if d := faultTrace(t, New(WithAPIKeys(keyA), WithFaults(f)), 300); strings.Join(a, " ") == strings.Join(d, " ") {
		t.Fatal("different seeds gave the same 300 decisions")
	}
}

func TestFaultsRates(t *testing.T) {
	t.Parallel()
	s := New(WithAPIKeys(keyA), WithFaults(Faults{Seed: 7, ErrorRate: 0.2}))
	for range 1000 {
		if _, lost := serveFaulty(t, s, "GET", "/v1/workflow/", keyA, ""); lost {
			t.Fatal("read lost")
		}
	}
	st := s.FaultStats()
	if st.Requests != 1000 || st.InjectedErrors < 150 || st.InjectedErrors > 250 || st.LostAnswers != 0 {
		t.Fatalf("stats %+v", st)
	}
	if len(st.ByStatus) != 3 || st.ByStatus[429]+st.ByStatus[502]+st.ByStatus[503] != st.InjectedErrors {
		t.Fatalf("ByStatus %v", st.ByStatus)
	}
	// FaultStats returns a copy.
	st.ByStatus[429] = -5
	if s.FaultStats().ByStatus[429] == -5 {
		t.Fatal("FaultStats shares its map")
	}

	// Writes: every create not refused by an injected error is applied,
	// whether or not its answer was lost.
	w := New(WithAPIKeys(keyA), WithFaults(Faults{Seed: 8, ErrorRate: 0.2, LostAnswerRate: 0.1}))
	lostSeen := 0
	for i := range 1000 {
		if _, lost := serveFaulty(t, w, "POST", "/v1/workflow/", keyA, fmt.Sprintf(`{"name":"w%d"}`, i)); lost {
			lostSeen++
		}
	}
	ws := w.FaultStats()
	if ws.InjectedErrors < 150 || ws.InjectedErrors > 250 || ws.LostAnswers < 40 || ws.LostAnswers > 120 || int(ws.LostAnswers) != lostSeen {
		t.Fatalf("stats %+v (lost seen %d)", ws, lostSeen)
	}
	if n := len(w.Flows(keyA)); int64(n) != 1000-ws.InjectedErrors {
		t.Fatalf("%d flows, want %d", n, 1000-ws.InjectedErrors)
	}
}

func TestFaultsNeverOnInvalidKey(t *testing.T) {
	t.Parallel()
	f := Faults{Seed: 1, ErrorRate: 1, LostAnswerRate: 1}
	s := New(WithAPIKeys(keyA), WithFaults(f))
	for _, key := range []string{"", "wrong"} {
		for _, m := range []string{"GET", "POST", "DELETE"} {
			rec, lost := serveFaulty(t, s, m, "/v1/workflow/", key, `{"name":"x"}`)
			if m == "DELETE" {
				if lost || rec.Code != 405 {
					t.Fatalf("router 405 faulted: %d lost=%v", rec.Code, lost)
				}
				continue
			}
			if lost {
				t.Fatal("unauthenticated answer lost")
			}
			expectEnvelope(t, rec, 401, "INVALID_API_KEY", "Invalid or missing API key")
		}
	}
	// Router answers are never faulted, even with a valid key.
	for _, tc := range []struct {
		method, target string
		status         int
	}{{"GET", "/v1/workflow", 307}, {"GET", "/nope", 404}, {"PUT", "/v1/workflow/", 405}} {
		if rec, lost := serveFaulty(t, s, tc.method, tc.target, keyA, ""); lost || rec.Code != tc.status {
			t.Fatalf("%s %s: %d lost=%v", tc.method, tc.target, rec.Code, lost)
		}
	}
	if st := s.FaultStats(); st.Requests != 0 || st.InjectedErrors != 0 || st.LostAnswers != 0 {
		t.Fatalf("stats %+v", st)
	}
	for _, r := range s.Requests() {
		if r.Fault != FaultNone {
			t.Fatalf("faulted record %+v", r)
		}
	}

	// Opting in faults them too, before authentication.
	f.FaultUnauthenticated = true
	u := New(WithAPIKeys(keyA), WithFaults(f))
	rec, _ := serveFaulty(t, u, "GET", "/v1/workflow/", "wrong", "")
	checkInjected(t, rec, "0")
}

// latencyServer serves s over a real connection; waiting receives a value
// each time a request starts its injected delay, returned each time
// ServeHTTP has returned.
func latencyServer(t *testing.T, s *Server) (ts *httptest.Server, waiting, returned chan struct{}) {
	waiting = make(chan struct{}, 10)
	returned = make(chan struct{}, 10)
	s.latencyHook = func() { waiting <- struct{}{} }
	ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { returned <- struct{}{} }()
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, waiting, returned
}

// failAfter bounds a wait that should end at once; it is a failure
// deadline, never a synchronisation.
const failAfter = 30 * time.Second

func TestFaultsLatencyAbortsOnCancel(t *testing.T) {
	t.Parallel()
	s := New(WithAPIKeys(keyA), WithFaults(Faults{Latency: time.Hour}))
	ts, waiting, returned := latencyServer(t, s)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/v1/workflow/", strings.NewReader(`{"name":"slow"}`))
	req.Header.Set("Authorization", "Bearer "+keyA)
	errc := make(chan error, 1)
	go func() {
		resp, err := ts.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-waiting
	cancel()
	select {
	case <-returned:
	case <-time.After(failAfter):
		t.Fatal("handler still sleeping after the client canceled")
	}
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("client error %v", err)
	}
	if len(s.Flows(keyA)) != 0 {
		t.Fatal("canceled request was applied")
	}
	if r := s.Requests(); len(r) != 1 || r[0].Status != StatusClientClosedRequest || r[0].Fault != FaultCanceled {
		t.Fatalf("%+v", r)
	}
}

func TestSetFaultsEndsPendingLatency(t *testing.T) {
	t.Parallel()
	s := New(WithAPIKeys(keyA), WithFaults(Faults{Latency: time.Hour}))
	ts, waiting, returned := latencyServer(t, s)
	type result struct {
		status int
		err    error
	}
	resc := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", ts.URL+"/v1/workflow/", strings.NewReader(`{"name":"slow"}`))
		req.Header.Set("Authorization", "Bearer "+keyA)
		resp, err := ts.Client().Do(req)
		if err != nil {
			resc <- result{err: err}
			return
		}
		resp.Body.Close()
		resc <- result{status: resp.StatusCode}
	}()
	<-waiting
	s.SetFaults(Faults{})
	select {
	case <-returned:
	case <-time.After(failAfter):
		t.Fatal("SetFaults did not end the injected delay")
	}
	if r := <-resc; r.err != nil || r.status != 201 {
		t.Fatalf("%+v", r)
	}
	if len(s.Flows(keyA)) != 1 {
		t.Fatal("woken request not processed")
	}
}

func TestFaultsLatencyInProcess(t *testing.T) {
	t.Parallel()
	s := New(WithAPIKeys(keyA), WithFaults(Faults{Latency: time.Hour}))
	// An already canceled context never sleeps, and the request is dropped
	// without an answer (a recorder cannot be hijacked: ErrAbortHandler).
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("POST", "/v1/workflow/", strings.NewReader(`{"name":"x"}`)).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+keyA)
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			v := recover()
			if err, ok := v.(error); !ok || !errors.Is(err, http.ErrAbortHandler) {
				t.Fatalf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		s.ServeHTTP(rec, req)
	}()
	if rec.Body.Len() != 0 || len(s.Flows(keyA)) != 0 {
		t.Fatalf("canceled request answered or applied: %q", rec.Body.String())
	}
	// A short latency with jitter just delays.
	s.SetFaults(Faults{Latency: time.Millisecond, LatencyJitter: time.Millisecond})
	rec, _ = serveFaulty(t, s, "POST", "/v1/workflow/", keyA, `{"name":"y"}`)
	expectJSON(t, rec, 201)
}

func TestSetFaultsAtRuntime(t *testing.T) {
	t.Parallel()
	s := New(WithAPIKeys(keyA))
	rec, _ := serveFaulty(t, s, "POST", "/v1/workflow/", keyA, `{"name":"before"}`)
	expectJSON(t, rec, 201)
	s.SetFaults(Faults{ErrorRate: 1, ErrorStatuses: []int{503}})
	rec, _ = serveFaulty(t, s, "POST", "/v1/workflow/", keyA, `{"name":"during"}`)
	expectEnvelope(t, rec, 503, "SERVICE_UNAVAILABLE", "Workflow service unavailable")
	s.SetFaults(Faults{})
	rec, _ = serveFaulty(t, s, "POST", "/v1/workflow/", keyA, `{"name":"after"}`)
	expectJSON(t, rec, 201)
	if st := s.FaultStats(); st.Requests != 1 || st.InjectedErrors != 1 || st.ByStatus[503] != 1 {
		t.Fatalf("stats %+v", st)
	}
	if n := len(s.Flows(keyA)); n != 2 {
		t.Fatalf("%d flows", n)
	}
}

func TestFaultsValidate(t *testing.T) {
	t.Parallel()
	if err := (Faults{}).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []Faults{
		{ErrorRate: 1.5}, {ErrorRate: -0.1}, {LostAnswerRate: 2},
		{Latency: -time.Second}, {LatencyJitter: -1}, {RetryAfter: -1},
		{ErrorStatuses: []int{200}}, {ErrorStatuses: []int{600}},
	} {
		if f.Validate() == nil {
			t.Errorf("%+v accepted", f)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SetFaults(%+v) did not panic", f)
				}
			}()
			New().SetFaults(f)
		}()
	}
}
