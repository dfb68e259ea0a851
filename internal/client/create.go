package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxCheckPages bounds one check listing: 20 pages of 30 flows created
// since one lost attempt is far more than any project sees.
const maxCheckPages = 20

// noDateHorizon is how far back, on the client's own clock, a check lists
// same-named flows to report them when the server sends no usable Date
// header. Nothing is adopted then, so this bounds only what is named.
const noDateHorizon = time.Hour

// maxCheckReserve caps the part of a create's time budget kept for the
// listing that checks a lost answer (a fifth of the budget, at most this):
// create attempts and their retries stop that long before the deadline.
const maxCheckReserve = time.Minute

// freshSlack is how far updated may be from created in a flow still as a
// create leaves it (they are equal in Diga's and the emulator's answers).
const freshSlack = time.Second

// CreateResult is what CreateFlow returns.
type CreateResult struct {
	// Flow is the flow created by this call: answered by a create, or
	// adopted (see Adopted).
	Flow *Flow
	// Adopted reports that the create's answer was lost and Flow was found
	// by listing: created after the attempt by the server's clock, and
	// still exactly as a create leaves it.
	Adopted bool
	// Warnings name same-named flows the call found but did not return,
	// after an attempt whose answer was lost; empty when every attempt
	// had a clean outcome. None of them was changed. The caller should
	// show them to the user (the provider makes them diagnostics).
	Warnings []CreateWarning
}

// CreateWarning is one notice for the user about flows CreateFlow found.
type CreateWarning struct {
	// Summary is a one-line title, Detail the explanation naming every
	// flow in FlowIDs and what to do about them.
	Summary, Detail string
	// FlowIDs are the flows the warning is about.
	FlowIDs []string
	// MayBeFromThisCall: the flows were created after an attempt of this
	// call whose answer was lost, so one of them may have been created by
	// it (a probable orphan). false: they existed before that attempt.
	MayBeFromThisCall bool
}

// AmbiguousCreateError is returned by CreateFlow when a create attempt
// failed in a way that may still have created the flow on the server and
// the call returns no flow.
//
// CandidateIDs lists every flow that may have been created by the call
// (newest first); none of them was adopted because none is certainly
// this call's untouched flow. The user should keep at most one (importing
// it) and delete the others. When CandidateIDs is empty and Err is set, the
// flows could not be listed at all: a flow named Name may then exist that
// no one tracks. ExistingIDs are same-named flows that cannot be from this
// call (created before its attempt); they were not touched.
type AmbiguousCreateError struct {
	Name         string
	CandidateIDs []string
	ExistingIDs  []string
	// Err is why the check could not be made (a listing failure, or the
	// caller's context ending); nil when the flows were listed.
	Err error

	// cause describes the attempt that made the outcome ambiguous, final
	// how the last attempt failed (nil when Err says why the call ended).
	cause string
	final error
}

func (e *AmbiguousCreateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "creating flow %q: ", e.Name)
	if e.cause != "" {
		fmt.Fprintf(&b, "an attempt failed without a usable answer (%s), so it may have created the flow anyway", e.cause)
	} else {
		b.WriteString("an attempt may have created the flow without the client learning its id")
	}
	if e.final != nil {
		fmt.Fprintf(&b, "; the last attempt failed: %s", e.final)
	}
	switch {
	case len(e.CandidateIDs) > 0:
		fmt.Fprintf(&b, "; %d flow(s) named %q created since may have been created by this call, and none could be "+
			"adopted safely: %s. Keep at most one of them (import it) and delete the others in Diga before trying again",
			len(e.CandidateIDs), e.Name, strings.Join(e.CandidateIDs, ", "))
	case e.Err != nil:
		fmt.Fprintf(&b, "; the flows could not be listed to check (%s). A flow named %q may now exist in Diga without "+
			"being tracked: look for it, and delete it or import it before trying again", e.Err, e.Name)
	default:
		fmt.Fprintf(&b, "; no flow named %q created since was found", e.Name)
	}
	if len(e.ExistingIDs) > 0 {
		fmt.Fprintf(&b, ". Flows named %q that existed before the attempt were not touched: %s",
			e.Name, strings.Join(e.ExistingIDs, ", "))
	}
	return b.String()
}

