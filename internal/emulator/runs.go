package emulator

import (
	"encoding/json"
	"net/http"
	"time"
)

// Diga's flow-test API: flow, step and trigger tests, the runs they make,
// sample data and executions (BEHAVIOUR.md, "Testing and executions").

const (
	codeTriggerNotConfigured = "TRIGGER_NOT_CONFIGURED"
	codeTriggerTestFailed    = "TRIGGER_TEST_FAILED"
	codeInvalidSampleData    = "INVALID_SAMPLE_DATA"
	codeRunNotFound          = "RUN_NOT_FOUND"

	// FailMarker, as a key of a step's settings.input, makes every test of
	// that step fail with the key's value (a string) as Diga's error
	// message: the in-definition way to make a chosen step fail.
	FailMarker = "emulator_fail"

	sampleInput  = "INPUT"
	sampleOutput = "OUTPUT"
	dataJSON     = "JSON"
	dataString   = "STRING"

	runSucceeded = "SUCCEEDED"
	runFailed    = "FAILED"
)

var runStatuses = []string{"QUEUED", "RUNNING", "PAUSED", "SUCCEEDED", "FAILED", "TIMEOUT", "CANCELED", "INTERNAL_ERROR", "QUOTA_EXCEEDED", "MEMORY_LIMIT_EXCEEDED"}

// testState is a project's testing half: sample data, forced failures and
// the runs that full-flow tests created.
type testState struct {
	// samples[flowID][step][INPUT|OUTPUT]
	samples  map[string]map[string]map[string]any
	failures map[string]map[string]string // [flowID][step] → message
	runs     []*flowRun                   // oldest first
	runByID  map[string]*flowRun
	seq      int64
}

type flowRun struct {
	id, flowID, flowName, status string
	seq                          int64
	created                      time.Time
	duration                     int64
	stepsCount                   int
	failedStep                   map[string]any // nil when none failed
	steps                        map[string]any
}

func (s *Server) testsLocked(key string) *testState {
	p := s.projectLocked(key)
	if p.tests == nil {
		p.tests = &testState{
			samples:  map[string]map[string]map[string]any{},
			failures: map[string]map[string]string{},
			runByID:  map[string]*flowRun{},
		}
	}
	return p.tests
}

// FailStep makes every test of step stepName of flow flowID (project of
// apiKey) fail with message until ClearStepFailures, out of band. It works
// for steps that do not exist yet, so a test can arrange a failure before
// the provider imports the definition.
func (s *Server) FailStep(apiKey, flowID, stepName, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.testsLocked(apiKey)
	if t.failures[flowID] == nil {
		t.failures[flowID] = map[string]string{}
	}
	t.failures[flowID][stepName] = message
}

// ClearStepFailures forgets every FailStep of flow flowID.
func (s *Server) ClearStepFailures(apiKey, flowID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.testsLocked(apiKey).failures, flowID)
}

// SampleData returns the stored sample data of a step (typ INPUT or
// OUTPUT), out of band; ok is false when none is stored.
func (s *Server) SampleData(apiKey, flowID, stepName, typ string) (data any, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.testsLocked(apiKey).samples[flowID][stepName][typ]
	return jsonCopyAny(d), ok
}

// RunCount is how many runs (full-flow tests) flow flowID has, out of band.
func (s *Server) RunCount(apiKey, flowID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.testsLocked(apiKey).runs {
		if r.flowID == flowID {
			n++
		}
	}
	return n
}

