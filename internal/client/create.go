package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// createClockSkew is how far the server's clock may lag the client's: a
// flow counts as possibly created by an attempt when its created time is at
// or after the attempt's start minus this.
const createClockSkew = 5 * time.Minute

// maxCheckPages bounds one check listing: 20 pages of 30 flows is far more
// than a project creates in the few minutes a check looks back over.
const maxCheckPages = 20

// AmbiguousCreateError is returned by CreateFlow when a create attempt
// failed in a way that may still have created the flow on the server and
// the client cannot tell which flow, if any, is the one it created.
//
// CandidateIDs lists every flow that may have been created by the call
// (newest first); the user should keep at most one (importing it) and
// delete the others. When CandidateIDs is empty, the flows could not be
// listed at all and Err says why; a flow named Name may then exist that no
// one tracks.
type AmbiguousCreateError struct {
	Name         string
	CandidateIDs []string
	// Err is why the check could not be made (a listing failure, or the
	// caller's context ending); nil when candidates were found.
	Err error

	// cause describes the attempt that made the outcome ambiguous.
	cause string
}

func (e *AmbiguousCreateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "creating flow %q: ", e.Name)
	if e.cause != "" {
		fmt.Fprintf(&b, "an attempt failed without a usable answer (%s), so it may have created the flow anyway", e.cause)
	} else {
		b.WriteString("an attempt may have created the flow without the client learning its id")
	}
	if len(e.CandidateIDs) > 0 {
		fmt.Fprintf(&b, "; %d flows named %q may have been created by this call: %s. Delete the extra one(s) in Diga, or import one of them and delete the rest, before trying again",
			len(e.CandidateIDs), e.Name, strings.Join(e.CandidateIDs, ", "))
		return b.String()
	}
	b.WriteString("; the flows could not be listed to check")
	if e.Err != nil {
		b.WriteString(" (")
		b.WriteString(e.Err.Error())
		b.WriteString(")")
	}
	fmt.Fprintf(&b, ". A flow named %q may now exist in Diga without being tracked: look for it, and delete it or import it before trying again", e.Name)
	return b.String()
}

func (e *AmbiguousCreateError) Unwrap() error { return e.Err }

// CreateFlow creates an empty draft flow: POST /v1/workflow/ → 201.
//
// The create is not idempotent, so CreateFlow does not blindly repeat it
// after a failure that may have reached the server; see the package
// documentation. It returns exactly one flow, or an error; when the error is
// an *AmbiguousCreateError it names every flow that may have been created.
func (c *Client) CreateFlow(ctx context.Context, name string) (*Flow, error) {
	body, err := json.Marshal(struct {
		Name string `json:"name"`
	}{name})
	if err != nil {
		return nil, fmt.Errorf("%s %s: encoding request: %w", http.MethodPost, flowsPath, err)
	}
	r := &createRun{
		c:    c,
		name: name,
		cl:   call{method: http.MethodPost, path: flowsPath, body: body},
		b:    c.newBudget(ctx),
	}
	return r.run(ctx)
}

// createRun is one CreateFlow call.
type createRun struct {
	c    *Client
	name string
	cl   call
	b    *budget // shared by the create attempts and the check listings

	// since is the start of the first attempt whose outcome was ambiguous;
	// zero while every failure so far was a clean one.
	since time.Time
	cause string
}

func (r *createRun) run(ctx context.Context) (*Flow, error) {
	for attempt := 1; ; attempt++ {
		start := r.c.now()
		f, o, decodeErr := r.attempt(ctx)
		switch {
		case f != nil:
			if r.since.IsZero() {
				return f, nil
			}
			return r.verify(ctx, f)
		case o.ctxErr != nil:
			if o.sent {
				r.markAmbiguous(start, "interrupted while waiting for the answer")
			}
			if r.since.IsZero() {
				return nil, r.cl.errorf("%w", o.ctxErr)
			}
			return nil, r.undecided(o.ctxErr)
		case decodeErr != nil:
			// A 2xx answer: the flow exists, but its id is unreadable.
			r.markAmbiguous(start, r.c.redact(decodeErr.Error()))
			return r.settle(ctx, decodeErr)
		}

		v := classify(o)
		if v.ambiguous {
			r.markAmbiguous(start, r.c.redact(describeFailure(o, v)))
		}
		wait, fromHeader := r.c.nextWait(o, r.b)
		if !v.retry || !r.b.allows(r.c.now(), wait) {
			r.c.logFailed(ctx, r.cl, o, attempt)
			return r.settle(ctx, r.c.failure(r.cl, o, attempt))
		}
		r.b.spend()
		if err := r.c.waitRetry(ctx, r.cl, o, v, attempt, wait, fromHeader); err != nil {
			if r.since.IsZero() {
				return nil, r.cl.errorf("%w", err)
			}
			return nil, r.undecided(err)
		}
		if v.ambiguous {
			// Waiting first gave a slow server time to finish the create.
			adopted, err := r.check(ctx, false)
			if err != nil || adopted != nil {
				return adopted, err
			}
			// Nothing was created: send the create again.
		}
	}
}

