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
	// noDate suppresses the Date header net/http adds to every answer.
	noDate bool
	// pageSize, when set, caps the page size; repeatCursor starts every
	// page after the first with the flow its cursor names (a listing that
	// is not a snapshot shows a flow again).
	pageSize     int
	repeatCursor bool
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
	if s.noDate {
		w.Header()["Date"] = nil
	}
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
	if s.pageSize > 0 {
		limit = min(limit, s.pageSize)
	}
	end := min(start+limit, len(newest))
	page := newest[start:end]
	if s.repeatCursor && start > 0 {
		page = newest[start-1 : end]
	}
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

			res, err := c.CreateFlow(t.Context(), "My flow")
			if err != nil {
				t.Fatalf("CreateFlow: %v", err)
			}
			f := res.Flow
			ids := s.ids()
			if len(ids) != 1 {
				t.Fatalf("server holds %v, want exactly one flow", ids)
			}
			if f.ID != ids[0] || f.Name == nil || *f.Name != "My flow" || !res.Adopted {
				t.Errorf("CreateFlow returned %s %v (adopted %t), want the stored flow %s adopted", f.ID, f.Name, res.Adopted, ids[0])
			}
			if len(res.Warnings) != 0 {
				t.Errorf("warnings %+v, want none", res.Warnings)
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
			res, err := c.CreateFlow(t.Context(), "My flow")
			if err != nil {
				t.Fatalf("CreateFlow: %v", err)
			}
			if ids := s.ids(); len(ids) != 1 || ids[0] != res.Flow.ID || res.Adopted || len(res.Warnings) != 0 {
				t.Errorf("server holds %v, CreateFlow returned %+v", ids, res)
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
	res, err := c.CreateFlow(t.Context(), "x")
	if err != nil {
		t.Fatal(err)
	}
	if posts, lists := s.counts(); posts != 3 || lists != 0 {
		t.Errorf("server saw %d creates and %d lists, want 3 and 0", posts, lists)
	}
	if ids := s.ids(); len(ids) != 1 || ids[0] != res.Flow.ID {
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

func TestCreate_olderSameNameFlowIsReportedNotAdopted(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	// A same-name flow created a minute before the attempt (in the UI,
	// by another run): it cannot be this call's.
	other := s.add("Dup", time.Now().Add(-time.Minute))
	s.postFault = faultsInOrder(postApplyThenDrop)
	c, logger := newCreateClient(t, s, nil)

	res, err := c.CreateFlow(t.Context(), "Dup")
	if err != nil {
		t.Fatalf("CreateFlow: %v", err)
	}
	ids := s.ids()
	if len(ids) != 2 || res.Flow.ID != ids[1] || !res.Adopted {
		t.Fatalf("server holds %v, CreateFlow returned %+v: want the lost create's flow %s adopted", ids, res, ids[1])
	}
	if len(res.Warnings) != 1 || !slices.Equal(res.Warnings[0].FlowIDs, []string{other}) || res.Warnings[0].MayBeFromThisCall {
		t.Fatalf("warnings = %+v, want one naming the older flow %s", res.Warnings, other)
	}
	w := res.Warnings[0]
	if !strings.Contains(w.Detail, other) || !strings.Contains(w.Detail, "not changed") || !strings.Contains(w.Detail, res.Flow.ID) {
		t.Errorf("warning does not say what happened: %+v", w)
	}
	if posts, _ := s.counts(); posts != 1 {
		t.Errorf("creates = %d, want 1", posts)
	}
	logger.assertClean(t)
}

func TestCreate_severalFreshCandidatesAdoptOneNameTheRest(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	s.postFault = faultsInOrder(postApplyThenDrop)
	var intruder string
	s.beforeAnswer = func(n int) {
		if n == 1 {
			// Another same-name create lands between ours and our check
			// (e.g. another client's lost attempt).
			intruder = s.add("Dup", time.Now())
		}
	}
	c, _ := newCreateClient(t, s, nil)
	res, err := c.CreateFlow(t.Context(), "Dup")
	if err != nil {
		t.Fatalf("CreateFlow: %v", err)
	}
	ids := s.ids()
	if len(ids) != 2 || res.Flow.ID != ids[0] || !res.Adopted {
		t.Fatalf("server %v, result %+v: want the oldest fresh flow %s adopted", ids, res, ids[0])
	}
	if len(res.Warnings) != 1 || !res.Warnings[0].MayBeFromThisCall || !slices.Equal(res.Warnings[0].FlowIDs, []string{intruder}) {
		t.Fatalf("warnings %+v, want the other fresh flow %s named as a possible leftover", res.Warnings, intruder)
	}
	if !strings.Contains(res.Warnings[0].Detail, intruder) || !strings.Contains(res.Warnings[0].Detail, "delete them") {
		t.Errorf("warning detail: %s", res.Warnings[0].Detail)
	}
	// Named, hence claimed: a later create of the same name never adopts it.
	s.mu.Lock()
	s.postFault = faultsInOrder(postOK, postApplyThenDrop)
	s.mu.Unlock()
	again, err := c.CreateFlow(t.Context(), "Dup")
	if err != nil {
		t.Fatal(err)
	}
	if again.Flow.ID == intruder || again.Flow.ID == res.Flow.ID {
		t.Errorf("a later create adopted %s", again.Flow.ID)
	}
}

// A flow met again on a later page of the check's listing is one
// candidate: it is adopted, never also named as its own leftover.
func TestCreate_flowListedTwiceIsOneCandidate(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	s.add("Someone else's", time.Now().Add(-time.Hour))
	s.postFault = faultsInOrder(postApplyThenDrop)
	s.pageSize, s.repeatCursor = 1, true
	c, _ := newCreateClient(t, s, nil)
	res, err := c.CreateFlow(t.Context(), "Twice")
	if err != nil {
		t.Fatalf("CreateFlow: %v", err)
	}
	ids := s.ids()
	if len(ids) != 2 || res.Flow.ID != ids[1] || !res.Adopted {
		t.Fatalf("server %v, result %+v: want %s adopted", ids, res, ids[1])
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %+v, want none: the adopted flow was named as a leftover", res.Warnings)
	}
}

func TestCreate_olderAndClaimedFlowsAreNotCandidates(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	old := s.add("Same", time.Now().Add(-time.Hour)) // long before the attempt
	s.add("Other name", time.Now())                  // recent, different name
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
	if len(ids) != 4 || second.Flow.ID != ids[3] || first.Flow.ID != ids[2] || !second.Adopted {
		t.Errorf("server %v, first %s, second %+v", ids, first.Flow.ID, second)
	}
	for _, w := range second.Warnings {
		if slices.Contains(w.FlowIDs, first.Flow.ID) {
			t.Errorf("the flow another call returned is named: %+v", w)
		}
		if w.MayBeFromThisCall || !slices.Equal(w.FlowIDs, []string{old}) {
			t.Errorf("unexpected warning %+v", w)
		}
	}
}

func TestCreate_listingFollowsPagesUntilOlderFlows(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	old := time.Now().Add(-time.Hour)
	for i := range 40 {
		s.add(fmt.Sprint("old ", i), old)
	}
	s.postFault = faultsInOrder(postApplyThenDrop)
	s.beforeAnswer = func(n int) {
		// 35 other flows created right after ours push it to the second
		// page: the check must read two pages and stop at the old ones.
		for i := range 35 {
			s.add(fmt.Sprint("recent ", i), time.Now())
		}
	}
	c, _ := newCreateClient(t, s, nil)
	res, err := c.CreateFlow(t.Context(), "target")
	if err != nil {
		t.Fatalf("CreateFlow: %v", err)
	}
	if ids := s.ids(); res.Flow.ID != ids[40] || !res.Adopted {
		t.Errorf("adopted %s, want %s", res.Flow.ID, ids[40])
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
	// The create's one retry is spent waiting for the check; the listing
	// has a cap of its own: a first try and two retries.
	if posts, lists := s.counts(); posts != 1 || lists != 3 {
		t.Errorf("server saw %d creates and %d lists, want 1 and 3", posts, lists)
	}
	if n := len(logger.retries()); n != 3 {
		t.Errorf("retries logged = %d, want 3 (1 create, 2 listing)", n)
	}
	logger.assertClean(t)
}

func TestCreate_listingRetriedWithinTheBudget(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusBadGateway, http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			s := newFlowServer(t)
			s.postFault = faultsInOrder(postApplyThenDrop)
			// More failures in a row than the old shared budget of 4
			// retries allowed for the create and its listing together.
			s.listStatus = func(n int) int {
				if n <= 8 {
					return status
				}
				return 0
			}
			c, _ := newCreateClient(t, s, func(cfg *Config) { cfg.MaxRetries = nil })
			res, err := c.CreateFlow(t.Context(), "x")
			if err != nil {
				t.Fatal(err)
			}
			if ids := s.ids(); len(ids) != 1 || ids[0] != res.Flow.ID || !res.Adopted {
				t.Errorf("server %v, got %+v", ids, res)
			}
			if _, lists := s.counts(); lists != 9 {
				t.Errorf("lists = %d, want 9", lists)
			}
		})
	}
}

func TestCreate_noRetriesStillChecks(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	s.postFault = faultsInOrder(postApplyThenDrop)
	c, _ := newCreateClient(t, s, func(cfg *Config) { cfg.MaxRetries = intPtr(0) })
	res, err := c.CreateFlow(t.Context(), "x")
	if err != nil {
		t.Fatalf("CreateFlow with MaxRetries 0: %v", err)
	}
	if ids := s.ids(); len(ids) != 1 || ids[0] != res.Flow.ID {
		t.Errorf("server %v, got %s", ids, res.Flow.ID)
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

func TestCreate_lateFlowFoundAfterResendIsReported(t *testing.T) {
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
	res, err := c.CreateFlow(t.Context(), "x")
	if err != nil {
		t.Fatalf("CreateFlow: %v (the re-sent create succeeded; it must be kept)", err)
	}
	ids := s.ids()
	if len(ids) != 2 || late != ids[0] || res.Flow.ID != ids[1] || res.Adopted {
		t.Fatalf("server %v, late %s, result %+v", ids, late, res)
	}
	if len(res.Warnings) != 1 || !res.Warnings[0].MayBeFromThisCall || !slices.Equal(res.Warnings[0].FlowIDs, []string{late}) {
		t.Fatalf("warnings = %+v, want the late flow %s named as a probable leftover", res.Warnings, late)
	}
	if d := res.Warnings[0].Detail; !strings.Contains(d, late) || !strings.Contains(d, res.Flow.ID) {
		t.Errorf("warning detail %q does not name both flows", d)
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

// createTally accounts for concurrent CreateFlow calls: what each returned
// and every flow named in a warning or an error.
type createTally struct {
	mu       sync.Mutex
	returned []string
	named    map[string]bool // any mention
	orphans  map[string]int  // named as possibly created by the call
	others   []error
}

func newCreateTally() *createTally {
	return &createTally{named: map[string]bool{}, orphans: map[string]int{}}
}

func (ct *createTally) add(res *CreateResult, err error) {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	var amb *AmbiguousCreateError
	switch {
	case err == nil:
		ct.returned = append(ct.returned, res.Flow.ID)
		for _, w := range res.Warnings {
			for _, id := range w.FlowIDs {
				ct.named[id] = true
				if w.MayBeFromThisCall {
					ct.orphans[id]++
				}
			}
		}
	case errors.As(err, &amb):
		if len(amb.CandidateIDs) == 0 && amb.Err != nil {
			// "A flow may now exist" without an id: an orphan nobody
			// could name. Counted as an unreported orphan below.
			ct.others = append(ct.others, err)
		}
		for _, id := range amb.CandidateIDs {
			ct.named[id] = true
			ct.orphans[id]++
		}
		for _, id := range amb.ExistingIDs {
			ct.named[id] = true
		}
	default:
		ct.others = append(ct.others, err)
	}
}

// check asserts that no flow was returned twice or both returned and named
// as a leftover, and that every server-side flow was returned or named.
func (ct *createTally) check(t *testing.T, server []string) {
	t.Helper()
	ct.mu.Lock()
	defer ct.mu.Unlock()
	returned := map[string]int{}
	for _, id := range ct.returned {
		returned[id]++
		if returned[id] > 1 {
			t.Errorf("flow %s returned by %d calls", id, returned[id])
		}
		if ct.orphans[id] > 0 {
			t.Errorf("flow %s returned by one call and named as a leftover by another", id)
		}
	}
	for id, n := range ct.orphans {
		if n > 1 {
			t.Errorf("flow %s named as a leftover by %d calls", id, n)
		}
	}
	unreported := 0
	for _, id := range server {
		if returned[id] == 0 && !ct.named[id] {
			unreported++
			t.Errorf("flow %s on the server was neither returned nor named", id)
		}
	}
	t.Logf("server flows %d, returned %d, named as possible leftovers %d, other errors %d, unreported %d",
		len(server), len(ct.returned), len(ct.orphans), len(ct.others), unreported)
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
	tally := newCreateTally()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { tally.add(c.CreateFlow(t.Context(), "Same name")) })
	}
	wg.Wait()
	tally.check(t, s.ids())
	if len(tally.returned) == 0 {
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
		res *CreateResult
		err error
	}
	bDone := make(chan result, 1)
	go func() {
		res, err := c.CreateFlow(t.Context(), "N")
		bDone <- result{res, err}
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
	if a.Flow.ID == b.res.Flow.ID {
		t.Fatalf("both calls got %s", a.Flow.ID)
	}
	ids := s.ids()
	if !slices.Equal(ids, []string{b.res.Flow.ID, a.Flow.ID}) || !a.Adopted || len(a.Warnings) != 0 {
		t.Errorf("server %v, A %+v, B %s", ids, a, b.res.Flow.ID)
	}
	if posts, lists := s.counts(); posts != 2 || lists != 1 {
		t.Errorf("server saw %d creates and %d lists, want 2 and 1 (A adopted its own flow)", posts, lists)
	}
}

func TestChangedSinceCreated(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 7, 22, 10, 0, 0, 0, time.UTC)
	disabled, enabled := FlowStatusDisabled, FlowStatusEnabled
	fresh := func(trigger string) Flow {
		f := Flow{ID: "f1", Created: at, Updated: at, Status: &disabled}
		if trigger != "" {
			f.RawTrigger = json.RawMessage(trigger)
		}
		return f
	}
	for _, tc := range []struct {
		trigger, want string
	}{
		{"", ""},
		{`{"name":"trigger","type":"EMPTY","valid":false,"displayName":"Select Trigger","settings":{}}`, ""},
		{`{"type":"EMPTY","nextAction":null}`, ""},
		{`{"type":"EMPTY","nextAction":{"name":"step_1"}}`, "it has steps"},
		{`{"type":"PIECE_TRIGGER","nextAction":{"name":"step_1"}}`, "its trigger type is PIECE_TRIGGER, it has steps"},
		{`{"name":"trigger"}`, "its trigger type is missing"},
		// A type that is not a string counts as missing; any nextAction
		// but null as steps.
		{`{"type":7,"nextAction":{"name":"step_1"}}`, "its trigger type is missing, it has steps"},
		{`{"type":"EMPTY","nextAction":"step_1"}`, "it has steps"},
		{`"weird"`, "its trigger is not an object"},
		{`[]`, "its trigger is not an object"},
	} {
		if got := changedSinceCreated(fresh(tc.trigger)); got != tc.want {
			t.Errorf("trigger %s: %q, want %q", tc.trigger, got, tc.want)
		}
	}
	f := fresh("")
	f.Status, f.Updated = &enabled, at.Add(time.Minute)
	if got, want := changedSinceCreated(f), "its status is ENABLED, it was updated 2026-07-22T10:01:00Z, after it was created"; got != want {
		t.Errorf("edited flow: %q, want %q", got, want)
	}
}
