package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Faults configures deterministic fault injection (see BEHAVIOUR.md,
// "Fault injection"). The zero value injects nothing.
type Faults struct {
	// Seed seeds the PRNG every decision is drawn from. A given seed and a
	// given sequence of eligible requests always give the same faults.
	Seed int64
	// ErrorRate is the share (0…1) of eligible requests answered with an
	// injected error before anything of the request is processed.
	ErrorRate float64
	// ErrorStatuses are the injected statuses, chosen uniformly; empty
	// means DefaultErrorStatuses (429, 502, 503). Each must be 400…599.
	ErrorStatuses []int
	// RetryAfter is sent as the Retry-After header (whole seconds, rounded
	// up; 0 sends "0") with every injected 429.
	RetryAfter time.Duration
	// LostAnswerRate is the share (0…1) of eligible WRITE requests
	// (POST/PATCH/PUT/DELETE) not already given an injected error that are
	// processed normally (the write is applied) and then answered by closing
	// the connection without sending anything.
	LostAnswerRate float64
	// Latency delays every eligible request before it is processed, by
	// Latency ± LatencyJitter (uniform, never below 0). The delay ends early
	// when the request's context is done; the request is then dropped
	// unprocessed.
	Latency       time.Duration
	LatencyJitter time.Duration
	// FaultUnauthenticated extends fault injection to requests that do not
	// present a valid API key. By default (false) only requests presenting
	// a valid key are eligible, so a wrong key always gets a clean,
	// immediate 401.
	FaultUnauthenticated bool
}

// DefaultErrorStatuses are the statuses injected when Faults.ErrorStatuses
// is empty.
var DefaultErrorStatuses = []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable}

// Sentinel statuses recorded in RequestRecord.Status for requests that got
// no HTTP answer at all.
const (
	// StatusLostAnswer: the request was processed, then the connection was
	// closed without a response (Faults.LostAnswerRate).
	StatusLostAnswer = -1
	// StatusClientClosedRequest (nginx's 499): the request's context ended
	// during the injected latency; nothing was processed or sent.
	StatusClientClosedRequest = 499
)

// FaultKind tells how fault injection shaped one request.
type FaultKind string

// The values of RequestRecord.Fault.
const (
	FaultNone     FaultKind = ""
	FaultError    FaultKind = "error"    // injected error; nothing applied
	FaultLost     FaultKind = "lost"     // processed (applied), answer never sent
	FaultCanceled FaultKind = "canceled" // context ended during injected latency; nothing applied
)

// FaultStats counts what fault injection did since the server was created.
// Counters are cumulative across SetFaults calls.
type FaultStats struct {
	// Requests counts eligible requests seen while fault injection was
	// active (any of the rates, Latency or LatencyJitter non-zero).
	Requests int64
	// InjectedErrors counts injected error answers, ByStatus splits them by
	// status. Lost answers are not in ByStatus.
	InjectedErrors int64
	LostAnswers    int64
	ByStatus       map[int]int64
}

// Validate reports a configuration WithFaults and SetFaults would refuse:
// rates outside 0…1 (or NaN), negative durations, statuses outside 400…599.
func (f Faults) Validate() error {
	var errs []error
	for _, r := range []struct {
		name string
		v    float64
	}{{"ErrorRate", f.ErrorRate}, {"LostAnswerRate", f.LostAnswerRate}} {
		if math.IsNaN(r.v) || r.v < 0 || r.v > 1 {
			errs = append(errs, fmt.Errorf("%s %v is not within 0…1", r.name, r.v))
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"RetryAfter", f.RetryAfter}, {"Latency", f.Latency}, {"LatencyJitter", f.LatencyJitter}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %v is negative", d.name, d.v))
		}
	}
	for _, st := range f.ErrorStatuses {
		if st < 400 || st > 599 {
			errs = append(errs, fmt.Errorf("error status %d is not within 400…599", st))
		}
	}
	return errors.Join(errs...)
}

func (f Faults) active() bool {
	return f.ErrorRate > 0 || f.LostAnswerRate > 0 || f.Latency > 0 || f.LatencyJitter > 0
}

// WithFaults enables fault injection from the start. It panics when
// f.Validate fails.
func WithFaults(f Faults) Option {
	return func(s *Server) { s.setFaultsLocked(f) }
}

// SetFaults replaces the fault configuration at runtime (e.g. faults only
// during an apply; SetFaults(Faults{}) turns them off) and re-seeds the PRNG
// from f.Seed, so the decision sequence restarts. Requests already past their
// fault decision keep their fate, except that pending injected delays end at
// once (those requests then proceed), so SetFaults(Faults{}) before closing a
// server never leaves it waiting on a long Latency. FaultStats is not reset.
// It panics when f.Validate fails.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFaultsLocked(f)
}

func (s *Server) setFaultsLocked(f Faults) {
	if err := f.Validate(); err != nil {
		panic("emulator: invalid Faults: " + err.Error())
	}
	if len(f.ErrorStatuses) == 0 {
		f.ErrorStatuses = DefaultErrorStatuses
	}
	f.ErrorStatuses = append([]int(nil), f.ErrorStatuses...)
	s.faults = f
	if s.faultWake != nil {
		close(s.faultWake) // end the injected delays of the old configuration
	}
	s.faultWake = make(chan struct{})
	// PCG's second word only selects the stream; any fixed constant works.
	s.faultRNG = rand.New(rand.NewPCG(uint64(f.Seed), 0x9e3779b97f4a7c15))
}

