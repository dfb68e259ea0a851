package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"
)

// Diga's flow-test API: the synchronous flow, step and trigger tests, the
// sample data they run on, and the runs (executions) they leave. These are
// production calls the provider makes (test_before_publish, the actions,
// diga_flow_sample_data, the executions data sources), not test helpers.

// Attempt timeouts of the synchronous test operations. Diga waits up to
// ~90 s for a step test and ~120 s for a full-flow test before answering;
// each attempt of those calls is given this long (or Config.RequestTimeout
// when that is longer), always within the caller's deadline.
const (
	StepTestTimeout = 150 * time.Second
	FlowTestTimeout = 180 * time.Second
)

// RunStatus is FlowRunStatus. Values not listed are passed through.
type RunStatus string

const (
	RunQueued              RunStatus = "QUEUED"
	RunRunning             RunStatus = "RUNNING"
	RunPaused              RunStatus = "PAUSED"
	RunSucceeded           RunStatus = "SUCCEEDED"
	RunFailed              RunStatus = "FAILED"
	RunTimeout             RunStatus = "TIMEOUT"
	RunCanceled            RunStatus = "CANCELED"
	RunInternalError       RunStatus = "INTERNAL_ERROR"
	RunQuotaExceeded       RunStatus = "QUOTA_EXCEEDED"
	RunMemoryLimitExceeded RunStatus = "MEMORY_LIMIT_EXCEEDED"
)

// RunStatuses lists FlowRunStatus in the contract's order.
var RunStatuses = []RunStatus{RunQueued, RunRunning, RunPaused, RunSucceeded, RunFailed, RunTimeout, RunCanceled, RunInternalError, RunQuotaExceeded, RunMemoryLimitExceeded}

// StepResult is one step of a run's free-form steps object, read as
// Activepieces' step output. Raw is the value exactly as received; the
// other fields are empty when it is shaped otherwise.
type StepResult struct {
	Name         string
	Status       string
	ErrorMessage string
	Output       json.RawMessage // nil when absent or null
	Raw          json.RawMessage
}

