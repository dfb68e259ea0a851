package client

// Adoption after a lost create answer, against the emulator: what may be
// adopted is judged by the server's clock (its Date header) and by the
// state a fresh create leaves.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

const emuKey = "sk-ADOPT-emulator-key-0001"

// skewedEmulator is an emulator whose clock runs skew away from the
// client's, plus a shift tests move to stamp flows "seconds ago".
type skewedEmulator struct {
	*emulator.Server
	URL   string
	shift atomic.Int64 // added to the clock, ns
}

func newSkewedEmulator(t *testing.T, skew time.Duration, opts ...emulator.Option) *skewedEmulator {
	t.Helper()
	e := &skewedEmulator{}
	clock := func() time.Time { return time.Now().Add(skew + time.Duration(e.shift.Load())) }
	e.Server = emulator.New(append([]emulator.Option{emulator.WithAPIKeys(emuKey), emulator.WithClock(clock)}, opts...)...)
	srv := httptest.NewServer(e.Server)
	t.Cleanup(srv.Close)
	e.URL = srv.URL
	return e
}

// uiFlow creates a flow named name, ago before now on the server's clock,
// as a user would in the UI; with used set it is also given a trigger and a
// step, published and enabled.
func (e *skewedEmulator) uiFlow(t *testing.T, c *Client, name string, ago time.Duration, used bool) emulator.Flow {
	t.Helper()
	e.shift.Store(int64(-ago))
	defer e.shift.Store(0)
	id := e.CreateFlow(emuKey, name)
	if used {
		e.EditFlow(emuKey, id, func(tr map[string]any) {
			tr["type"] = "PIECE_TRIGGER"
			tr["settings"] = map[string]any{"pieceName": "@diga/piece-diga", "triggerName": "call_finished"}
			tr["nextAction"] = map[string]any{"name": "step_1", "type": "PIECE", "displayName": "Notify",
				"settings": map[string]any{"pieceName": "@activepieces/piece-slack", "actionName": "send_message"}}
		})
		if _, err := c.PublishFlow(t.Context(), id); err != nil {
			t.Fatalf("publish the UI flow: %v", err)
		}
		e.SetStatus(emuKey, id, "ENABLED")
	}
	f, _ := e.Flow(emuKey, id)
	return f
}

func newEmuClient(t *testing.T, baseURL string) *Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	c, err := New(Config{BaseURL: baseURL, APIKey: emuKey, HTTPClient: &http.Client{Transport: tr},
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAdopt_recentUIFlowIsNeverAdopted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		skew time.Duration // server clock minus client clock
		used bool
	}{
		{"empty UI flow 3s older, same clock", 0, false},
		{"published enabled UI flow with steps 3s older", 0, true},
		{"server clock 10 minutes behind", -10 * time.Minute, false},
		{"server clock 10 minutes ahead", 10 * time.Minute, false},
		{"server 10 minutes ahead, used UI flow", 10 * time.Minute, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSkewedEmulator(t, tc.skew)
			c := newEmuClient(t, e.URL)
			ui := e.uiFlow(t, c, "Shared name", 3*time.Second, tc.used)

			e.SetFaults(emulator.Faults{LostAnswerRate: 1}) // the create is applied, its answer lost
			res, err := c.CreateFlow(t.Context(), "Shared name")
			e.SetFaults(emulator.Faults{})
			if err != nil {
				t.Fatalf("CreateFlow: %v", err)
			}
			flows := e.Flows(emuKey)
			if len(flows) != 2 {
				t.Fatalf("server holds %d flows, want the UI flow and one created", len(flows))
			}
			mine := flows[0] // newest first
			if res.Flow.ID != mine.ID || !res.Adopted {
				t.Fatalf("CreateFlow returned %s (adopted %t), want the lost create's flow %s; the UI flow is %s",
					res.Flow.ID, res.Adopted, mine.ID, ui.ID)
			}
			if len(res.Warnings) != 1 || res.Warnings[0].MayBeFromThisCall || !slices.Equal(res.Warnings[0].FlowIDs, []string{ui.ID}) {
				t.Fatalf("warnings %+v, want one naming the UI flow %s as existing", res.Warnings, ui.ID)
			}
			after, _ := e.Flow(emuKey, ui.ID)
			if !reflect.DeepEqual(after, ui) {
				t.Errorf("the UI flow changed:\nbefore %+v\nafter  %+v", ui, after)
			}
		})
	}
}

