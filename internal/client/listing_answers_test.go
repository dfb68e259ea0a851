package client_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// Batched reads take a flow's entry in a listing for its GET answer. That is
// only sound when the two cannot differ: the contract declares both as
// FlowAllResponse, and the emulator renders both the same way in every
// response mode (the declared models, the whole tree, the declared models
// without loop bodies). This holds it to that, field by field, for flows
// with steps, a loop body and every status.
func TestListing_itemsAreTheGetAnswersInEveryResponseMode(t *testing.T) {
	t.Parallel()
	for _, name := range emulator.ResponseModeNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mode, err := emulator.ParseResponseMode(name)
			if err != nil {
				t.Fatal(err)
			}
			emu := emulator.New(emulator.WithAPIKeys(testKey), emulator.WithResponseMode(mode))
			srv := httptest.NewServer(emu)
			t.Cleanup(srv.Close)
			ids := emu.SeedFlows(testKey, 45, "seeded ")
			for i, id := range ids[:6] {
				emu.EditFlow(testKey, id, func(tree map[string]any) {
					tree["type"] = "PIECE_TRIGGER"
					tree["settings"] = map[string]any{"pieceName": "@diga/piece-diga", "triggerName": "call_finished",
						"input": map[string]any{}, "undeclared": true}
					tree["nextAction"] = map[string]any{"name": "loop", "type": "LOOP_ON_ITEMS", "displayName": "Loop",
						"settings": map[string]any{"items": "{{trigger.items}}"},
						"firstLoopAction": map[string]any{"name": "inner", "type": "CODE", "displayName": "Inner",
							"settings": map[string]any{"input": map[string]any{}, "sourceCode": map[string]any{"code": fmt.Sprint("x", i)}}}}
				})
			}
			emu.SetStatus(testKey, ids[0], "ENABLED")

			get := func(path string) map[string]any {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+testKey)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				var v map[string]any
				if resp.StatusCode != 200 || json.Unmarshal(body, &v) != nil {
					t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
				}
				return v
			}
			listed := map[string]any{}
			for page := 1; page <= 2; page++ {
				env := get(fmt.Sprintf("/v1/workflow/?limit=30&page=%d", page))
				for _, item := range env["data"].([]any) {
					listed[item.(map[string]any)["id"].(string)] = item
				}
			}
			if len(listed) != len(ids) {
				t.Fatalf("the listing holds %d flows, want %d", len(listed), len(ids))
			}
			for _, id := range ids {
				if one := get("/v1/workflow/" + id); !reflect.DeepEqual(one, listed[id]) {
					t.Errorf("flow %s: GET answers %v\nthe listing gives %v", id, one, listed[id])
				}
			}
		})
	}
}

// With batching on, a run that reads every flow of a project through the
// emulator gets the same Flow values as GetFlow, with far fewer requests.
func TestReadFlow_sameFlowsAsGetFlowThroughTheEmulator(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.WithAPIKeys(testKey))
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	ids := emu.SeedFlows(testKey, 95, "seeded ")
	batched, err := client.New(client.Config{BaseURL: srv.URL, APIKey: testKey, BatchReads: true})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := client.New(client.Config{BaseURL: srv.URL, APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	start := len(emu.Requests())
	got := make([]*client.Flow, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := batched.ReadFlow(t.Context(), id)
			if err != nil {
				t.Errorf("ReadFlow %s: %v", id, err)
			}
			got[i] = f
		}()
	}
	wg.Wait()
	sent := len(emu.Requests()) - start
	for i, id := range ids {
		want, err := plain.GetFlow(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("flow %s: ReadFlow %+v, GetFlow %+v", id, got[i], want)
		}
	}
	// 95 flows are 4 pages: at most max(2·4, 4 + 5) = 9 requests.
	if sent > 9 {
		t.Errorf("95 reads sent %d requests, want at most 9", sent)
	}
}

