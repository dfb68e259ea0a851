package emulator

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func failingSlackImport(name, message string) map[string]any {
	body := slackImport(name)
	step := obj(obj(body["trigger"])["nextAction"])
	obj(obj(step["settings"])["input"])[FailMarker] = message
	return body
}

func TestFlowTestPassesAndRecordsRun(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	expectEnvelope(t, c.do("POST", "/v1/workflow/"+id+"/test", nil), 400, codeTriggerNotConfigured, "")
	c.importFlow(id, slackImport("x"))
	got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/test", nil), 200)
	if got["success"] != true || got["status"] != "SUCCEEDED" || str(got, "runId") == "" {
		t.Fatalf("flow test = %v", got)
	}
	steps := obj(got["steps"])
	if obj(steps["trigger"])["status"] != "SUCCEEDED" || obj(steps["step_1"])["status"] != "SUCCEEDED" {
		t.Fatalf("steps = %v", steps)
	}
	if out := obj(obj(steps["step_1"])["output"]); out["step"] != "step_1" {
		t.Fatalf("step_1 output = %v", out)
	}
	if n := c.srv.RunCount(keyA, id); n != 1 {
		t.Fatalf("RunCount = %d, want 1", n)
	}
	run := expectJSON(t, c.do("GET", "/v1/workflow/executions/"+str(got, "runId"), nil), 200)
	if run["flowId"] != id || run["status"] != "SUCCEEDED" || run["failedStep"] != nil || obj(run["steps"])["step_1"] == nil {
		t.Fatalf("run = %v", run)
	}
	expectEnvelope(t, c.as(keyB).do("GET", "/v1/workflow/executions/"+str(got, "runId"), nil), 404, codeRunNotFound, "")
}

func TestFlowTestFailsAtMarkedStep(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	c.importFlow(id, failingSlackImport("x", "channel_not_found"))
	got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/test", nil), 200)
	if got["success"] != false || got["status"] != "FAILED" {
		t.Fatalf("flow test = %v", got)
	}
	step := obj(obj(got["steps"])["step_1"])
	if step["status"] != "FAILED" || step["errorMessage"] != "channel_not_found" {
		t.Fatalf("step_1 = %v", step)
	}
	run := expectJSON(t, c.do("GET", "/v1/workflow/executions/"+str(got, "runId"), nil), 200)
	if fs := obj(run["failedStep"]); fs["name"] != "step_1" || fs["displayName"] != "Send message" {
		t.Fatalf("failedStep = %v", run["failedStep"])
	}
}

func TestFailStepOutOfBand(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	c.srv.FailStep(keyA, id, "trigger", "no events")
	c.importFlow(id, slackImport("x"))
	got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/test", nil), 200)
	if got["status"] != "FAILED" || obj(obj(got["steps"])["trigger"])["errorMessage"] != "no events" || obj(got["steps"])["step_1"] != nil {
		t.Fatalf("flow test = %v", got)
	}
	expectEnvelope(t, c.do("POST", "/v1/workflow/"+id+"/trigger/test", nil), 400, codeTriggerTestFailed, "no events")
	c.srv.ClearStepFailures(keyA, id)
	ev := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/trigger/test", nil), 200)
	if events, _ := ev["events"].([]any); len(events) != 1 {
		t.Fatalf("trigger test = %v", ev)
	}
	if _, ok := c.srv.SampleData(keyA, id, "trigger", "OUTPUT"); !ok {
		t.Fatal("a trigger test stores the trigger's sample data")
	}
}

func TestStepTest(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	c.importFlow(id, slackImport("x"))
	got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/steps/step_1/test", nil), 200)
	if got["success"] != true || obj(got["input"])["channel"] != "C1" || got["standardError"] != "" {
		t.Fatalf("step test = %v", got)
	}
	if _, ok := c.srv.SampleData(keyA, id, "step_1", "OUTPUT"); !ok {
		t.Fatal("a passing step test stores the step's sample data")
	}
	expectEnvelope(t, c.do("POST", "/v1/workflow/"+id+"/steps/trigger/test", nil), 400, codeStepNotFound, "")
	expectEnvelope(t, c.do("POST", "/v1/workflow/"+id+"/steps/nope/test", nil), 400, codeStepNotFound, "Step nope not found")
	c.srv.FailStep(keyA, id, "step_1", "boom")
	got = expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/steps/step_1/test", nil), 200)
	if got["success"] != false || got["standardError"] != "boom" || got["output"] != nil {
		t.Fatalf("failing step test = %v", got)
	}
	if n := c.srv.RunCount(keyA, id); n != 0 {
		t.Fatalf("step tests record no run, got %d", n)
	}
}

