package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeProject is a Diga project of flows f0001…, answering GET by id and the
// list in page-number mode (30 a page, total_pages declared) and cursor mode.
type fakeProject struct {
	mu    sync.Mutex
	ids   []string
	names map[string]string
	// noTotals answers the first page without current_page and total_pages.
	noTotals bool
	// listName, when set, is the name the list gives every flow (an answer
	// that differs from GET's).
	listName string

	gets, lists, writes atomic.Int64
	// onList runs before a list page is answered.
	onList func(page int)
}

func newFakeProject(n int) *fakeProject {
	p := &fakeProject{names: map[string]string{}}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("f%04d", i)
		p.ids = append(p.ids, id)
		p.names[id] = "flow " + id
	}
	return p
}

func (p *fakeProject) flowJSON(id, name string) string {
	return fmt.Sprintf(`{"id":%q,"name":%q,"created":"2026-07-22T10:00:00Z","updated":"2026-07-22T10:00:00Z","status":"DISABLED",`+
		`"trigger":{"name":"trigger","type":"EMPTY","settings":{},"valid":false,"displayName":"Select Trigger"}}`, id, name)
}

func (p *fakeProject) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	rest := strings.TrimPrefix(r.URL.Path, "/v1/workflow/")
	if r.Method != http.MethodGet {
		p.writes.Add(1)
		id, _, _ := strings.Cut(rest, "/")
		p.mu.Lock()
		p.names[id] = "renamed"
		name := p.names[id]
		p.mu.Unlock()
		_, _ = fmt.Fprint(w, p.flowJSON(id, name))
		return
	}
	if rest != "" {
		p.gets.Add(1)
		p.mu.Lock()
		name, ok := p.names[rest]
		p.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = fmt.Fprint(w, `{"status":"error","error_code":"NOT_FOUND","message":"Flow not found"}`)
			return
		}
		_, _ = fmt.Fprint(w, p.flowJSON(rest, name))
		return
	}
	p.lists.Add(1)
	q := r.URL.Query()
	page := 1
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if p.onList != nil {
		p.onList(page)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	start := (page - 1) * 30
	if after := q.Get("after"); after != "" {
		for i, id := range p.ids {
			if id == after {
				start = i + 1
			}
		}
	}
	end := min(start+30, len(p.ids))
	var items []string
	for _, id := range p.ids[min(start, end):end] {
		name := p.names[id]
		if p.listName != "" {
			name = p.listName
		}
		items = append(items, p.flowJSON(id, name))
	}
	totals := fmt.Sprintf(`,"current_page":%d,"total_pages":%d`, page, (len(p.ids)+29)/30)
	if p.noTotals || q.Get("after") != "" {
		totals = ""
	}
	_, _ = fmt.Fprintf(w, `{"data":[%s],"has_more":%t%s}`, strings.Join(items, ","), end < len(p.ids), totals)
}

func (p *fakeProject) requests() int64 { return p.gets.Load() + p.lists.Load() }

func newBatchingClient(t *testing.T, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	zero := 0
	c, err := New(Config{BaseURL: srv.URL, APIKey: "k", MaxRetries: &zero, BatchReads: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The rule's bound: R reads of distinct flows in a project whose listing
// has P pages cost at most max(2·m, m + readsBeforeProbe) requests, m =
// min(R, P), and exactly R when R ≤ readsBeforeProbe; every answer is the
// flow asked for.
func TestFlowReads_skiRentalBound(t *testing.T) {
	t.Parallel()
	for pages := 1; pages <= 8; pages++ {
		flows := 30*pages - 7 // a last page not full
		p := newFakeProject(flows)
		srv := httptest.NewServer(p)
		t.Cleanup(srv.Close)
		for reads := 1; reads <= 40; reads++ {
			before := p.requests()
			c, err := New(Config{BaseURL: srv.URL, APIKey: "k", BatchReads: true})
			if err != nil {
				t.Fatal(err)
			}
			for i := range reads {
				id := p.ids[(i*7)%flows] // spread over the pages
				if i >= flows {
					id = p.ids[i%flows]
				}
				f, err := c.ReadFlow(t.Context(), id)
				if err != nil || f.ID != id || *f.Name != "flow "+id {
					t.Fatalf("P=%d R=%d: read %s = %+v, %v", pages, reads, id, f, err)
				}
			}
			m := min(reads, pages)
			bound := max(2*m, m+readsBeforeProbe)
			got := int(p.requests() - before)
			if got > bound {
				t.Errorf("P=%d R=%d: %d requests, bound %d", pages, reads, got, bound)
			}
			if reads <= readsBeforeProbe && got != reads {
				t.Errorf("P=%d R=%d: %d requests, want exactly the %d GETs", pages, reads, got, reads)
			}
		}
	}
}

// At scale and with reads side by side, as Terraform's -parallelism sends
// them: 1,000 flows (34 pages), 1,000 reads, ten at a time, cost at most
// twice the listing's pages.
func TestFlowReads_concurrentReadsStayWithinTheBound(t *testing.T) {
	t.Parallel()
	p := newFakeProject(1000)
	c := newBatchingClient(t, p)
	ids := make(chan string)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				if f, err := c.ReadFlow(t.Context(), id); err != nil || f.ID != id {
					failed.Add(1)
				}
			}
		}()
	}
	for _, id := range p.ids {
		ids <- id
	}
	close(ids)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d reads failed", failed.Load())
	}
	if got, bound := p.requests(), int64(2*34); got > bound {
		t.Errorf("%d requests (%d GETs, %d list pages), want at most %d", got, p.gets.Load(), p.lists.Load(), bound)
	}
	if p.lists.Load() != 34 {
		t.Errorf("%d list pages, want 34 (each once)", p.lists.Load())
	}
}