// decodeSteps reads a free-form steps object (nil or null → nil), sorted by
// step name. A value that is not an object is kept in Raw only; a steps
// value that is not an object at all is an error.
func decodeSteps(raw json.RawMessage) ([]StepResult, error) {
	if len(raw) == 0 || isJSONNull(raw) {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("steps: expected an object keyed by step name: %w", err)
	}
	out := make([]StepResult, 0, len(m))
	for name, v := range m {
		r := StepResult{Name: name, Raw: v}
		var w struct {
			Status       any             `json:"status"`
			ErrorMessage any             `json:"errorMessage"`
			Output       json.RawMessage `json:"output"`
		}
		if json.Unmarshal(v, &w) == nil {
			r.Status = textOf(w.Status)
			r.ErrorMessage = textOf(w.ErrorMessage)
			if len(w.Output) > 0 && !isJSONNull(w.Output) {
				r.Output = w.Output
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// textOf renders a string as is and any other JSON value compactly ("" for
// null), so an errorMessage shaped as an object still reaches the user.
func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// FlowTestResult is FlowTestResponse.
type FlowTestResult struct {
	Success  bool
	RunID    string
	Status   RunStatus
	Duration *int64
	Steps    []StepResult // sorted by name
}

// FailedSteps are the steps whose status is FAILED or that carry an error
// message.
func (r *FlowTestResult) FailedSteps() []StepResult { return failedSteps(r.Steps) }

func failedSteps(steps []StepResult) []StepResult {
	var out []StepResult
	for _, s := range steps {
		if s.Status == string(RunFailed) || s.ErrorMessage != "" {
			out = append(out, s)
		}
	}
	return out
}

// TestFlow runs the whole draft on stored sample data: POST
// /v1/workflow/{id}/test. Every call creates a run, so it is not safe to
// repeat: after an attempt whose answer is lost (or a 5xx that may follow
// a started run) it is not re-sent, and the error says so (errors.As
// *AmbiguousTestError). Only failures that prove nothing ran (429, 503,
// refused connections) are retried.
func (c *Client) TestFlow(ctx context.Context, flowID string) (*FlowTestResult, error) {
	path, err := flowPath(flowID, "/test")
	if err != nil {
		return nil, err
	}
	var w struct {
		Success  *bool           `json:"success"`
		RunID    *string         `json:"runId"`
		Status   *RunStatus      `json:"status"`
		Duration *int64          `json:"duration"`
		Steps    json.RawMessage `json:"steps"`
	}
	cl := call{method: http.MethodPost, path: path, once: true, timeout: FlowTestTimeout}
	if err := c.doCall(ctx, cl, &w); err != nil {
		return nil, err
	}
	if w.Success == nil || w.RunID == nil || w.Status == nil {
		return nil, cl.errorf("answer lacks success, runId or status")
	}
	steps, err := decodeSteps(w.Steps)
	if err != nil {
		return nil, cl.errorf("%w", err)
	}
	return &FlowTestResult{Success: *w.Success, RunID: *w.RunID, Status: *w.Status, Duration: w.Duration, Steps: steps}, nil
}

// StepTestResult is StepTestResponse.
type StepTestResult struct {
	Success        bool
	Input, Output  json.RawMessage // nil when absent or null
	StandardError  string
	StandardOutput string
}

// TestStep runs one action step on stored sample data: POST
// /v1/workflow/{id}/steps/{step}/test. The step really runs (a message is
// sent, a row written), so like TestFlow it is not re-sent after an
// ambiguous failure.
func (c *Client) TestStep(ctx context.Context, flowID, step string) (*StepTestResult, error) {
	path, err := stepPath(flowID, step, "/test")
	if err != nil {
		return nil, err
	}
	var w struct {
		Success        *bool           `json:"success"`
		Input          json.RawMessage `json:"input"`
		Output         json.RawMessage `json:"output"`
		StandardError  string          `json:"standardError"`
		StandardOutput string          `json:"standardOutput"`
	}
	cl := call{method: http.MethodPost, path: path, once: true, timeout: StepTestTimeout}
	if err := c.doCall(ctx, cl, &w); err != nil {
		return nil, err
	}
	if w.Success == nil {
		return nil, cl.errorf("answer lacks success")
	}
	return &StepTestResult{Success: *w.Success, Input: nonNull(w.Input), Output: nonNull(w.Output), StandardError: w.StandardError, StandardOutput: w.StandardOutput}, nil
}

// TestTrigger runs the trigger in test mode: POST
// /v1/workflow/{id}/trigger/test, returning its sample events. Not re-sent
// after an ambiguous failure either (a polling trigger may consume events).
func (c *Client) TestTrigger(ctx context.Context, flowID string) ([]json.RawMessage, error) {
	path, err := flowPath(flowID, "/trigger/test")
	if err != nil {
		return nil, err
	}
	var w struct {
		Events []json.RawMessage `json:"events"`
	}
	cl := call{method: http.MethodPost, path: path, once: true, timeout: StepTestTimeout}
	if err := c.doCall(ctx, cl, &w); err != nil {
		return nil, err
	}
	if w.Events == nil {
		w.Events = []json.RawMessage{}
	}
	return w.Events, nil
}

// Sample data types (SaveSampleDataRequest.type, the GET's type query) and
// formats (dataType). Plain strings in the contract.
const (
	SampleInput  = "INPUT"
	SampleOutput = "OUTPUT"
	DataJSON     = "JSON"
	DataString   = "STRING"
)

// SaveSampleDataRequest is the body of POST …/sample-data. Payload is any
// JSON value and is required; empty Type/DataType are left to the server's
// defaults (OUTPUT, JSON).
type SaveSampleDataRequest struct {
	Payload  json.RawMessage `json:"payload"`
	Type     string          `json:"type,omitempty"`
	DataType string          `json:"dataType,omitempty"`
}

// SaveSampleData stores sample data for a step or the trigger: POST
// /v1/workflow/{id}/steps/{step}/sample-data. Saving the same data twice is
// harmless, so it is retried like any write.
func (c *Client) SaveSampleData(ctx context.Context, flowID, step string, req SaveSampleDataRequest) (*Flow, error) {
	path, err := stepPath(flowID, step, "/sample-data")
	if err != nil {
		return nil, err
	}
	if len(req.Payload) == 0 || !json.Valid(req.Payload) {
		return nil, errors.New("save sample data: payload must be a JSON value")
	}
	return c.flowCall(ctx, http.MethodPost, path, req)
}

// GetSampleData reads a step's stored sample data (typ INPUT or OUTPUT; ""
// is the server's default, OUTPUT): nil when none is stored.
func (c *Client) GetSampleData(ctx context.Context, flowID, step, typ string) (json.RawMessage, error) {
	path, err := stepPath(flowID, step, "/sample-data")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if typ != "" {
		q.Set("type", typ)
	}
	var w struct {
		Data json.RawMessage `json:"data"`
	}
	if err := c.do(ctx, http.MethodGet, path, q, nil, &w); err != nil {
		return nil, err
	}
	return nonNull(w.Data), nil
}

// Run is FlowRunResponse (and, with Steps, FlowRunDetailResponse).
type Run struct {
	ID, FlowID           string
	FlowDisplayName      *string
	Status               RunStatus
	Created, Updated     time.Time
	StartTime, Finish    *time.Time
	Duration, StepsCount *int64
	Tags                 []string
	FailedStep           *FailedStep
	Steps                []StepResult // detail view only
}

// FailedStep is FailedStepResponse.
type FailedStep struct {
	Name, DisplayName *string
}

// UnmarshalJSON decodes FlowRunResponse or FlowRunDetailResponse.
func (r *Run) UnmarshalJSON(data []byte) error {
	var w struct {
		ID              *string         `json:"id"`
		FlowID          string          `json:"flowId"`
		FlowDisplayName *string         `json:"flowDisplayName"`
		Status          RunStatus       `json:"status"`
		Created         *string         `json:"created"`
		Updated         *string         `json:"updated"`
		StartTime       *string         `json:"startTime"`
		FinishTime      *string         `json:"finishTime"`
		Duration        *int64          `json:"duration"`
		StepsCount      *int64          `json:"stepsCount"`
		Tags            []string        `json:"tags"`
		FailedStep      *FailedStep     `json:"failedStep"`
		Steps           json.RawMessage `json:"steps"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	if w.ID == nil || *w.ID == "" {
		return errors.New("run has no id")
	}
	out := Run{ID: *w.ID, FlowID: w.FlowID, FlowDisplayName: w.FlowDisplayName, Status: w.Status,
		Duration: w.Duration, StepsCount: w.StepsCount, Tags: w.Tags, FailedStep: w.FailedStep}
	var err error
	if out.Created, err = parseTimestamp(w.Created); err != nil {
		return fmt.Errorf("run %q: created: %w", out.ID, err)
	}
	if out.Updated, err = parseTimestamp(w.Updated); err != nil {
		return fmt.Errorf("run %q: updated: %w", out.ID, err)
	}
	for _, p := range []struct {
		in  *string
		out **time.Time
	}{{w.StartTime, &out.StartTime}, {w.FinishTime, &out.Finish}} {
		if p.in == nil {
			continue
		}
		t, err := parseTimestamp(p.in)
		if err != nil {
			return fmt.Errorf("run %q: %w", out.ID, err)
		}
		*p.out = &t
	}
	if out.Steps, err = decodeSteps(w.Steps); err != nil {
		return fmt.Errorf("run %q: %w", out.ID, err)
	}
	*r = out
	return nil
}

// FailedSteps are the steps whose status is FAILED or that carry an error
// message.
func (r *Run) FailedSteps() []StepResult { return failedSteps(r.Steps) }

// ListExecutionsParams filters GET /v1/workflow/{id}/executions. Zero
// values are not sent.
type ListExecutionsParams struct {
	Status                      RunStatus
	CreatedAfter, CreatedBefore time.Time
	Limit                       int // page size; 0 means 30 (the maximum)
}

// RunPage is one page of PaginatedResponseStrId[FlowRunResponse].
type RunPage struct {
	Data    []Run
	HasMore bool
	LastID  *string
}

// ListExecutionsPage fetches one page of a flow's runs, newest first;
// after is a run id cursor ("" for the first page).
func (c *Client) ListExecutionsPage(ctx context.Context, flowID string, p ListExecutionsParams, after string) (*RunPage, error) {
	path, err := flowPath(flowID, "/executions")
	if err != nil {
		return nil, err
	}
	q := p.query()
	if after != "" {
		q.Set("after", after)
	}
	w, err := getPage[Run](ctx, c, path, q)
	if err != nil {
		return nil, err
	}
	return &RunPage{Data: w.Data, HasMore: w.HasMore, LastID: w.LastID}, nil
}

// ListExecutions fetches every page (newest first), each run once: side
// by side when the first answer declares total_pages, otherwise following
// after=last_id until has_more is false (listPages); a repeated cursor is
// an error.
func (c *Client) ListExecutions(ctx context.Context, flowID string, p ListExecutionsParams) (Listing[Run], error) {
	path, err := flowPath(flowID, "/executions")
	if err != nil {
		return Listing[Run]{}, err
	}
	return listPages(ctx, c, fmt.Sprintf("runs of flow %q", flowID), path, p.query(), func(r Run) string { return r.ID })
}

// GetExecution reads one run with its per-step results: GET
// /v1/workflow/executions/{run_id} (not nested under the flow).
func (c *Client) GetExecution(ctx context.Context, runID string) (*Run, error) {
	seg, err := pathSegment("run id", runID)
	if err != nil {
		return nil, err
	}
	var r Run
	if err := c.do(ctx, http.MethodGet, "/v1/workflow/executions"+seg, nil, nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func nonNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || isJSONNull(raw) {
		return nil
	}
	return raw
}

// AmbiguousTestError reports that a test request (not safe to repeat) may
// have started on Diga but its answer was lost, so it was not re-sent.
type AmbiguousTestError struct {
	Method, Path string
	Err          error // the last failure
}

func (e *AmbiguousTestError) Error() string {
	return fmt.Sprintf("%s %s: the test may have started on Diga but no answer arrived (%v); it was not re-sent, "+
		"because every test really runs the flow's steps; look at the flow's executions before testing again", e.Method, e.Path, e.Err)
}

func (e *AmbiguousTestError) Unwrap() error { return e.Err }