// attempt sends the create once. On a 2xx answer it decodes the flow and
// claims its id before another check for the same name can list it.
func (r *createRun) attempt(ctx context.Context) (*Flow, outcome, error) {
	if err := r.c.creates.beginSend(ctx, r.name); err != nil {
		return nil, outcome{ctxErr: err}, nil
	}
	claim := ""
	defer func() { r.c.creates.endSend(r.name, claim) }()
	o := r.c.send(ctx, r.cl)
	if !o.succeeded() {
		return nil, o, nil
	}
	var f Flow
	if err := r.cl.decode(o, &f); err != nil {
		return nil, o, err
	}
	claim = f.ID
	return &f, o, nil
}

func (r *createRun) markAmbiguous(start time.Time, cause string) {
	if r.since.IsZero() {
		r.since = start
		r.cause = cause
	}
}

// settle ends a run whose last attempt failed for good: if an earlier
// attempt was ambiguous, a flow from it may exist and is adopted or named.
func (r *createRun) settle(ctx context.Context, final error) (*Flow, error) {
	if r.since.IsZero() {
		return nil, final
	}
	adopted, err := r.check(ctx, false)
	if err != nil || adopted != nil {
		return adopted, err
	}
	return nil, final
}

// verify runs after a create succeeded following an ambiguous attempt: a
// flow from that attempt may have appeared since the last check.
func (r *createRun) verify(ctx context.Context, created *Flow) (*Flow, error) {
	if _, err := r.check(ctx, true, created.ID); err != nil {
		var ambiguous *AmbiguousCreateError
		if errors.As(err, &ambiguous) && len(ambiguous.CandidateIDs) > 0 {
			return nil, err
		}
		// The create itself succeeded; the extra check is best effort.
		r.c.logger.Warn(ctx, "could not check for a flow created by an earlier failed attempt", map[string]any{
			"method":  r.cl.method,
			"path":    r.cl.path,
			"flow_id": created.ID,
			"error":   r.c.redact(err.Error()),
		})
	}
	return created, nil
}

// check lists the flows that may have been created by this run's ambiguous
// attempts: named r.name, created at or after r.since minus the clock-skew
// tolerance, and not claimed by this Client. With verifyOnly false, exactly
// one such flow is adopted (claimed and returned); none returns (nil, nil);
// more than one is an *AmbiguousCreateError. With verifyOnly true (created
// holds the flow the run already has) any such flow is an
// *AmbiguousCreateError naming it and the created one. A failure to list
// is an *AmbiguousCreateError without candidates.
func (r *createRun) check(ctx context.Context, verifyOnly bool, created ...string) (*Flow, error) {
	if err := r.c.creates.beginCheck(ctx, r.name); err != nil {
		return nil, r.undecided(err)
	}
	var claims []string
	defer func() { r.c.creates.endCheck(r.name, claims) }()

	flows, err := r.c.listRecentByName(ctx, r.name, r.since.Add(-createClockSkew), r.b)
	if err != nil {
		return nil, r.undecided(err)
	}
	candidates := r.c.creates.unclaimed(flows)
	if len(candidates) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(candidates)+len(created))
	ids = append(ids, created...)
	for _, f := range candidates {
		ids = append(ids, f.ID)
	}
	// Whatever is named or adopted here is claimed, so no other call of
	// this Client adopts a flow this one returned or told the user about.
	claims = ids
	if !verifyOnly && len(candidates) == 1 && !candidates[0].Created.IsZero() {
		f := candidates[0]
		r.c.logger.Warn(ctx, "adopted flow created by an earlier attempt", map[string]any{
			"method":  r.cl.method,
			"path":    r.cl.path,
			"flow_id": f.ID,
		})
		return &f, nil
	}
	return nil, &AmbiguousCreateError{Name: r.name, CandidateIDs: ids, cause: r.cause}
}

func (r *createRun) undecided(err error) error {
	return &AmbiguousCreateError{Name: r.name, Err: err, cause: r.cause}
}

// describeFailure is a short phrase for an ambiguous attempt.
func describeFailure(o outcome, v verdict) string {
	if o.err != nil {
		switch v.class {
		case "eof":
			return "connection closed without an answer: " + o.err.Error()
		case "connection_reset":
			return "connection lost: " + o.err.Error()
		}
		return o.err.Error()
	}
	s := strconv.Itoa(o.status)
	if t := http.StatusText(o.status); t != "" {
		s += " " + t
	}
	return s
}