func TestAdopt_freshButChangedFlowIsNamedNotAdopted(t *testing.T) {
	t.Parallel()
	// Between the lost attempt and the check, someone enables and edits a
	// same-name flow made after the attempt started: it may even be ours,
	// but it is no longer what a create leaves, so it is never adopted.
	for _, skew := range []time.Duration{0, -10 * time.Minute, 10 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			t.Parallel()
			e := newSkewedEmulator(t, skew)
			c := newEmuClient(t, e.URL)
			e.SetFaults(emulator.Faults{LostAnswerRate: 1})
			var once sync.Once
			c.sleep = func(ctx context.Context, d time.Duration) error {
				once.Do(func() {
					// The lost create's flow is already there: change it.
					for _, f := range e.Flows(emuKey) {
						e.SetStatus(emuKey, f.ID, "ENABLED")
					}
					e.SetFaults(emulator.Faults{})
				})
				return sleepCtx(ctx, d)
			}
			res, err := c.CreateFlow(t.Context(), "x")
			if err != nil {
				t.Fatalf("CreateFlow: %v", err)
			}
			flows := e.Flows(emuKey)
			if len(flows) != 2 || res.Flow.ID != flows[0].ID || res.Adopted {
				t.Fatalf("server %+v, result %+v: want a second, created flow", flows, res)
			}
			changed := flows[1].ID
			if len(res.Warnings) != 1 || !res.Warnings[0].MayBeFromThisCall || !slices.Equal(res.Warnings[0].FlowIDs, []string{changed}) {
				t.Fatalf("warnings %+v, want the changed flow %s named as a possible leftover", res.Warnings, changed)
			}
		})
	}
}

func TestAdopt_withoutDateHeaderNothingIsAdopted(t *testing.T) {
	t.Parallel()
	s := newFlowServer(t)
	s.noDate = true
	s.postFault = faultsInOrder(postApplyThenDrop)
	c, _ := newCreateClient(t, s, nil)
	res, err := c.CreateFlow(t.Context(), "x")
	if err != nil {
		t.Fatalf("CreateFlow: %v", err)
	}
	ids := s.ids()
	if len(ids) != 2 || res.Flow.ID != ids[1] || res.Adopted {
		t.Fatalf("server %v, result %+v: without a server clock the lost flow must not be adopted", ids, res)
	}
	if len(res.Warnings) != 1 || !res.Warnings[0].MayBeFromThisCall || !slices.Equal(res.Warnings[0].FlowIDs, []string{ids[0]}) {
		t.Errorf("warnings %+v, want the lost create's flow %s named", res.Warnings, ids[0])
	}
}

func TestAdopt_concurrentSameNameUnderFaults(t *testing.T) {
	t.Parallel()
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			e := newSkewedEmulator(t, -10*time.Minute)
			c := newEmuClient(t, e.URL)
			// A same-name flow a user made a minute earlier, published and
			// enabled: no call may return it.
			ui := e.uiFlow(t, c, "Same name", time.Minute, true)
			e.SetFaults(emulator.Faults{Seed: seed, ErrorRate: 0.3, LostAnswerRate: 0.15})

			tally := newCreateTally()
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() { tally.add(c.CreateFlow(t.Context(), "Same name")) })
			}
			wg.Wait()
			e.SetFaults(emulator.Faults{})

			var server []string
			for _, f := range e.Flows(emuKey) {
				server = append(server, f.ID)
			}
			tally.check(t, server)
			if slices.Contains(tally.returned, ui.ID) {
				t.Errorf("the UI flow %s was returned", ui.ID)
			}
			if after, _ := e.Flow(emuKey, ui.ID); !reflect.DeepEqual(after, ui) {
				t.Errorf("the UI flow changed")
			}
			if len(tally.others) != 0 {
				t.Errorf("calls failed: %v", tally.others)
			}
			st := e.FaultStats()
			t.Logf("faults: %d requests, %d injected errors, %d lost answers", st.Requests, st.InjectedErrors, st.LostAnswers)
			if st.LostAnswers == 0 {
				t.Error("no answer was lost: the test proves nothing")
			}
		})
	}
}