func (e *AmbiguousCreateError) Unwrap() error { return e.Err }

// CreateFlow creates an empty draft flow: POST /v1/workflow/ → 201.
//
// The create is not idempotent, so CreateFlow does not blindly repeat it
// after a failure that may have reached the server; see the package
// documentation, "Non-idempotent create". It returns exactly one flow and
// the warnings about other same-named flows it came across, or an error;
// every flow that may have been created by the call is either the one
// returned or named in a warning or in the error (an
// *AmbiguousCreateError), except a flow the server creates only after the
// call's last listing.
func (c *Client) CreateFlow(ctx context.Context, name string) (*CreateResult, error) {
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
		seen: map[string]bool{},
	}
	// The whole budget ends at r.deadline; attempts (and their retries)
	// stop a reserve earlier, so a lost answer can still be checked for.
	full := c.newBudget(ctx)
	r.deadline = full.deadline
	reserve := max(min(r.deadline.Sub(c.now())/5, maxCheckReserve), 0)
	r.b = &budget{deadline: r.deadline.Add(-reserve), left: c.maxRetries}
	r.cl.until = r.b.deadline
	return r.run(ctx)
}

// createRun is one CreateFlow call.
type createRun struct {
	c    *Client
	name string
	cl   call
	b    *budget // the create attempts' retries

	// deadline ends the call's whole budget, check listings included.
	deadline time.Time

	// since is the start of the first attempt whose outcome was ambiguous,
	// on the client's clock; zero while every failure so far was a clean
	// one. cause describes that attempt.
	since time.Time
	cause string

	// Same-named flows the checks found and did not adopt. possible may
	// have been created by this call (claimed: no other call of the Client
	// adopts a flow this one names); existing predate the attempt (not
	// claimed: they may be another call's). seen dedupes across checks.
	possible []foundFlow
	existing []foundFlow
	seen     map[string]bool
	// checkFailed is why the last check after a successful create could
	// not list (the create is kept; the user is warned).
	checkFailed error
}

// foundFlow is a same-named flow a check did not adopt, and why.
type foundFlow struct {
	id, why string
}