// FaultStats returns a copy of the fault injection counters.
func (s *Server) FaultStats() FaultStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.faultStats
	out.ByStatus = make(map[int]int64, len(s.faultStats.ByStatus))
	for k, v := range s.faultStats.ByStatus {
		out.ByStatus[k] = v
	}
	return out
}

// faultPlan is the fate of one request, decided when it arrives.
type faultPlan struct {
	delay      time.Duration
	status     int // injected error status, 0 for none
	retryAfter time.Duration
	lost       bool
	wake       <-chan struct{} // closed by the next SetFaults
}

// planFault decides, under the server lock, what happens to a request that
// reached a route. Every eligible request, while faults are active, draws
// exactly four floats (error, status, lost answer, jitter) whatever the
// outcome, so the fate of the n-th eligible request depends only on the
// seed, n and whether it is a write.
func (s *Server) planFault(method, key string) faultPlan {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &s.faults
	if !f.active() || s.faultRNG == nil {
		return faultPlan{}
	}
	if !f.FaultUnauthenticated {
		if _, ok := s.keys[key]; !ok {
			return faultPlan{}
		}
	}
	rng := s.faultRNG
	uErr, uStatus, uLost, uJitter := rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64()
	idx := min(int(uStatus*float64(len(f.ErrorStatuses))), len(f.ErrorStatuses)-1)

	p := faultPlan{wake: s.faultWake}
	if f.Latency > 0 || f.LatencyJitter > 0 {
		d := float64(f.Latency) + (2*uJitter-1)*float64(f.LatencyJitter)
		if d > 0 {
			p.delay = time.Duration(d)
		}
	}
	s.faultStats.Requests++
	if uErr < f.ErrorRate {
		p.status = f.ErrorStatuses[idx]
		p.retryAfter = f.RetryAfter
		s.faultStats.InjectedErrors++
		if s.faultStats.ByStatus == nil {
			s.faultStats.ByStatus = map[int]int64{}
		}
		s.faultStats.ByStatus[p.status]++
		return p
	}
	if isWrite(method) && uLost < f.LostAnswerRate {
		p.lost = true
		s.faultStats.LostAnswers++
	}
	return p
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// waitLatency holds a request for its injected delay and reports whether it
// should proceed: false when the request's context ended first (the client
// went away, or the server is shutting down through its base context); true
// when the delay elapsed or SetFaults ended it early.
//
// The body is read into memory first: net/http only notices that a client
// went away (and cancels r.Context()) once the request body has been read to
// EOF. The handlers read whole bodies anyway.
func (s *Server) waitLatency(r *http.Request, p faultPlan) bool {
	if p.delay <= 0 {
		return true
	}
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return false
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	t := time.NewTimer(p.delay)
	defer t.Stop()
	if s.latencyHook != nil {
		s.latencyHook()
	}
	select {
	case <-t.C:
		return true
	case <-p.wake:
		return true
	case <-r.Context().Done():
		return false
	}
}

// retryAfterSeconds renders d as whole seconds, rounded up.
func retryAfterSeconds(d time.Duration) string {
	secs := int64(d / time.Second)
	if d%time.Second != 0 {
		secs++
	}
	return strconv.FormatInt(secs, 10)
}

const (
	nginx502 = `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>`
	nginx504 = `<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>`
)

// writeInjectedError answers an injected error the way the component that
// would really produce it does.
func writeInjectedError(w http.ResponseWriter, p faultPlan) {
	switch status := p.status; status {
	case http.StatusTooManyRequests:
		ra := p.retryAfter
		w.Header().Set("Retry-After", retryAfterSeconds(ra))
		writeError(w, status, "RATE_LIMITED", "Rate limit exceeded, retry after "+retryAfterSeconds(ra)+" seconds")
	case http.StatusBadGateway:
		writeRaw(w, status, "text/html", []byte(nginx502))
	case http.StatusServiceUnavailable:
		writeError(w, status, "SERVICE_UNAVAILABLE", "Workflow service unavailable")
	case http.StatusGatewayTimeout:
		writeRaw(w, status, "text/html", []byte(nginx504))
	case http.StatusInternalServerError:
		// Starlette's ServerErrorMiddleware.
		writeRaw(w, status, "text/plain; charset=utf-8", []byte("Internal Server Error"))
	default:
		writeError(w, status, "INJECTED_FAULT", http.StatusText(status))
	}
}

// discardWriter collects a handler's answer that will never be sent.
type discardWriter struct {
	header http.Header
	status int
}

func (d *discardWriter) Header() http.Header {
	if d.header == nil {
		d.header = http.Header{}
	}
	return d.header
}

func (d *discardWriter) WriteHeader(code int) {
	if d.status == 0 {
		d.status = code
	}
}

func (d *discardWriter) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	return len(b), nil
}

// closeWithoutAnswer drops the connection without writing a byte: it hijacks
// the connection when the writer allows it (HTTP/1.x) and closes it;
// otherwise (HTTP/2, recorders, wrappers without Unwrap) it panics with
// http.ErrAbortHandler, which net/http turns into a silently closed
// connection or a reset stream.
func closeWithoutAnswer(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
