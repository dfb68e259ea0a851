package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// postFault is what the fake server does with one create request.
type postFault int

const (
	postOK              postFault = iota
	postApplyThenDrop             // store the flow, then close the connection without answering
	postDrop                      // close the connection without storing anything
	postApplyThen502              // store the flow, then answer 502 (a proxy lost the answer)
	post503                       // refuse without storing
	post504                       // answer 504 without storing
	postApplyThen500              // store the flow, then answer 500
	postApplyUnreadable           // store the flow, answer 201 with a body that is no flow
)

type storedFlow struct {
	id, name string
	created  time.Time
}

// flowServer is a small stand-in for Diga's list and create routes with
// fault injection on creates.
type flowServer struct {
	*httptest.Server
	t *testing.T

	mu    sync.Mutex
	flows []storedFlow // creation order
	seq   int
	posts int
	lists int

	// postFault decides each create (n is the 1-based create count);
	// listStatus, when it returns non-zero, fails the n-th list with it;
	// afterList runs after each successful list is served.
	postFault    func(n int) postFault
	beforeAnswer func(n int)
	listStatus   func(n int) int
	afterList    func(s *flowServer, n int)
}

func newFlowServer(t *testing.T) *flowServer {
	s := &flowServer{t: t}
	s.Server = httptest.NewServer(checkRequests(t, http.HandlerFunc(s.serve)))
	t.Cleanup(s.Close)
	return s
}

// add stores a flow as if someone had created it at created.
func (s *flowServer) add(name string, created time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(name, created)
}

func (s *flowServer) addLocked(name string, created time.Time) string {
	s.seq++
	id := fmt.Sprintf("flow%03d", s.seq)
	s.flows = append(s.flows, storedFlow{id: id, name: name, created: created})
	return id
}

func (s *flowServer) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, f := range s.flows {
		out = append(out, f.id)
	}
	return out
}

func (s *flowServer) counts() (posts, lists int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts, s.lists
}

func (s *flowServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/workflow/" {
		writeStatus(w, http.StatusNotFound, "application/json", `{"detail":"Not Found"}`)
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.create(w, r)
	case http.MethodGet:
		s.list(w, r)
	default:
		writeStatus(w, http.StatusMethodNotAllowed, "application/json", `{"detail":"Method Not Allowed"}`)
	}
}

func (s *flowServer) create(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Name == "" {
		writeStatus(w, http.StatusUnprocessableEntity, "application/json", `{"detail":[{"loc":["body","name"],"msg":"Field required","type":"missing"}]}`)
		return
	}
	s.mu.Lock()
	s.posts++
	fault := postOK
	if s.postFault != nil {
		fault = s.postFault(s.posts)
	}
	n := s.posts
	beforeAnswer := s.beforeAnswer
	var stored *storedFlow
	switch fault {
	case postOK, postApplyThenDrop, postApplyThen502, postApplyThen500, postApplyUnreadable:
		s.addLocked(req.Name, time.Now())
		f := s.flows[len(s.flows)-1]
		stored = &f
	}
	s.mu.Unlock()
	if beforeAnswer != nil {
		beforeAnswer(n)
	}

	switch fault {
	case postOK:
		writeStatus(w, http.StatusCreated, "application/json", flowJSON(stored.id, stored.name, stored.created))
	case postApplyThenDrop, postDrop:
		hijackClose(s.t, w, fault == postDrop)
	case postApplyThen502:
		writeStatus(w, http.StatusBadGateway, "text/html", badGatewayPage)
	case post503:
		writeStatus(w, http.StatusServiceUnavailable, "application/json", `{"detail":"Workflow service unavailable"}`)
	case post504:
		writeStatus(w, http.StatusGatewayTimeout, "text/plain", "upstream timed out")
	case postApplyThen500:
		writeStatus(w, http.StatusInternalServerError, "text/plain", "Internal Server Error")
	case postApplyUnreadable:
		writeStatus(w, http.StatusCreated, "application/json", `{"ok":true}`)
	}
}