func jsonCopyAny(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// forgetSamplesLocked drops a flow's sample data: an import replaces every
// step, and their sample data goes with them.
func (s *Server) forgetSamplesLocked(key, flowID string) {
	if p := s.projects[key]; p != nil && p.tests != nil {
		delete(p.tests.samples, flowID)
	}
}

func (t *testState) storeSample(flowID, step, typ string, data any) {
	if t.samples[flowID] == nil {
		t.samples[flowID] = map[string]map[string]any{}
	}
	if t.samples[flowID][step] == nil {
		t.samples[flowID][step] = map[string]any{}
	}
	t.samples[flowID][step][typ] = data
}

// failureOf is the message a test of node fails with, "" when it passes:
// the FailMarker in settings.input first, then FailStep.
func (t *testState) failureOf(flowID string, node map[string]any) string {
	if in, ok := settingsOf(node)["input"].(map[string]any); ok {
		if m, ok := in[FailMarker]; ok {
			if msg, ok := m.(string); ok && msg != "" {
				return msg
			}
			return "step failed (" + FailMarker + ")"
		}
	}
	return t.failures[flowID][stepName(node)]
}

// stepResult runs one step of f deterministically: output is the stored
// OUTPUT sample data when there is some, else {"step": name, "input": input}.
func (t *testState) stepResult(f *flow, node map[string]any) (input, output any, failure string) {
	name := stepName(node)
	input = jsonCopyAny(settingsOf(node)["input"])
	if input == nil {
		input = map[string]any{}
	}
	if failure = t.failureOf(f.id, node); failure != "" {
		return input, nil, failure
	}
	if d, ok := t.samples[f.id][name][sampleOutput]; ok {
		return input, jsonCopyAny(d), ""
	}
	return input, map[string]any{"step": name, "input": input}, ""
}

func (s *Server) withTestFlow(c *call, op func(f *flow, t *testState) (int, any, *apiFailure)) {
	s.mu.Lock()
	f := s.lookupLocked(c.key, c.flowID())
	if f == nil {
		s.mu.Unlock()
		s.notFound(c)
		return
	}
	status, body, fail := op(f, s.testsLocked(c.key))
	s.mu.Unlock()
	if fail != nil {
		writeError(c.w, fail.status, fail.code, fail.message)
		return
	}
	writeJSON(c.w, status, body)
}

// POST /v1/workflow/{flow_id}/trigger/test — TriggerTestResponse.
func (s *Server) handleTriggerTest(c *call) {
	s.withTestFlow(c, func(f *flow, t *testState) (int, any, *apiFailure) {
		if triggerType(f.trigger) == "EMPTY" {
			return 0, nil, badRequest(codeTriggerNotConfigured, "The flow's trigger is EMPTY; configure a trigger before testing it")
		}
		_, out, failure := t.stepResult(f, f.trigger)
		if failure != "" {
			return 0, nil, badRequest(codeTriggerTestFailed, failure)
		}
		t.storeSample(f.id, stepName(f.trigger), sampleOutput, out)
		return http.StatusOK, orderedObject{{"events", []any{out}}}, nil
	})
}

// POST /v1/workflow/{flow_id}/steps/{step_name}/test — StepTestResponse.
func (s *Server) handleStepTest(c *call) {
	s.withTestFlow(c, func(f *flow, t *testState) (int, any, *apiFailure) {
		ref, fail := findAction(f.trigger, c.params["step_name"])
		if fail != nil {
			return 0, nil, fail
		}
		in, out, failure := t.stepResult(f, ref.node)
		stderr := ""
		if failure != "" {
			stderr = failure
		} else {
			t.storeSample(f.id, stepName(ref.node), sampleOutput, out)
		}
		return http.StatusOK, orderedObject{
			{"success", failure == ""},
			{"input", in},
			{"output", out},
			{"standardError", stderr},
			{"standardOutput", ""},
		}, nil
	})
}

// GET /v1/workflow/{flow_id}/steps/{step_name}/sample-data — SampleDataResponse.
func (s *Server) handleGetSampleData(c *call) {
	typ := sampleOutput
	if v, ok := c.r.URL.Query()["type"]; ok && len(v) > 0 {
		typ = v[len(v)-1]
	}
	s.withTestFlow(c, func(f *flow, t *testState) (int, any, *apiFailure) {
		if typ != sampleInput && typ != sampleOutput {
			return 0, nil, badRequest(codeInvalidSampleData, "type must be INPUT or OUTPUT, got "+typ)
		}
		name := c.params["step_name"]
		if _, ok := findStep(f.trigger, name); !ok {
			return 0, nil, stepNotFound(name)
		}
		return http.StatusOK, orderedObject{{"data", jsonCopyAny(t.samples[f.id][name][typ])}}, nil
	})
}

// POST /v1/workflow/{flow_id}/steps/{step_name}/sample-data —
// SaveSampleDataRequest → FlowAllResponse.
func (s *Server) handleSaveSampleData(c *call) {
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	var errs []validationError
	fs := fields{obj: obj, loc: []any{"body"}, errs: &errs}
	payload, _ := fs.get("payload")
	fs.optStr("type")
	fs.optStr("dataType")
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	typ, _ := obj["type"].(string)
	if typ == "" {
		typ = sampleOutput
	}
	dataType, _ := obj["dataType"].(string)
	if dataType == "" {
		dataType = dataJSON
	}
	s.withFlow(c, http.StatusOK, false, func(f *flow) *apiFailure {
		if typ != sampleInput && typ != sampleOutput {
			return badRequest(codeInvalidSampleData, "type must be INPUT or OUTPUT, got "+typ)
		}
		if dataType != dataJSON && dataType != dataString {
			return badRequest(codeInvalidSampleData, "dataType must be JSON or STRING, got "+dataType)
		}
		if _, isStr := payload.(string); dataType == dataString && !isStr {
			return badRequest(codeInvalidSampleData, "dataType STRING needs a string payload")
		}
		name := c.params["step_name"]
		if _, ok := findStep(f.trigger, name); !ok {
			return stepNotFound(name)
		}
		s.testsLocked(c.key).storeSample(f.id, name, typ, jsonCopyAny(payload))
		s.touchLocked(f)
		return nil
	})
}

// POST /v1/workflow/{flow_id}/test — FlowTestResponse; records a run.
func (s *Server) handleFlowTest(c *call) {
	s.withTestFlow(c, func(f *flow, t *testState) (int, any, *apiFailure) {
		if triggerType(f.trigger) == "EMPTY" {
			return 0, nil, badRequest(codeTriggerNotConfigured, "The flow's trigger is EMPTY; configure a trigger before testing the flow")
		}
		r := t.run(f, s.clock(), s.newIDLocked())
		return http.StatusOK, orderedObject{
			{"success", r.status == runSucceeded},
			{"runId", r.id},
			{"status", r.status},
			{"duration", r.duration},
			{"steps", r.steps},
		}, nil
	})
}

// run executes the draft of f: every step in tree order (a node, its
// children, then its nextAction), skipped steps reported SKIPPED, stopping
// at the first failure. Each step takes 1 ms of duration.
func (t *testState) run(f *flow, now time.Time, id string) *flowRun {
	t.seq++
	r := &flowRun{id: id, flowID: f.id, flowName: f.name, status: runSucceeded, seq: t.seq, created: now, steps: map[string]any{}}
	for _, name := range stepNames(f.trigger) {
		ref, ok := findStep(f.trigger, name)
		if !ok {
			continue
		}
		r.stepsCount++
		if skip, _ := ref.node["skip"].(bool); skip {
			r.steps[name] = orderedObject{{"type", stepType(ref.node)}, {"status", "SKIPPED"}}
			continue
		}
		r.duration++
		in, out, failure := t.stepResult(f, ref.node)
		if failure != "" {
			r.steps[name] = orderedObject{
				{"type", stepType(ref.node)}, {"status", runFailed}, {"input", in},
				{"output", nil}, {"errorMessage", failure}, {"duration", 1},
			}
			r.status = runFailed
			dn, _ := ref.node["displayName"].(string)
			r.failedStep = map[string]any{"name": name, "displayName": dn}
			break
		}
		r.steps[name] = orderedObject{
			{"type", stepType(ref.node)}, {"status", runSucceeded}, {"input", in},
			{"output", out}, {"duration", 1},
		}
	}
	t.runs = append(t.runs, r)
	t.runByID[r.id] = r
	return r
}

func (r *flowRun) body(detail bool) orderedObject {
	ts := r.created.Format("2006-01-02T15:04:05.000000Z")
	finish := r.created.Add(time.Duration(r.duration) * time.Millisecond).Format("2006-01-02T15:04:05.000000Z")
	var failed any
	if r.failedStep != nil {
		failed = r.failedStep
	}
	out := orderedObject{
		{"id", r.id}, {"flowId", r.flowID}, {"flowDisplayName", r.flowName},
		{"status", r.status}, {"created", ts}, {"updated", finish},
		{"startTime", ts}, {"finishTime", finish}, {"duration", r.duration},
		{"stepsCount", r.stepsCount}, {"tags", []string{}}, {"failedStep", failed},
	}
	if detail {
		out = append(out, field{"steps", r.steps})
	}
	return out
}

// GET /v1/workflow/executions/{run_id} — FlowRunDetailResponse.
func (s *Server) handleGetExecution(c *call) {
	s.mu.Lock()
	r := s.testsLocked(c.key).runByID[c.params["run_id"]]
	var body orderedObject
	if r != nil {
		body = r.body(true)
	}
	s.mu.Unlock()
	if r == nil {
		writeError(c.w, http.StatusNotFound, codeRunNotFound, "Run "+c.params["run_id"]+" not found")
		return
	}
	writeJSON(c.w, http.StatusOK, body)
}

// GET /v1/workflow/{flow_id}/executions — PaginatedResponseStrId[FlowRunResponse].
func (s *Server) handleListExecutions(c *call) {
	q, errs := parseListQuery(c.r, runStatuses, true)
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.withTestFlow(c, func(f *flow, t *testState) (int, any, *apiFailure) {
		var runs []*flowRun
		for i := len(t.runs) - 1; i >= 0; i-- {
			r := t.runs[i]
			if r.flowID != f.id || (q.status != nil && r.status != *q.status) {
				continue
			}
			if q.createdAfter != nil && !r.created.After(*q.createdAfter) {
				continue
			}
			if q.createdBefore != nil && !r.created.Before(*q.createdBefore) {
				continue
			}
			runs = append(runs, r)
		}
		cursor := func(id string) (int64, bool) {
			r := t.runByID[id]
			if r == nil || r.flowID != f.id {
				return 0, false
			}
			return r.seq, true
		}
		var lp listPage[*flowRun]
		switch {
		case q.after != nil:
			if seq, ok := cursor(*q.after); ok {
				lp = pageAfter(runs, q.limit, func(r *flowRun) bool { return r.seq < seq })
			}
		case q.before != nil:
			if seq, ok := cursor(*q.before); ok {
				lp = pageBefore(runs, q.limit, func(r *flowRun) bool { return r.seq <= seq })
			}
		default:
			lp = pageNumber(runs, q.limit, q.page)
		}
		return http.StatusOK, lp.envelope(func(r *flowRun) string { return r.id }, func(r *flowRun) any { return r.body(false) }), nil
	})
}
