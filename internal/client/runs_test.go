package client_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

const testingKey = "sk-TESTING-emulator-key-0001"

// testingDefinition is a webhook trigger and one Slack step; fail, when
// set, marks the step to fail with that message (emulator.FailMarker).
func testingDefinition(fail string) json.RawMessage {
	input := map[string]any{"text": "hi", "channel": "C1"}
	if fail != "" {
		input[emulator.FailMarker] = fail
	}
	b, _ := json.Marshal(map[string]any{
		"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Catch webhook",
		"settings": map[string]any{"pieceName": "@activepieces/piece-webhook", "pieceVersion": "0.1.0", "triggerName": "catch_webhook", "input": map[string]any{}},
		"nextAction": map[string]any{
			"name": "step_1", "type": "PIECE", "displayName": "Send message",
			"settings": map[string]any{"pieceName": "@activepieces/piece-slack", "pieceVersion": "0.9.0", "actionName": "send_channel_message", "input": input},
		},
	})
	return b
}

func newTestingEmulator(t *testing.T, wrap func(http.Handler) http.Handler, cfg client.Config) (*emulator.Server, *client.Client, string) {
	t.Helper()
	e := emulator.New(emulator.WithAPIKeys(testingKey))
	h := contract.Wrap(t, e)
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.BaseURL, cfg.APIKey = srv.URL, testingKey
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin, cfg.RetryWaitMax = time.Millisecond, 2*time.Millisecond
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := e.CreateFlow(testingKey, "tested")
	return e, c, id
}

func importDefinition(t *testing.T, c *client.Client, id, fail string) {
	t.Helper()
	if _, err := c.ImportFlow(t.Context(), id, client.ImportFlowRequest{DisplayName: "tested", Trigger: testingDefinition(fail)}); err != nil {
		t.Fatal(err)
	}
}

func TestTestingRoundTrip(t *testing.T) {
	t.Parallel()
	e, c, id := newTestingEmulator(t, nil, client.Config{})
	ctx := t.Context()
	importDefinition(t, c, id, "")

	events, err := c.TestTrigger(ctx, id)
	if err != nil || len(events) != 1 {
		t.Fatalf("TestTrigger = %s, %v", events, err)
	}
	st, err := c.TestStep(ctx, id, "step_1")
	if err != nil || !st.Success || !strings.Contains(string(st.Input), `"channel":"C1"`) {
		t.Fatalf("TestStep = %+v, %v", st, err)
	}
	if _, err := c.SaveSampleData(ctx, id, "trigger", client.SaveSampleDataRequest{Payload: json.RawMessage(`{"phone":"+34"}`), Type: client.SampleOutput, DataType: client.DataJSON}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSampleData(ctx, id, "trigger", client.SampleOutput)
	if err != nil || string(got) != `{"phone":"+34"}` {
		t.Fatalf("GetSampleData = %s, %v", got, err)
	}
	if got, err := c.GetSampleData(ctx, id, "trigger", client.SampleInput); err != nil || got != nil {
		t.Fatalf("GetSampleData(INPUT) = %s, %v; want nil", got, err)
	}

	ok, err := c.TestFlow(ctx, id)
	if err != nil || !ok.Success || ok.Status != client.RunSucceeded || len(ok.Steps) != 2 || len(ok.FailedSteps()) != 0 {
		t.Fatalf("TestFlow = %+v, %v", ok, err)
	}
	importDefinition(t, c, id, "channel_not_found")
	bad, err := c.TestFlow(ctx, id)
	if err != nil || bad.Success || bad.Status != client.RunFailed {
		t.Fatalf("TestFlow (failing) = %+v, %v", bad, err)
	}
	if f := bad.FailedSteps(); len(f) != 1 || f[0].Name != "step_1" || f[0].ErrorMessage != "channel_not_found" {
		t.Fatalf("failed steps = %+v", f)
	}

	listed, err := c.ListExecutions(ctx, id, client.ListExecutionsParams{Limit: 1})
	runs := listed.Items
	if err != nil || len(runs) != 2 || runs[0].ID != bad.RunID || runs[1].ID != ok.RunID {
		t.Fatalf("ListExecutions = %+v, %v; want [%s %s]", runs, err, bad.RunID, ok.RunID)
	}
	listed, err = c.ListExecutions(ctx, id, client.ListExecutionsParams{Status: client.RunFailed, CreatedAfter: time.Now().Add(-time.Hour), CreatedBefore: time.Now().Add(time.Hour)})
	failed := listed.Items
	if err != nil || len(failed) != 1 || failed[0].ID != bad.RunID {
		t.Fatalf("ListExecutions(FAILED) = %+v, %v", failed, err)
	}
	run, err := c.GetExecution(ctx, bad.RunID)
	if err != nil || run.FailedStep == nil || *run.FailedStep.Name != "step_1" || len(run.FailedSteps()) != 1 {
		t.Fatalf("GetExecution = %+v, %v", run, err)
	}
	if n := e.RunCount(testingKey, id); n != 2 {
		t.Fatalf("RunCount = %d, want 2", n)
	}
}

// A full-flow test whose answer is lost is not re-sent: it created a run.
func TestTestFlowLostAnswerNotResent(t *testing.T) {
	t.Parallel()
	e, c, id := newTestingEmulator(t, nil, client.Config{})
	importDefinition(t, c, id, "")
	e.SetFaults(emulator.Faults{LostAnswerRate: 1})
	_, err := c.TestFlow(t.Context(), id)
	e.SetFaults(emulator.Faults{})
	var amb *client.AmbiguousTestError
	if !errors.As(err, &amb) || !strings.Contains(err.Error(), "not re-sent") {
		t.Fatalf("err = %v, want *AmbiguousTestError", err)
	}
	if n := e.RunCount(testingKey, id); n != 1 {
		t.Fatalf("RunCount = %d, want exactly 1 (sent once)", n)
	}
	_, err = c.TestStep(t.Context(), id, "step_1")
	if err != nil {
		t.Fatal(err)
	}
}

// Failures that prove nothing ran are retried even for tests; a 502
// (the proxy may have lost a started run's answer) is not.
func TestTestFlowRetriesOnlyUnapplied(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		runs   int
		ok     bool
	}{{http.StatusServiceUnavailable, 1, true}, {http.StatusTooManyRequests, 1, true}, {http.StatusBadGateway, 0, false}} {
		var n atomic.Int32
		first := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/test") && n.Add(1) == 1 {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(tc.status)
					_, _ = w.Write([]byte(`{"status":"error","error_code":"X","message":"x"}`))
					return
				}
				next.ServeHTTP(w, r)
			})
		}
		e, c, id := newTestingEmulator(t, first, client.Config{})
		importDefinition(t, c, id, "")
		_, err := c.TestFlow(t.Context(), id)
		if (err == nil) != tc.ok {
			t.Errorf("HTTP %d first: err = %v, want ok=%v", tc.status, err, tc.ok)
		}
		var amb *client.AmbiguousTestError
		if !tc.ok && !errors.As(err, &amb) {
			t.Errorf("HTTP %d first: err = %v, want *AmbiguousTestError", tc.status, err)
		}
		if got := e.RunCount(testingKey, id); got != tc.runs {
			t.Errorf("HTTP %d first: %d runs, want %d", tc.status, got, tc.runs)
		}
	}
}