// list serves newest first with after-cursors, like GET /v1/workflow/.
func (s *flowServer) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 30 {
			writeStatus(w, http.StatusUnprocessableEntity, "application/json", `{"detail":[{"loc":["query","limit"],"msg":"bad","type":"x"}]}`)
			return
		}
		limit = n
	}
	if o := q.Get("order"); o != "" && o != "desc" {
		writeStatus(w, http.StatusUnprocessableEntity, "application/json", `{"detail":[{"loc":["query","order"],"msg":"bad","type":"x"}]}`)
		return
	}
	s.mu.Lock()
	s.lists++
	n := s.lists
	if s.listStatus != nil {
		if status := s.listStatus(n); status != 0 {
			s.mu.Unlock()
			writeStatus(w, status, "application/json", `{"detail":"listing failed"}`)
			return
		}
	}
	newest := slices.Clone(s.flows)
	slices.Reverse(newest)
	start := 0
	if after := q.Get("after"); after != "" {
		start = len(newest)
		for i, f := range newest {
			if f.id == after {
				start = i + 1
			}
		}
	}
	end := min(start+limit, len(newest))
	page := newest[start:end]
	items := make([]string, len(page))
	for i, f := range page {
		items[i] = flowJSON(f.id, f.name, f.created)
	}
	lastID := "null"
	if len(page) > 0 {
		lastID = strconv.Quote(page[len(page)-1].id)
	}
	body := fmt.Sprintf(`{"data":[%s],"has_more":%t,"first_id":null,"last_id":%s,"current_page":null,"total_pages":null}`,
		strings.Join(items, ","), end < len(newest), lastID)
	afterList := s.afterList
	s.mu.Unlock()
	if afterList != nil {
		afterList(s, n)
	}
	writeStatus(w, http.StatusOK, "application/json", body)
}

func faultsInOrder(faults ...postFault) func(int) postFault {
	return func(n int) postFault {
		if n <= len(faults) {
			return faults[n-1]
		}
		return postOK
	}
}

func newCreateClient(t *testing.T, s *flowServer, mutate func(*Config)) (*Client, *capLogger) {
	t.Helper()
	return newRTClient(t, s.URL, mutate)
}

func asAmbiguous(t *testing.T, err error) *AmbiguousCreateError {
	t.Helper()
	var amb *AmbiguousCreateError
	if !errors.As(err, &amb) {
		t.Fatalf("error %T (%v) is not *AmbiguousCreateError", err, err)
	}
	return amb
}

func adoptionLogged(l *capLogger, id string) bool {
	for _, e := range l.all() {
		if e.level == "WARN" && e.msg == "adopted flow created by an earlier attempt" && e.fields["flow_id"] == id {
			return true
		}
	}
	return false
}

func TestCreate_lostAnswerAdoptsTheFlow(t *testing.T) {
	t.Parallel()
	for name, fault := range map[string]postFault{
		"connection closed after the create": postApplyThenDrop,
		"502 after the create":               postApplyThen502,
		"500 after the create":               postApplyThen500,
		"201 with an unreadable body":        postApplyUnreadable,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFlowServer(t)
			s.postFault = faultsInOrder(fault)
			c, logger := newCreateClient(t, s, nil)

			f, err := c.CreateFlow(t.Context(), "My flow")
			if err != nil {
				t.Fatalf("CreateFlow: %v", err)
			}
			ids := s.ids()
			if len(ids) != 1 {
				t.Fatalf("server holds %v, want exactly one flow", ids)
			}
			if f.ID != ids[0] || f.Name == nil || *f.Name != "My flow" {
				t.Errorf("CreateFlow returned %s %v, want the stored flow %s", f.ID, f.Name, ids[0])
			}
			if posts, lists := s.counts(); posts != 1 || lists != 1 {
				t.Errorf("server saw %d creates and %d lists, want 1 and 1", posts, lists)
			}
			if !adoptionLogged(logger, f.ID) {
				t.Errorf("no adoption Warn in %+v", logger.all())
			}
			logger.assertClean(t)
		})
	}
}

func TestCreate_lostRequestIsSentAgain(t *testing.T) {
	t.Parallel()
	for name, fault := range map[string]postFault{
		"connection reset before the create": postDrop,
		"504 without a create":               post504,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFlowServer(t)
			s.postFault = faultsInOrder(fault)
			c, logger := newCreateClient(t, s, nil)
			f, err := c.CreateFlow(t.Context(), "My flow")
			if err != nil {
				t.Fatalf("CreateFlow: %v", err)
			}
			if ids := s.ids(); len(ids) != 1 || ids[0] != f.ID {
				t.Errorf("server holds %v, CreateFlow returned %s", ids, f.ID)
			}
			// check → nothing → re-send → verify after the success.
			if posts, lists := s.counts(); posts != 2 || lists != 2 {
				t.Errorf("server saw %d creates and %d lists, want 2 and 2", posts, lists)
			}
			logger.assertClean(t)
		})
	}
}