// A flow the listing lacks gets its own GET: a 404 from it is the only way
// a read says "gone", exactly as without batching.
func TestFlowReads_absentFlowGetsItsOwnGet(t *testing.T) {
	t.Parallel()
	p := newFakeProject(40)
	c := newBatchingClient(t, p)
	for _, id := range p.ids[:10] {
		if _, err := c.ReadFlow(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	if c.FlowReadStats().Listed == 0 {
		t.Fatalf("no read was answered from the listing: %+v", c.FlowReadStats())
	}
	gets := p.gets.Load()
	_, err := c.ReadFlow(t.Context(), "deleted-meanwhile")
	if !IsNotFound(err) {
		t.Fatalf("err = %v, want the GET's 404", err)
	}
	if p.gets.Load() != gets+1 {
		t.Errorf("GETs %d → %d, want one more", gets, p.gets.Load())
	}
}

// A flow this Client writes after the listing was read is read again with
// its own GET; other flows still come from the listing.
func TestFlowReads_writtenFlowIsNotAnsweredFromAnOlderListing(t *testing.T) {
	t.Parallel()
	p := newFakeProject(40)
	c := newBatchingClient(t, p)
	for _, id := range p.ids[:10] {
		if _, err := c.ReadFlow(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.RenameFlow(t.Context(), "f0020", "renamed"); err != nil {
		t.Fatal(err)
	}
	gets := p.gets.Load()
	f, err := c.ReadFlow(t.Context(), "f0020")
	if err != nil || *f.Name != "renamed" {
		t.Fatalf("read after the rename = %+v, %v; want the renamed flow", f, err)
	}
	if p.gets.Load() != gets+1 {
		t.Errorf("the written flow was answered from the listing")
	}
	if _, err := c.ReadFlow(t.Context(), "f0021"); err != nil || p.gets.Load() != gets+1 {
		t.Errorf("an unwritten flow was not answered from the listing (err %v)", err)
	}
}

// A write in flight while a listing page is read: the flow is not answered
// from that page, whichever the page holds.
func TestFlowReads_writeDuringTheListing(t *testing.T) {
	t.Parallel()
	p := newFakeProject(100)
	c := newBatchingClient(t, p)
	var once sync.Once
	p.onList = func(page int) {
		if page == 2 {
			once.Do(func() {
				// The write begins and ends while page 2 is being read.
				done := c.reads.writing(http.MethodPost, "/v1/workflow/f0050/publish")
				done()
			})
		}
	}
	for _, id := range p.ids[:10] {
		if _, err := c.ReadFlow(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	if c.FlowReadStats().Off != "" {
		t.Fatalf("batching stopped: %s", c.FlowReadStats().Off)
	}
	gets := p.gets.Load()
	if _, err := c.ReadFlow(t.Context(), "f0050"); err != nil {
		t.Fatal(err)
	}
	if p.gets.Load() != gets+1 {
		t.Errorf("flow f0050, written while its listing page was read, was answered from the listing")
	}
}

// Answers that cannot be told apart are required: a listing whose flow
// differs from the GET answer of the same, unchanged flow turns batching
// off, and every read is then its own GET.
func TestFlowReads_differentListAnswerTurnsBatchingOff(t *testing.T) {
	t.Parallel()
	p := newFakeProject(40)
	p.listName = "not what GET says"
	c := newBatchingClient(t, p)
	for _, id := range p.ids[:20] {
		f, err := c.ReadFlow(t.Context(), id)
		if err != nil || *f.Name != "flow "+id {
			t.Fatalf("read %s = %+v, %v", id, f, err)
		}
	}
	st := c.FlowReadStats()
	if st.Off == "" || st.Listed != 0 || st.Gets != 20 {
		t.Errorf("stats = %+v, want batching off and 20 GETs", st)
	}
}

// Without total_pages the listing's price is unknown: reads stay GETs.
func TestFlowReads_noTotalPagesStaysWithGets(t *testing.T) {
	t.Parallel()
	p := newFakeProject(100)
	p.noTotals = true
	c := newBatchingClient(t, p)
	for _, id := range p.ids[:20] {
		if _, err := c.ReadFlow(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.FlowReadStats(); st.Off == "" || p.lists.Load() != 1 || p.gets.Load() != 20 {
		t.Errorf("stats %+v, %d list requests, %d GETs; want off after one page and 20 GETs", st, p.lists.Load(), p.gets.Load())
	}
}

// A listing that fails leaves every read to its own GET, so the error a
// read reports is the GET's, as without batching.
func TestFlowReads_failedListingFallsBackToGets(t *testing.T) {
	t.Parallel()
	p := newFakeProject(100)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/workflow/" && r.URL.Query().Get("page") == "3" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		p.ServeHTTP(w, r)
	})
	c := newBatchingClient(t, h)
	for i := range 30 {
		id := p.ids[(i*31)%100] // not all on the first page
		if f, err := c.ReadFlow(t.Context(), id); err != nil || f.ID != id {
			t.Fatalf("read %s = %+v, %v", id, f, err)
		}
	}
	if st := c.FlowReadStats(); st.Off == "" {
		t.Errorf("stats %+v, want batching off after the failed page", st)
	}
}

// Off (the default Config), ReadFlow is GetFlow.
func TestFlowReads_offIsOneGetPerRead(t *testing.T) {
	t.Parallel()
	p := newFakeProject(100)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range p.ids {
		if _, err := c.ReadFlow(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if p.gets.Load() != 100 || p.lists.Load() != 0 {
		t.Errorf("%d GETs and %d list requests, want 100 and 0", p.gets.Load(), p.lists.Load())
	}
}