// The tests' attempts outlast Config.RequestTimeout: Diga answers them
// only after the run (up to ~120 s).
func TestTestFlowOutlastsRequestTimeout(t *testing.T) {
	t.Parallel()
	e, c, id := newTestingEmulator(t, nil, client.Config{RequestTimeout: 20 * time.Millisecond, MaxRetries: new(int)})
	// The flow is set up with the default timeout: 20 ms is the point of
	// the test, not of its setup, which a loaded machine may take longer for.
	setup, err := client.New(client.Config{BaseURL: c.BaseURL(), APIKey: testingKey})
	if err != nil {
		t.Fatal(err)
	}
	importDefinition(t, setup, id, "")
	e.SetFaults(emulator.Faults{Latency: 150 * time.Millisecond})
	defer e.SetFaults(emulator.Faults{})
	if _, err := c.GetFlow(t.Context(), id); err == nil {
		t.Fatal("GetFlow should hit the 20ms request timeout")
	}
	if _, err := c.TestFlow(t.Context(), id); err != nil {
		t.Fatalf("TestFlow: %v", err)
	}
	if _, err := c.TestStep(t.Context(), id, "step_1"); err != nil {
		t.Fatalf("TestStep: %v", err)
	}
}

// FlowTestResponse.steps is free-form: values shaped otherwise are kept raw.
func TestTestFlowOddSteps(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":false,"runId":"r1","status":"FAILED","steps":{"a":"weird","b":{"status":"FAILED","errorMessage":{"code":7}},"c":{"status":"SUCCEEDED","output":null}}}`))
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.TestFlow(t.Context(), "f1")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 3 || string(res.Steps[0].Raw) != `"weird"` || res.Steps[0].Status != "" || res.Steps[2].Output != nil {
		t.Fatalf("steps = %+v", res.Steps)
	}
	if f := res.FailedSteps(); len(f) != 1 || f[0].Name != "b" || f[0].ErrorMessage != `{"code":7}` {
		t.Fatalf("failed = %+v", f)
	}
}