func (r *createRun) run(ctx context.Context) (*CreateResult, error) {
	for attempt := 1; ; attempt++ {
		start := r.c.now()
		f, o, decodeErr := r.attempt(ctx)
		switch {
		case f != nil:
			if r.since.IsZero() {
				return &CreateResult{Flow: f}, nil
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
		if !v.retry || !r.b.allows(r.c.now(), wait, v) {
			r.c.logFailed(ctx, r.cl, o, attempt)
			return r.settle(ctx, r.c.failure(r.cl, o, attempt))
		}
		r.b.spend()
		if err := r.c.waitRetry(ctx, r.cl, o, v, attempt, wait, fromHeader); err != nil {
			if r.since.IsZero() {
				if errors.Is(err, context.DeadlineExceeded) {
					// The last real failure, not the deadline.
					return nil, r.c.failure(r.cl, o, attempt)
				}
				return nil, r.cl.errorf("%w", err)
			}
			return nil, r.undecided(ended(err, false))
		}
		if v.ambiguous {
			// Waiting first gave a slow server time to finish the create.
			adopted, err := r.check(ctx, true)
			if err != nil {
				return nil, err
			}
			if adopted != nil {
				return r.result(adopted, true), nil
			}
			// Nothing this call may adopt: send the create again. Whatever
			// the check found is named when the call ends.
		}
	}
}

// attempt sends the create once. On a 2xx answer it decodes the flow and
// claims its id before another check for the same name can list it.
func (r *createRun) attempt(ctx context.Context) (*Flow, outcome, error) {
	if err := r.c.creates.beginSend(ctx, r.name); err != nil {
		return nil, outcome{ctxErr: ended(err, false)}, nil
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
func (r *createRun) settle(ctx context.Context, final error) (*CreateResult, error) {
	if r.since.IsZero() {
		return nil, final
	}
	adopted, err := r.check(ctx, true)
	if err != nil {
		return nil, err
	}
	if adopted != nil {
		return r.result(adopted, true), nil
	}
	if len(r.possible) > 0 {
		return nil, &AmbiguousCreateError{Name: r.name, CandidateIDs: ids(r.possible), ExistingIDs: ids(r.existing),
			cause: r.cause, final: final}
	}
	return nil, final
}

// verify runs after a create succeeded following an ambiguous attempt: a
// flow from that attempt may have appeared since the last check. The
// created flow is kept whatever the check finds; what it finds becomes
// warnings.
func (r *createRun) verify(ctx context.Context, created *Flow) (*CreateResult, error) {
	if _, err := r.check(ctx, false); err != nil {
		r.checkFailed = err
		r.c.logger.Warn(ctx, "could not check for a flow created by an earlier failed attempt", map[string]any{
			"method":  r.cl.method,
			"path":    r.cl.path,
			"flow_id": created.ID,
			"error":   r.c.redact(err.Error()),
		})
	}
	return r.result(created, false), nil
}

// check lists the flows named r.name created since the run's first
// ambiguous attempt and sorts the unclaimed ones:
//   - adoptable: created at or after that attempt's start judged on the
//     server's clock (see listSameName), and still as a create leaves it
//     (EMPTY or no trigger, no steps, DISABLED or no status, updated
//     within freshSlack of created);
//   - possible: created since but changed, or of unknown age (no usable
//     Date header): may be this call's, never adopted, named;
//   - existing: created before the attempt: not this call's, named.
//
// With adopt set and at least one adoptable flow, the oldest adoptable one
// is claimed and returned; the other adoptable ones join possible (they
// are probably left by another lost attempt of this or a concurrent call).
// Without adopt (after a successful create) adoptable flows join possible.
// Everything in possible is claimed. A listing failure is an
// *AmbiguousCreateError.
func (r *createRun) check(ctx context.Context, adopt bool) (*Flow, error) {
	if err := r.c.creates.beginCheck(ctx, r.name); err != nil {
		return nil, r.undecided(ended(err, false))
	}
	var claims []string
	defer func() { r.c.creates.endCheck(r.name, claims) }()

	lb := &budget{deadline: r.deadline, left: r.c.maxRetries}
	lst, err := r.c.listSameName(ctx, r.name, r.since, lb)
	if err != nil {
		return nil, r.undecided(err)
	}
	var adoptable []Flow
	for _, f := range r.c.creates.unclaimed(lst.flows) {
		if r.seen[f.ID] {
			continue
		}
		switch {
		case !lst.serverTime:
			r.addPossible(&claims, f, "the server sent no usable Date header, so the client cannot tell whether it was created before or after the attempt")
		case f.Created.IsZero():
			r.addPossible(&claims, f, "the server gave no created time")
		case f.Created.Before(lst.cutoff):
			r.seen[f.ID] = true
			r.existing = append(r.existing, foundFlow{f.ID, "created " + f.Created.UTC().Format(time.RFC3339) + ", before the attempt"})
		default:
			if why := changedSinceCreated(f); why != "" {
				r.addPossible(&claims, f, "created after the attempt, but "+why)
				continue
			}
			adoptable = append(adoptable, f)
		}
	}
	if adopt && len(adoptable) > 0 {
		// All are indistinguishable empty drafts; take the oldest.
		slices.SortStableFunc(adoptable, func(a, b Flow) int { return a.Created.Compare(b.Created) })
		pick := adoptable[0]
		r.seen[pick.ID] = true
		claims = append(claims, pick.ID)
		for _, f := range adoptable[1:] {
			r.addPossible(&claims, f, "created after the attempt and untouched, like the adopted one")
		}
		r.c.logger.Warn(ctx, "adopted flow created by an earlier attempt", map[string]any{
			"method":  r.cl.method,
			"path":    r.cl.path,
			"flow_id": pick.ID,
		})
		return &pick, nil
	}
	for _, f := range adoptable {
		r.addPossible(&claims, f, "created after the attempt whose answer was lost, and untouched")
	}
	return nil, nil
}

func (r *createRun) addPossible(claims *[]string, f Flow, why string) {
	r.seen[f.ID] = true
	r.possible = append(r.possible, foundFlow{f.ID, why})
	*claims = append(*claims, f.ID)
}

// changedSinceCreated says how f differs from what a create leaves: ""
// when it does not. An absent or null trigger or status counts as fresh.
func changedSinceCreated(f Flow) string {
	var why []string
	if f.Status != nil && *f.Status != FlowStatusDisabled {
		why = append(why, "its status is "+string(*f.Status))
	}
	if f.RawTrigger != nil {
		why = append(why, triggerChanges(f.RawTrigger)...)
	}
	if d := f.Updated.Sub(f.Created); !f.Updated.IsZero() && (d > freshSlack || d < -freshSlack) {
		why = append(why, "it was updated "+f.Updated.UTC().Format(time.RFC3339)+", after it was created")
	}
	if len(why) == 0 {
		return ""
	}
	return strings.Join(why, ", ")
}

// triggerChanges says how a trigger differs from the EMPTY one, with no
// step after it, that a create leaves. Only "type" and "nextAction" are
// read: a type that is not a string counts as missing, and any nextAction
// but null as steps.
func triggerChanges(raw json.RawMessage) []string {
	var t map[string]json.RawMessage
	if err := json.Unmarshal(raw, &t); err != nil || t == nil {
		return []string{"its trigger is not an object"}
	}
	var why []string
	if typ := "missing"; json.Unmarshal(t["type"], &typ) != nil || typ != "EMPTY" {
		why = append(why, "its trigger type is "+typ)
	}
	if next, ok := t["nextAction"]; ok && !isJSONNull(next) {
		why = append(why, "it has steps")
	}
	return why
}

func (r *createRun) undecided(err error) error {
	return &AmbiguousCreateError{Name: r.name, CandidateIDs: ids(r.possible), ExistingIDs: ids(r.existing), Err: err, cause: r.cause}
}

// result is the run's answer: f, plus a warning for each kind of flow the
// checks found.
func (r *createRun) result(f *Flow, adopted bool) *CreateResult {
	res := &CreateResult{Flow: f, Adopted: adopted}
	how := "created"
	if adopted {
		how = "adopted (it was created by the attempt whose answer was lost, and is untouched)"
	}
	if len(r.possible) > 0 {
		res.Warnings = append(res.Warnings, CreateWarning{
			Summary: fmt.Sprintf("Possible leftover flows named %q", r.name),
			Detail: fmt.Sprintf("Creating flow %q: an attempt failed without a usable answer (%s), so it may have created "+
				"a flow the provider never learnt about. The resource manages flow %s, %s. These other flows with the same "+
				"name were created after that attempt and are not managed by this resource; they were not changed:\n%s\n"+
				"They are probably left over from the lost attempt, or from another create of a flow with this name running "+
				"at the same time. If nothing else manages them, delete them in Diga, or import them into resources of their own.",
				r.name, r.cause, f.ID, how, bullets(r.possible)),
			FlowIDs:           ids(r.possible),
			MayBeFromThisCall: true,
		})
	}
	if len(r.existing) > 0 {
		res.Warnings = append(res.Warnings, CreateWarning{
			Summary: fmt.Sprintf("Other flows named %q exist", r.name),
			Detail: fmt.Sprintf("While checking for a flow left by a lost create answer (%s), the provider found flows "+
				"with the same name that existed before the attempt. They were not adopted and not changed:\n%s\n"+
				"The resource manages flow %s, %s.", r.cause, bullets(r.existing), f.ID, how),
			FlowIDs: ids(r.existing),
		})
	}
	if r.checkFailed != nil {
		res.Warnings = append(res.Warnings, CreateWarning{
			Summary: fmt.Sprintf("Could not check for a leftover flow named %q", r.name),
			Detail: fmt.Sprintf("An attempt to create flow %q failed without a usable answer (%s) and may have created a flow "+
				"anyway. The retried create succeeded (flow %s), but listing the flows to look for the other one failed: %s. "+
				"Look for flows named %q in Diga and delete any you do not manage.",
				r.name, r.cause, f.ID, r.c.redact(r.checkFailed.Error()), r.name),
			MayBeFromThisCall: true,
		})
	}
	return res
}

func ids(fs []foundFlow) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.id)
	}
	return out
}

func bullets(fs []foundFlow) string {
	lines := make([]string, 0, len(fs))
	for _, f := range fs {
		lines = append(lines, "  - "+f.id+": "+f.why)
	}
	return strings.Join(lines, "\n")
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

// sameNameListing is what listSameName found.
type sameNameListing struct {
	// flows are the flows named like the create, newest first, on the
	// pages read.
	flows []Flow
	// cutoff is the earliest server-clock time the attempt that started at
	// since (client clock) can have started at; serverTime is false when
	// no answer had a usable Date header, and then cutoff is unset.
	cutoff     time.Time
	serverTime bool
}

// listSameName lists flows newest first (GET /v1/workflow/?limit=30&
// order=desc) and collects those named name, until it reaches a page with
// a flow created and updated before the cutoff (or, without a server
// clock, noDateHorizon before since on the client's clock).
//
// Server time: an answer whose Date header reads D (whole seconds,
// truncated: the server's clock read between D and D+1s while answering)
// was produced before the client received it at recv (client clock), so the
// server's clock is at least D - recv ahead of the client's. The attempt
// that started at since (client clock) therefore started no earlier than
// since + (D - recv) on the server's clock. Every page tightens that lower
// bound, and the largest is kept. Using the lower bound means this call's
// own flow is never judged older than its attempt (its created time is at
// least the true start); the price is that a same-named flow created up to
// about one second plus one listing round trip before the attempt, and
// still untouched, is not told apart. Failed requests are retried from b.
func (c *Client) listSameName(ctx context.Context, name string, since time.Time, b *budget) (sameNameListing, error) {
	var out sameNameListing
	horizon := since.Add(-noDateHorizon)
	seen := map[string]bool{}
	// listed: a flow a later page holds again is collected once, or it
	// could be adopted and named as its own leftover.
	listed := map[string]bool{}
	after := ""
	for pages := 1; ; pages++ {
		q := url.Values{"limit": {strconv.Itoa(defaultListLimit)}, "order": {"desc"}}
		if after != "" {
			q.Set("after", after)
		}
		cl := call{method: http.MethodGet, path: flowsPath, query: q}
		o, attempts, err := c.sendRetrying(ctx, cl, b)
		if err != nil {
			return out, err
		}
		recv := c.now()
		if !o.succeeded() {
			return out, c.failure(cl, o, attempts)
		}
		if date, err := http.ParseTime(o.header.Get("Date")); err == nil {
			cutoff := since.Add(date.Sub(recv))
			if !out.serverTime || cutoff.After(out.cutoff) {
				out.cutoff = cutoff
			}
			out.serverTime = true
			horizon = out.cutoff
		}
		var pg page[Flow]
		if err := cl.decode(o, &pg); err != nil {
			return out, err
		}
		reachedOlder := false
		for _, f := range pg.Data {
			if f.Name != nil && *f.Name == name && !listed[f.ID] {
				listed[f.ID] = true
				out.flows = append(out.flows, f)
			}
			// Whether the list is ordered by created or by updated time,
			// everything after a flow both created and updated before the
			// cutoff is older still.
			if !f.Created.IsZero() && f.Created.Before(horizon) && !f.Updated.IsZero() && f.Updated.Before(horizon) {
				reachedOlder = true
			}
		}
		if reachedOlder || !pg.HasMore {
			return out, nil
		}
		next := nextCursor(&FlowPage{Data: pg.Data, LastID: pg.LastID})
		switch {
		case next == "":
			return out, fmt.Errorf("listing flows: page %d says has_more but gives no last_id to continue from", pages)
		case seen[next]:
			return out, fmt.Errorf("listing flows: page %d repeats cursor %q", pages, next)
		case pages >= maxCheckPages:
			return out, fmt.Errorf("listing flows: more than %d pages of flows newer than %s", maxCheckPages, horizon.UTC().Format(time.RFC3339))
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
