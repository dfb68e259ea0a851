package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// Batched flow reads (Config.BatchReads, ReadFlow).
//
// A refresh reads every diga_flow of a configuration, one GET each. Diga's
// list operation answers with the same whole flows (FlowAllResponse, trigger
// tree included) 30 to a page, so once a command reads more flows than the
// project has pages, listing the project is cheaper. How many reads a command
// will make is not known in advance; the rule is the ski-rental one, renting
// (GETs) until the rent paid equals the price of buying (listing):
//
//  1. The first readsBeforeProbe reads are single GETs.
//  2. The next read asks for the first page of the listing (30 flows, and
//     total_pages: the listing's price P in requests). Reads of flows on
//     that page are answered from it from then on.
//  3. Other reads stay single GETs until P reads have been sent as GETs
//     (the rent equals the price); the next one has pages 2…P fetched side
//     by side (pages_side.go), and it and every later read are answered
//     from the listing.
//
// With R reads and a listing of P pages, a stable project costs at most
// max(2·m, m + readsBeforeProbe) requests, m = min(R, P): never more than
// twice the better choice in hindsight once m ≥ readsBeforeProbe, and
// exactly R (what one GET per read costs) when R ≤ readsBeforeProbe.
// TestFlowReads_skiRentalBound checks it for every R up to 40 and P up to 8.
//
// Correctness comes before requests saved:
//   - A flow absent from the listing gets its own GET, so a 404 (and
//     removal from state) only ever comes from a GET, as without batching:
//     a listing can miss a flow created or deleted while it is paged.
//   - A flow this Client writes (any request other than GET to
//     /v1/workflow/{id}…: import, publish, status, rename, delete, the
//     step edits) is never answered from a listing page requested before
//     that write's answer came back, nor while a write to it is in flight.
//   - A listing lives in one Client, which the provider makes anew each
//     time Terraform configures it: once per command walk (plan, apply,
//     refresh, import each start their own), so a listing is never older
//     than the command that uses it.
//   - The answers must be interchangeable: every flow both read by GET and
//     met in the listing, unchanged in between (same updated time), must
//     decode to the same Flow; one that does not turns batching off for
//     the Client (reads go back to single GETs), and so does a first page
//     without total_pages (the listing's price unknown), a failed probe or
//     listing (the reads that waited for it send their own GETs, so an
//     error reads exactly as without batching).

// readsBeforeProbe is how many reads a Client answers with single GETs
// before it asks what a listing would cost: a command that reads this few
// flows sends exactly the GETs it would without batching.
const readsBeforeProbe = 5

// ReadFlow reads one flow for a refresh: the same answer as GetFlow (the
// same operation's schema, decoded the same way), served from a listing of
// the project when Config.BatchReads is set and a listing is the cheaper
// way (see the rule above). Errors are GetFlow's: 404 only from a GET.
func (c *Client) ReadFlow(ctx context.Context, id string) (*Flow, error) {
	if c.reads == nil {
		return c.GetFlow(ctx, id)
	}
	return c.reads.read(ctx, id)
}

// FlowReadStats counts how ReadFlow answered (for tests and logs).
type FlowReadStats struct {
	// Gets are reads answered by their own GET: before the listing was
	// bought, and afterwards for flows the listing lacked or this Client
	// wrote since.
	Gets int
	// Listed are reads answered from the listing (its first page included).
	Listed int
	// Off tells why batching stopped for this Client ("" when it did not).
	Off string
}

// FlowReadStats reports how ReadFlow has answered so far; the zero value
// when batching is off.
func (c *Client) FlowReadStats() FlowReadStats {
	if c.reads == nil {
		return FlowReadStats{}
	}
	c.reads.mu.Lock()
	defer c.reads.mu.Unlock()
	return c.reads.stats
}

type readPhase int

const (
	phaseRenting readPhase = iota // answering with GETs (the probe may be in)
	phaseProbing                  // the first page is being read
	phaseListing                  // pages 2…P are being read
	phaseListed                   // the listing is complete
	phaseOff                      // batching stopped: GETs only
)