// Pages declared by total_pages are fetched side by side: every numbered
// page is in flight before any is answered.
func TestListFlows_fetchesNumberedPagesSideBySide(t *testing.T) {
	t.Parallel()
	pages := [][]string{{"f1", "f2"}, {"f3", "f4"}, {"f5", "f6"}, {"f7", "f8"}, {"f9"}}
	inner := pagedHandler(t, pages, true)
	var mu sync.Mutex
	waiting := 0
	all := make(chan struct{})
	ts := newDigaServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") != "" {
			mu.Lock()
			waiting++
			if waiting == len(pages)-1 {
				close(all)
			}
			mu.Unlock()
			select {
			case <-all:
			case <-time.After(10 * time.Second):
				t.Error("the numbered pages were not all requested at once")
			}
		}
		inner(w, r)
	})
	flows, err := newTestClient(t, ts, nil).ListFlows(t.Context(), client.ListFlowsParams{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range flows.Items {
		ids = append(ids, f.ID)
	}
	if want := []string{"f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"}; !slices.Equal(ids, want) {
		t.Errorf("ids = %v, want %v (page order)", ids, want)
	}
	reqs := ts.Requests()
	if len(reqs) != 5 || reqs[0].Query.Get("page") != "" || reqs[0].Query.Get("after") != "" {
		t.Fatalf("requests = %v, want the first page then pages 2-5", reqs)
	}
	var asked []string
	for _, r := range reqs[1:] {
		asked = append(asked, r.Query.Get("page"))
		if r.Query.Get("limit") != "2" {
			t.Errorf("page %s: limit %q, want the first page's", r.Query.Get("page"), r.Query.Get("limit"))
		}
	}
	slices.Sort(asked)
	if !slices.Equal(asked, []string{"2", "3", "4", "5"}) {
		t.Errorf("pages asked = %v", asked)
	}
}

// A server that does not answer the page asked for gets the cursor walked
// instead: the listing is still every flow once.
func TestListFlows_pageNumbersNotHonouredFallsBackToTheCursor(t *testing.T) {
	t.Parallel()
	pages := [][]string{{"f1", "f2"}, {"f3", "f4"}, {"f5"}}
	cursorOnly := pagedHandler(t, pages, false)
	ts := newDigaServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			// Declares pages but ignores page=…: always the first.
			respond(http.StatusOK, `{"data":[`+minimalFlowJSON("f1")+`,`+minimalFlowJSON("f2")+
				`],"has_more":true,"last_id":"f2","current_page":1,"total_pages":3}`)(w, r)
			return
		}
		cursorOnly(w, r)
	})
	flows, err := newTestClient(t, ts, nil).ListFlows(t.Context(), client.ListFlowsParams{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range flows.Items {
		ids = append(ids, f.ID)
	}
	if want := []string{"f1", "f2", "f3", "f4", "f5"}; !slices.Equal(ids, want) || len(flows.Repeated) != 0 {
		t.Errorf("ids = %v (repeated %v), want %v", ids, flows.Repeated, want)
	}
}

// Flows added while the numbered pages were read: the last page still says
// has_more, and the rest is followed by cursor.
func TestListFlows_lastNumberedPageWithMoreFollowsTheCursor(t *testing.T) {
	t.Parallel()
	ts := newDigaServer(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("after") == "f4":
			respond(http.StatusOK, `{"data":[`+minimalFlowJSON("f5")+`],"has_more":false,"last_id":"f5"}`)(w, r)
		case q.Get("page") == "2":
			respond(http.StatusOK, `{"data":[`+minimalFlowJSON("f3")+`,`+minimalFlowJSON("f4")+
				`],"has_more":true,"last_id":"f4","current_page":2,"total_pages":3}`)(w, r)
		case q.Get("page") == "" && q.Get("after") == "":
			respond(http.StatusOK, `{"data":[`+minimalFlowJSON("f1")+`,`+minimalFlowJSON("f2")+
				`],"has_more":true,"last_id":"f2","current_page":1,"total_pages":2}`)(w, r)
		default:
			t.Errorf("unexpected request %s", r.URL)
			respond(http.StatusBadRequest, `{"detail":"unexpected"}`)(w, r)
		}
	})
	flows, err := newTestClient(t, ts, nil).ListFlows(t.Context(), client.ListFlowsParams{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range flows.Items {
		ids = append(ids, f.ID)
	}
	if want := []string{"f1", "f2", "f3", "f4", "f5"}; !slices.Equal(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
}