func TestCreate_safeFailuresAreResentWithoutListing(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	s.postFault = faultsInOrder(post503, post503)
	c, _ := newCreateClient(t, s, nil)
	f, err := c.CreateFlow(t.Context(), "x")
	if err != nil {
		t.Fatal(err)
	}
	if posts, lists := s.counts(); posts != 3 || lists != 0 {
		t.Errorf("server saw %d creates and %d lists, want 3 and 0", posts, lists)
	}
	if ids := s.ids(); len(ids) != 1 || ids[0] != f.ID {
		t.Errorf("server holds %v", ids)
	}

	t.Run("429 is not listed either", func(t *testing.T) {
		t.Parallel()
		ts := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if r.Method != http.MethodPost {
				t.Errorf("unexpected %s", r.Method)
			}
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				writeStatus(w, http.StatusTooManyRequests, "application/json", `{}`)
				return
			}
			writeStatus(w, http.StatusCreated, "application/json", flowJSON("f1", "x", time.Now()))
		})
		c, _ := newRTClient(t, ts.URL, nil)
		if _, err := c.CreateFlow(t.Context(), "x"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCreate_twoCandidatesIsAmbiguous(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	// A same-name flow created a minute ago that this client never saw
	// (another lost attempt, another run): indistinguishable from ours.
	other := s.add("Dup", time.Now().Add(-time.Minute))
	s.postFault = faultsInOrder(postApplyThenDrop)
	c, logger := newCreateClient(t, s, nil)

	f, err := c.CreateFlow(t.Context(), "Dup")
	if err == nil {
		t.Fatalf("CreateFlow returned %s, want an error", f.ID)
	}
	amb := asAmbiguous(t, err)
	ids := s.ids()
	if len(ids) != 2 {
		t.Fatalf("server holds %v", ids)
	}
	want := []string{ids[1], other} // newest first
	if amb.Name != "Dup" || !slices.Equal(amb.CandidateIDs, want) {
		t.Errorf("AmbiguousCreateError = %+v, want candidates %v", amb, want)
	}
	for _, id := range want {
		if !strings.Contains(err.Error(), id) {
			t.Errorf("message does not name %s: %v", id, err)
		}
	}
	if !strings.Contains(err.Error(), "Delete the extra one(s)") || !strings.Contains(err.Error(), "import one") {
		t.Errorf("message does not say what to do: %v", err)
	}
	if amb.Err != nil {
		t.Errorf("Err = %v, want nil when candidates were found", amb.Err)
	}
	if posts, _ := s.counts(); posts != 1 {
		t.Errorf("creates = %d, want 1 (no re-send when ambiguous)", posts)
	}
	logger.assertClean(t)
}

func TestCreate_olderAndClaimedFlowsAreNotCandidates(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	s.add("Same", time.Now().Add(-time.Hour)) // long before the attempt
	s.add("Other name", time.Now())           // recent, different name
	c, _ := newCreateClient(t, s, nil)

	first, err := c.CreateFlow(t.Context(), "Same") // returned, hence claimed
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.postFault = faultsInOrder(postOK, postApplyThenDrop)
	s.mu.Unlock()
	second, err := c.CreateFlow(t.Context(), "Same")
	if err != nil {
		t.Fatalf("second CreateFlow: %v", err)
	}
	ids := s.ids()
	if len(ids) != 4 || second.ID != ids[3] || first.ID != ids[2] {
		t.Errorf("server %v, first %s, second %s", ids, first.ID, second.ID)
	}
}

func TestCreate_listingFollowsPagesUntilOlderFlows(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	old := time.Now().Add(-time.Hour)
	for i := range 40 {
		s.add(fmt.Sprint("old ", i), old)
	}
	// 35 recent flows push the lost one's page boundary: the check must
	// read two pages and stop at the first old flow.
	for i := range 35 {
		s.add(fmt.Sprint("recent ", i), time.Now())
	}
	s.postFault = faultsInOrder(postApplyThenDrop)
	c, _ := newCreateClient(t, s, nil)
	// The lost flow is the newest, so put a same-name one deeper down.
	target := "recent 3"
	f, err := c.CreateFlow(t.Context(), target)
	if err == nil {
		t.Fatalf("adopted %s despite two same-name recent flows", f.ID)
	}
	amb := asAmbiguous(t, err)
	if len(amb.CandidateIDs) != 2 {
		t.Errorf("candidates = %v", amb.CandidateIDs)
	}
	if _, lists := s.counts(); lists != 2 {
		t.Errorf("list requests = %d, want 2 (stop at the page with old flows)", lists)
	}
}

func TestCreate_listingFailureIsAmbiguous(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	s.postFault = faultsInOrder(postDrop)
	s.listStatus = func(int) int { return http.StatusServiceUnavailable }
	c, logger := newCreateClient(t, s, func(cfg *Config) { cfg.MaxRetries = intPtr(2) })

	_, err := c.CreateFlow(t.Context(), "x")
	amb := asAmbiguous(t, err)
	if len(amb.CandidateIDs) != 0 || amb.Err == nil {
		t.Errorf("AmbiguousCreateError = %+v", amb)
	}
	if !strings.Contains(err.Error(), "could not be listed") || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("message = %v", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Method != http.MethodGet || apiErr.StatusCode != 503 {
		t.Errorf("Err does not carry the listing's APIError: %v", err)
	}
	// One budget of 2 retries: the create's retry, then the listing's
	// first try and one retry.
	if posts, lists := s.counts(); posts != 1 || lists != 2 {
		t.Errorf("server saw %d creates and %d lists, want 1 and 2", posts, lists)
	}
	if got := c.Stats(); got != (Stats{Requests: 3, Retries: 2}) {
		t.Errorf("Stats = %+v", got)
	}
	logger.assertClean(t)
}

func TestCreate_listingRetriedWithinTheBudget(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	s.postFault = faultsInOrder(postApplyThenDrop)
	s.listStatus = func(n int) int {
		if n == 1 {
			return http.StatusBadGateway
		}
		return 0
	}
	c, _ := newCreateClient(t, s, nil)
	f, err := c.CreateFlow(t.Context(), "x")
	if err != nil {
		t.Fatal(err)
	}
	if ids := s.ids(); len(ids) != 1 || ids[0] != f.ID {
		t.Errorf("server %v, got %s", ids, f.ID)
	}
}

func TestCreate_noRetriesStillChecks(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	s.postFault = faultsInOrder(postApplyThenDrop)
	c, _ := newCreateClient(t, s, func(cfg *Config) { cfg.MaxRetries = intPtr(0) })
	f, err := c.CreateFlow(t.Context(), "x")
	if err != nil {
		t.Fatalf("CreateFlow with MaxRetries 0: %v", err)
	}
	if ids := s.ids(); len(ids) != 1 || ids[0] != f.ID {
		t.Errorf("server %v, got %s", ids, f.ID)
	}

	t.Run("nothing found returns the failure", func(t *testing.T) {
		t.Parallel()
		s := newFlowServer(t)
		s.postFault = faultsInOrder(post504)
		c, _ := newCreateClient(t, s, func(cfg *Config) { cfg.MaxRetries = intPtr(0) })
		_, err := c.CreateFlow(t.Context(), "x")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 504 {
			t.Fatalf("err = %v, want the 504 APIError", err)
		}
		if posts, lists := s.counts(); posts != 1 || lists != 1 {
			t.Errorf("server saw %d creates and %d lists", posts, lists)
		}
	})
}

func TestCreate_lateFlowFoundAfterResend(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	s.postFault = faultsInOrder(postDrop)
	var late string
	s.afterList = func(s *flowServer, n int) {
		if n == 1 {
			// The server finishes the abandoned create only after the
			// client's first check found nothing.
			late = s.add("x", time.Now())
		}
	}
	c, _ := newCreateClient(t, s, nil)
	f, err := c.CreateFlow(t.Context(), "x")
	if err == nil {
		t.Fatalf("CreateFlow returned %s while another flow from the same call exists", f.ID)
	}
	amb := asAmbiguous(t, err)
	ids := s.ids()
	if len(ids) != 2 || late != ids[0] {
		t.Fatalf("server %v, late %s", ids, late)
	}
	if !slices.Equal(amb.CandidateIDs, []string{ids[1], late}) {
		t.Errorf("candidates = %v, want the re-sent create's flow and the late one %v", amb.CandidateIDs, []string{ids[1], late})
	}
}

func TestCreate_cancelAfterAmbiguousAttempt(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	s.postFault = faultsInOrder(postApplyThenDrop)
	c, _ := newCreateClient(t, s, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	c.sleep = (&fakeSleeper{hook: func(ctx context.Context, d time.Duration) error {
		cancel()
		return sleepCtx(ctx, time.Hour)
	}}).sleep
	_, err := c.CreateFlow(ctx, "x")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	amb := asAmbiguous(t, err)
	if len(amb.CandidateIDs) != 0 || !strings.Contains(err.Error(), "may now exist") {
		t.Errorf("err = %v", err)
	}

	t.Run("before anything was sent", func(t *testing.T) {
		t.Parallel()
		s := newFlowServer(t)
		s.postFault = faultsInOrder(post503)
		c, _ := newCreateClient(t, s, nil)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		c.sleep = (&fakeSleeper{hook: func(ctx context.Context, d time.Duration) error {
			cancel()
			return sleepCtx(ctx, d)
		}}).sleep
		_, err := c.CreateFlow(ctx, "x")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
		var amb *AmbiguousCreateError
		if errors.As(err, &amb) {
			t.Errorf("a 503 cannot have created anything: %v", err)
		}
	})
}

func TestCreate_concurrentSameNameNeverShareAFlow(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	// Every third create loses its answer after storing the flow, every
	// fifth is dropped before storing, the rest succeed.
	s.postFault = func(n int) postFault {
		switch {
		case n%3 == 0:
			return postApplyThenDrop
		case n%5 == 0:
			return postDrop
		}
		return postOK
	}
	c, logger := newCreateClient(t, s, func(cfg *Config) { cfg.MaxRetries = intPtr(8) })

	const workers = 24
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		returned []string
		named    []string
		others   []error
	)
	for range workers {
		wg.Go(func() {
			f, err := c.CreateFlow(t.Context(), "Same name")
			mu.Lock()
			defer mu.Unlock()
			var amb *AmbiguousCreateError
			switch {
			case err == nil:
				returned = append(returned, f.ID)
			case errors.As(err, &amb):
				named = append(named, amb.CandidateIDs...)
			default:
				others = append(others, err)
			}
		})
	}
	wg.Wait()

	// Plain errors are allowed (a call can run out of retries), as long
	// as the accounting below holds.
	t.Logf("returned %d, named %d, other errors %d", len(returned), len(named), len(others))
	// No flow is returned twice, and every flow on the server was either
	// returned or named in an error, exactly once: nothing is orphaned
	// silently.
	all := append(slices.Clone(returned), named...)
	seen := map[string]int{}
	for _, id := range all {
		seen[id]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("flow %s handed out %d times (returned %v, named %v)", id, n, returned, named)
		}
	}
	server := s.ids()
	slices.Sort(all)
	slices.Sort(server)
	if !slices.Equal(all, server) {
		t.Errorf("server flows %v != returned+named %v", server, all)
	}
	if len(returned) == 0 {
		t.Error("no create succeeded")
	}
	logger.assertClean(t)
}

func TestCreate_checkWaitsForInFlightCreatesOfTheSameName(t *testing.T) {
	t.Parallel()
	// Call B's create is stored and its answer is on the way when call A
	// (same name) loses its own answer. If A listed now it would see two
	// unclaimed flows (or adopt B's); it must wait until B has its answer.
	s := newFlowServer(t)
	bStored := make(chan struct{})
	bRelease := make(chan struct{})
	s.postFault = faultsInOrder(postOK, postApplyThenDrop) // 1 = B, 2 = A
	s.beforeAnswer = func(n int) {
		if n == 1 {
			close(bStored)
			<-bRelease
		}
	}
	c, _ := newCreateClient(t, s, nil)
	var once sync.Once
	c.creates.checkWaits = func(string) { once.Do(func() { close(bRelease) }) }

	type result struct {
		f   *Flow
		err error
	}
	bDone := make(chan result, 1)
	go func() {
		f, err := c.CreateFlow(t.Context(), "N")
		bDone <- result{f, err}
	}()
	<-bStored
	a, err := c.CreateFlow(t.Context(), "N")
	if err != nil {
		t.Fatalf("A: %v", err)
	}
	b := <-bDone
	if b.err != nil {
		t.Fatalf("B: %v", b.err)
	}
	if a.ID == b.f.ID {
		t.Fatalf("both calls got %s", a.ID)
	}
	ids := s.ids()
	if !slices.Equal(ids, []string{b.f.ID, a.ID}) {
		t.Errorf("server %v, A %s, B %s", ids, a.ID, b.f.ID)
	}
	if posts, lists := s.counts(); posts != 2 || lists != 1 {
		t.Errorf("server saw %d creates and %d lists, want 2 and 1 (A adopted its own flow)", posts, lists)
	}
}