// listedFlow is a flow as a listing page gave it, with the write clock at
// the time that page was requested.
type listedFlow struct {
	flow    Flow
	takenAt uint64
}

// flowReads is the batching state of one Client.
type flowReads struct {
	c *Client

	mu    sync.Mutex
	phase readPhase
	wait  chan struct{} // closed when the probe or listing in flight ends
	rent  int           // reads sent as GETs before the listing was bought
	price int64         // the listing's pages (from the probe)
	// listed holds the flows of the probe page, then of the whole listing,
	// by path key (flowPath).
	listed map[string]listedFlow
	// byGet holds GET answers met before the listing was complete, by
	// path key, to compare with the listing's.
	byGet map[string]Flow
	stats FlowReadStats

	// The write clock: each write to a flow (its start and its end) and
	// each listing page request ticks it.
	clock    uint64
	written  map[string]uint64 // latest tick of a write to the flow
	inFlight map[string]int    // writes to the flow without an answer yet
}

func newFlowReads(c *Client) *flowReads {
	return &flowReads{c: c, listed: map[string]listedFlow{}, byGet: map[string]Flow{},
		written: map[string]uint64{}, inFlight: map[string]int{}}
}

// flowKey is the path key of the flow a request path is about
// ("/v1/workflow/{id}" of "/v1/workflow/{id}/publish"); ok is false for the
// list and create route itself.
func flowKey(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, flowsPath)
	if !ok || rest == "" {
		return "", false
	}
	seg, _, _ := strings.Cut(rest, "/")
	return flowsPath + seg, true
}

// writing records the start of a write request (any method but GET) at
// path and returns the function that records its end. Paths that name no
// flow (templates, connections) are recorded too; nothing reads them.
func (r *flowReads) writing(method, path string) func() {
	if method == http.MethodGet {
		return func() {}
	}
	key, ok := flowKey(path)
	if !ok {
		return func() {}
	}
	r.mu.Lock()
	r.clock++
	r.written[key] = r.clock
	r.inFlight[key]++
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		r.clock++
		r.written[key] = r.clock
		r.inFlight[key]--
		r.mu.Unlock()
	}
}

// tick returns a new clock value for a page request about to be sent.
func (r *flowReads) tick() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clock++
	return r.clock
}

// fromListingLocked is the listed flow for key when the listing may answer
// for it: listed, no write to it in flight and none since its page was
// requested.
func (r *flowReads) fromListingLocked(key string) (*Flow, bool) {
	e, ok := r.listed[key]
	if !ok || r.inFlight[key] > 0 || r.written[key] > e.takenAt {
		return nil, false
	}
	f := e.flow
	r.stats.Listed++
	return &f, true
}