func TestSampleDataRoundTripAndImportDropsIt(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := str(c.create("x"), "id")
	c.importFlow(id, slackImport("x"))
	base := "/v1/workflow/" + id + "/steps/trigger/sample-data"
	if got := expectJSON(t, c.do("GET", base, nil), 200); got["data"] != nil {
		t.Fatalf("nothing stored yet: %v", got)
	}
	expectJSON(t, c.do("POST", base, map[string]any{"payload": map[string]any{"phone": "+34"}}), 200)
	expectJSON(t, c.do("POST", base, map[string]any{"payload": "raw", "type": "INPUT", "dataType": "STRING"}), 200)
	if got := expectJSON(t, c.do("GET", base, nil), 200); obj(got["data"])["phone"] != "+34" {
		t.Fatalf("OUTPUT = %v", got)
	}
	if got := expectJSON(t, c.do("GET", base+"?type=INPUT", nil), 200); got["data"] != "raw" {
		t.Fatalf("INPUT = %v", got)
	}
	expectEnvelope(t, c.do("GET", base+"?type=BOTH", nil), 400, codeInvalidSampleData, "")
	expectEnvelope(t, c.do("POST", base, map[string]any{"payload": 1, "dataType": "XML"}), 400, codeInvalidSampleData, "")
	expectEnvelope(t, c.do("POST", base, map[string]any{"payload": 1, "dataType": "STRING"}), 400, codeInvalidSampleData, "")
	if rec := c.do("POST", base, map[string]any{"type": "INPUT"}); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("payload missing: %d", rec.Code)
	}
	expectEnvelope(t, c.do("POST", "/v1/workflow/"+id+"/steps/nope/sample-data", map[string]any{"payload": 1}), 400, codeStepNotFound, "")

	// The stored OUTPUT feeds the test runs.
	got := expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/test", nil), 200)
	if out := obj(obj(obj(got["steps"])["trigger"])["output"]); out["phone"] != "+34" {
		t.Fatalf("trigger output = %v", out)
	}

	c.importFlow(id, slackImport("x"))
	if _, ok := c.srv.SampleData(keyA, id, "trigger", "OUTPUT"); ok {
		t.Fatal("an import drops the flow's sample data")
	}
}

func TestExecutionsPagesAndFilters(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newClient(t, WithClock(func() time.Time { return clock }))
	id := str(c.create("x"), "id")
	var ids []string
	for i := range 7 {
		if i == 3 {
			c.importFlow(id, failingSlackImport("x", "bad"))
		} else {
			c.importFlow(id, slackImport("x"))
		}
		ids = append(ids, str(expectJSON(t, c.do("POST", "/v1/workflow/"+id+"/test", nil), 200), "runId"))
		clock = clock.Add(time.Minute)
	}
	var seen []string
	after := ""
	for range 10 {
		q := "?limit=3"
		if after != "" {
			q += "&after=" + after
		}
		page := expectJSON(t, c.do("GET", "/v1/workflow/"+id+"/executions"+q, nil), 200)
		for _, r := range page["data"].([]any) {
			seen = append(seen, str(obj(r), "id"))
			if obj(r)["steps"] != nil {
				t.Fatal("list view has no steps")
			}
		}
		if page["has_more"] != true {
			break
		}
		after = str(page, "last_id")
	}
	want := fmt.Sprint([]string{ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]})
	if fmt.Sprint(seen) != want {
		t.Fatalf("runs = %v, want newest first %v", seen, want)
	}
	failed := expectJSON(t, c.do("GET", "/v1/workflow/"+id+"/executions?status=FAILED", nil), 200)
	if d := failed["data"].([]any); len(d) != 1 || str(obj(d[0]), "id") != ids[3] {
		t.Fatalf("FAILED runs = %v", failed)
	}
	window := expectJSON(t, c.do("GET", "/v1/workflow/"+id+"/executions?created_after=2026-01-01T00:01:00Z&created_before=2026-01-01T00:04:00Z", nil), 200)
	if d := window["data"].([]any); len(d) != 2 || str(obj(d[0]), "id") != ids[3] || str(obj(d[1]), "id") != ids[2] {
		t.Fatalf("window = %v", window)
	}
	for _, q := range []string{"?status=DONE", "?limit=31", "?created_after=yesterday"} {
		if rec := c.do("GET", "/v1/workflow/"+id+"/executions"+q, nil); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", q, rec.Code)
		}
	}
	expectEnvelope(t, c.do("GET", "/v1/workflow/nope/executions", nil), 404, "FLOW_NOT_FOUND", "")
}