// listRecentByName lists flows newest first (GET /v1/workflow/?limit=30&
// order=desc) until it reaches flows older than cutoff, and returns those
// named name that were created at or after cutoff, or whose created time
// is unknown. Failed requests are retried from b.
func (c *Client) listRecentByName(ctx context.Context, name string, cutoff time.Time, b *budget) ([]Flow, error) {
	var found []Flow
	seen := map[string]bool{}
	after := ""
	for pages := 1; ; pages++ {
		q := url.Values{"limit": {strconv.Itoa(defaultListLimit)}, "order": {"desc"}}
		if after != "" {
			q.Set("after", after)
		}
		cl := call{method: http.MethodGet, path: flowsPath, query: q}
		o, attempts, err := c.sendRetrying(ctx, cl, b)
		if err != nil {
			return nil, err
		}
		if !o.succeeded() {
			return nil, c.failure(cl, o, attempts)
		}
		var page struct {
			Data    []Flow  `json:"data"`
			HasMore bool    `json:"has_more"`
			LastID  *string `json:"last_id"`
		}
		if err := cl.decode(o, &page); err != nil {
			return nil, err
		}
		reachedOlder := false
		for _, f := range page.Data {
			if f.Name != nil && *f.Name == name && (f.Created.IsZero() || !f.Created.Before(cutoff)) {
				found = append(found, f)
			}
			// Whether the list is ordered by created or by updated time,
			// everything after a flow both created and updated before the
			// cutoff is older still.
			if !f.Created.IsZero() && f.Created.Before(cutoff) && !f.Updated.IsZero() && f.Updated.Before(cutoff) {
				reachedOlder = true
			}
		}
		if reachedOlder || !page.HasMore {
			return found, nil
		}
		next := nextCursor(&FlowPage{Data: page.Data, LastID: page.LastID})
		switch {
		case next == "":
			return nil, fmt.Errorf("listing flows: page %d says has_more but gives no last_id to continue from", pages)
		case seen[next]:
			return nil, fmt.Errorf("listing flows: page %d repeats cursor %q", pages, next)
		case pages >= maxCheckPages:
			return nil, fmt.Errorf("listing flows: more than %d pages of flows newer than %s", maxCheckPages, cutoff.UTC().Format(time.RFC3339))
		}
		seen[next] = true
		after = next
	}
}

// createRegistry is the Client's memory of create calls.
//
// claimed holds every flow id the Client has returned from CreateFlow
// (created or adopted) or named in an *AmbiguousCreateError, so no two
// calls ever end up with the same flow.
//
// gates serialise, per flow name, create attempts against checks: a check
// (list, decide, claim) waits until no create attempt with that name is in
// flight and holds new ones back until it has claimed what it takes.
// Otherwise a check could see a flow that a concurrent CreateFlow with the
// same name has just created but not yet received the answer for, and
// adopt it. Attempts with the same name still run concurrently with each
// other; checks are rare (only after an ambiguous failure).
type createRegistry struct {
	mu      sync.Mutex
	claimed map[string]struct{}
	gates   map[string]*nameGate

	// checkWaits, when set, is called (without mu) each time a check has
	// to wait for the gate; tests use it to order events.
	checkWaits func(name string)
}

type nameGate struct {
	sending  int  // create attempts in flight
	checking bool // a check is running
	waiting  int  // checks waiting to run
	changed  chan struct{}
}

// gate returns name's gate; the caller holds mu.
func (r *createRegistry) gate(name string) *nameGate {
	if r.gates == nil {
		r.gates = map[string]*nameGate{}
	}
	g := r.gates[name]
	if g == nil {
		g = &nameGate{changed: make(chan struct{})}
		r.gates[name] = g
	}
	return g
}

// changedLocked wakes every waiter of name's gate and forgets an idle gate;
// the caller holds mu.
func (r *createRegistry) changedLocked(name string, g *nameGate) {
	close(g.changed)
	g.changed = make(chan struct{})
	if g.sending == 0 && !g.checking && g.waiting == 0 {
		delete(r.gates, name)
	}
}

func (r *createRegistry) claimLocked(ids []string) {
	if r.claimed == nil {
		r.claimed = map[string]struct{}{}
	}
	for _, id := range ids {
		r.claimed[id] = struct{}{}
	}
}

func (r *createRegistry) beginSend(ctx context.Context, name string) error {
	for {
		r.mu.Lock()
		g := r.gate(name)
		if !g.checking && g.waiting == 0 {
			g.sending++
			r.mu.Unlock()
			return nil
		}
		ch := g.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (r *createRegistry) endSend(name, claim string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if claim != "" {
		r.claimLocked([]string{claim})
	}
	g := r.gate(name)
	g.sending--
	r.changedLocked(name, g)
}

func (r *createRegistry) beginCheck(ctx context.Context, name string) error {
	r.mu.Lock()
	g := r.gate(name)
	g.waiting++
	for g.checking || g.sending > 0 {
		ch := g.changed
		r.mu.Unlock()
		if r.checkWaits != nil {
			r.checkWaits(name)
		}
		select {
		case <-ch:
			r.mu.Lock()
		case <-ctx.Done():
			r.mu.Lock()
			g.waiting--
			r.changedLocked(name, g)
			r.mu.Unlock()
			return ctx.Err()
		}
	}
	g.waiting--
	g.checking = true
	r.mu.Unlock()
	return nil
}

func (r *createRegistry) endCheck(name string, claims []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.claimLocked(claims)
	g := r.gate(name)
	g.checking = false
	r.changedLocked(name, g)
}

// unclaimed filters out flows the Client has already handed out or named.
func (r *createRegistry) unclaimed(flows []Flow) []Flow {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Flow
	for _, f := range flows {
		if _, ok := r.claimed[f.ID]; !ok {
			out = append(out, f)
		}
	}
	return out
}