func (r *flowReads) read(ctx context.Context, id string) (*Flow, error) {
	key, err := flowPath(id, "")
	if err != nil {
		return nil, err
	}
	for {
		r.mu.Lock()
		switch r.phase {
		case phaseOff:
			r.stats.Gets++
			r.mu.Unlock()
			return r.c.GetFlow(ctx, id)
		case phaseListed:
			if f, ok := r.fromListingLocked(key); ok {
				r.mu.Unlock()
				return f, nil
			}
			r.stats.Gets++
			r.mu.Unlock()
			return r.c.GetFlow(ctx, id)
		case phaseProbing, phaseListing:
			wait := r.wait
			r.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		// Renting.
		if f, ok := r.fromListingLocked(key); ok {
			r.mu.Unlock()
			return f, nil
		}
		probed := r.price > 0
		switch {
		case !probed && r.rent >= readsBeforeProbe:
			r.phase, r.wait = phaseProbing, make(chan struct{})
			r.mu.Unlock()
			r.probe(ctx)
			continue
		case probed && int64(r.rent) >= r.price:
			r.phase, r.wait = phaseListing, make(chan struct{})
			r.mu.Unlock()
			r.list(ctx)
			continue
		}
		r.rent++
		r.stats.Gets++
		r.mu.Unlock()
		f, err := r.c.GetFlow(ctx, id)
		if err == nil {
			r.mu.Lock()
			if r.phase != phaseListed && r.phase != phaseOff {
				r.byGet[key] = *f
			}
			r.mu.Unlock()
		}
		return f, err
	}
}

// probe reads the listing's first page: its flows and its price.
func (r *flowReads) probe(ctx context.Context) {
	at := r.tick()
	p1, err := getPage[Flow](ctx, r.c, flowsPath, ListFlowsParams{}.query())
	r.mu.Lock()
	defer r.mu.Unlock()
	defer close(r.wait)
	if err != nil {
		r.stopLocked(ctx, "the first page of the listing failed: "+err.Error())
		return
	}
	if off := r.addLocked(p1.Data, at); off != "" {
		r.stopLocked(ctx, off)
		return
	}
	total, numbered := pageCount(p1)
	switch {
	case !p1.HasMore:
		r.phase = phaseListed // one page holds the whole project
		r.byGet = nil
	case !numbered || total <= 1:
		r.stopLocked(ctx, "the listing does not say how many pages it has (no total_pages)")
	default:
		r.price = total
		r.phase = phaseRenting
	}
}

// list reads pages 2…P side by side (then by cursor if the last still says
// has_more) and makes the listing complete.
func (r *flowReads) list(ctx context.Context) {
	at := r.tick()
	col := newCollector(func(f Flow) string { return f.ID })
	// The first page's flows are listed already; listRest needs only its
	// envelope to go on from it.
	p1 := page[Flow]{HasMore: true, TotalPages: &r.price, CurrentPage: ptrInt64(1)}
	listing, err := listRest(ctx, r.c, "flows", flowsPath, ListFlowsParams{}.query(), p1, col)
	r.mu.Lock()
	defer r.mu.Unlock()
	defer close(r.wait)
	if err != nil {
		r.stopLocked(ctx, "the listing failed: "+err.Error())
		return
	}
	if off := r.addLocked(listing.Items, at); off != "" {
		r.stopLocked(ctx, off)
		return
	}
	r.phase = phaseListed
	r.byGet = nil
}

func ptrInt64(v int64) *int64 { return &v }

// addLocked lists flows from a page requested at clock at, after checking
// them against the GET answers met so far; it returns why batching must
// stop when they differ.
func (r *flowReads) addLocked(flows []Flow, at uint64) string {
	for _, f := range flows {
		key, err := flowPath(f.ID, "")
		if err != nil {
			continue // an id no GET could ask for
		}
		if g, ok := r.byGet[key]; ok && g.Updated.Equal(f.Updated) && !sameFlow(g, f) {
			return "the listing's answer for flow " + f.ID + " differs from its GET answer"
		}
		if _, dup := r.listed[key]; !dup {
			r.listed[key] = listedFlow{flow: f, takenAt: at}
		}
	}
	return ""
}

func (r *flowReads) stopLocked(ctx context.Context, why string) {
	r.phase = phaseOff
	r.stats.Off = why
	r.listed = nil
	r.byGet = nil
	r.c.logger.Debug(ctx, "Diga flow reads: batching off for this run", map[string]any{"reason": r.c.redact(why)})
}

// sameFlow reports whether two answers for one flow decode the same: the
// trigger trees compared as JSON values.
func sameFlow(a, b Flow) bool {
	if a.ID != b.ID || !reflect.DeepEqual(a.Name, b.Name) || !a.Created.Equal(b.Created) || !a.Updated.Equal(b.Updated) ||
		!reflect.DeepEqual(a.Status, b.Status) || !reflect.DeepEqual(a.FlowCategory, b.FlowCategory) ||
		!slices.Equal(a.ProducedVariables, b.ProducedVariables) || !slices.Equal(a.ConsumedVariables, b.ConsumedVariables) ||
		(a.ProducedVariables == nil) != (b.ProducedVariables == nil) || (a.ConsumedVariables == nil) != (b.ConsumedVariables == nil) {
		return false
	}
	if bytes.Equal(a.RawTrigger, b.RawTrigger) {
		return true
	}
	if a.RawTrigger == nil || b.RawTrigger == nil {
		return false
	}
	var x, y any
	if json.Unmarshal(a.RawTrigger, &x) != nil || json.Unmarshal(b.RawTrigger, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
