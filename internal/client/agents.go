package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Voice agents, their versions and phone numbers: what assigning flows to
// agents and releasing them touches. An agent has one draft (edited
// freely, never handles calls), numbered immutable versions launched from
// the draft, and at most one published version, which answers the calls.

// Agent is AgentResponseSchema: the draft or one version of an agent.
// Absent and null strings read as "".
type Agent struct {
	ID, Name, Mode, ConversationalPathID string // Mode "free" or "path"
	VersionID, VersionName               string
	VersionNumber                        int64
	IsDraft, IsPublished                 bool
	Flows                                []AgentFlow
	// Raw is the answer's object as received, for comparing answers field
	// by field (AgentDraftDifferences).
	Raw json.RawMessage
}

// AgentFlow is FlowInfoResponse: one flow assigned to an agent version.
type AgentFlow struct {
	ID, Name string
	Status   string // "ENABLED", "DISABLED" or "" (null)
	// RequiresSetup: the flow needs configuration before it can run.
	RequiresSetup bool
}

// UnmarshalJSON decodes an AgentResponseSchema, keeping the raw object.
func (a *Agent) UnmarshalJSON(data []byte) error {
	if isJSONNull(data) {
		return errors.New("expected an agent object, got null")
	}
	var w struct {
		AgentID              *string     `json:"agent_id"`
		Name                 *string     `json:"name"`
		Mode                 *string     `json:"mode"`
		ConversationalPathID *string     `json:"conversational_path_id"`
		VersionID            *string     `json:"version_id"`
		VersionName          *string     `json:"version_name"`
		VersionNumber        json.Number `json:"version_number"`
		IsDraft              *bool       `json:"is_draft"`
		IsPublished          *bool       `json:"is_published"`
		Flows                []struct {
			ID            string  `json:"id"`
			Name          *string `json:"name"`
			Status        *string `json:"status"`
			RequiresSetup *bool   `json:"requires_setup"`
		} `json:"flows"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	if w.AgentID == nil || *w.AgentID == "" {
		return errors.New("agent has no agent_id")
	}
	n, err := wholeNumber(w.VersionNumber)
	if err != nil {
		return fmt.Errorf("agent %q: version_number: %w", *w.AgentID, err)
	}
	*a = Agent{
		ID: *w.AgentID, Name: deref(w.Name), Mode: deref(w.Mode), ConversationalPathID: deref(w.ConversationalPathID),
		VersionID: deref(w.VersionID), VersionName: deref(w.VersionName), VersionNumber: n,
		IsDraft: w.IsDraft != nil && *w.IsDraft, IsPublished: w.IsPublished != nil && *w.IsPublished,
		Flows: make([]AgentFlow, 0, len(w.Flows)),
		Raw:   append(json.RawMessage(nil), data...),
	}
	for _, f := range w.Flows {
		a.Flows = append(a.Flows, AgentFlow{ID: f.ID, Name: deref(f.Name), Status: deref(f.Status), RequiresSetup: f.RequiresSetup != nil && *f.RequiresSetup})
	}
	return nil
}

// wholeNumber reads an integer that may be written as 2 or 2.0; "" is 0.
func wholeNumber(n json.Number) (int64, error) {
	if n == "" {
		return 0, nil
	}
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%s is not a whole number", n)
	}
	return int64(f), nil
}

// Phone is PhoneRegisterResponseSchema, the fields a release needs. Absent
// and null strings read as "".
type Phone struct {
	ID, Number, Nickname, Status    string
	InboundAgentID, OutboundAgentID string
}

// UnmarshalJSON decodes a PhoneRegisterResponseSchema.
func (p *Phone) UnmarshalJSON(data []byte) error {
	var w struct {
		ID              *string `json:"id"`
		Number          *string `json:"number"`
		Nickname        *string `json:"nickname"`
		Status          *string `json:"status"`
		InboundAgentID  *string `json:"inbound_agent_id"`
		OutboundAgentID *string `json:"outbound_agent_id"`
	}
	if isJSONNull(data) {
		return errors.New("expected a phone number object, got null")
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	if w.ID == nil || *w.ID == "" {
		return errors.New("phone number has no id")
	}
	*p = Phone{ID: *w.ID, Number: deref(w.Number), Nickname: deref(w.Nickname), Status: deref(w.Status),
		InboundAgentID: deref(w.InboundAgentID), OutboundAgentID: deref(w.OutboundAgentID)}
	return nil
}

// PhoneFilter narrows ListPhones; empty fields are not sent.
type PhoneFilter struct {
	InboundAgentID, OutboundAgentID string
}

// PublishAgentRequest is PublishAgentRequest. VersionID is required: the
// client never sends a null version_id, which would unpublish the agent.
// An empty phone id is left out of the body, which leaves that phone
// association as it is.
type PublishAgentRequest struct {
	VersionID             string `json:"version_id"`
	InboundPhoneNumberID  string `json:"inbound_phone_number_id,omitempty"`
	OutboundPhoneNumberID string `json:"outbound_phone_number_id,omitempty"`
}

// PublishedAgent is PublishAgentResponse; null ids read as "".
type PublishedAgent struct {
	AgentID, PublishedVersionID, InboundPhoneNumberID, OutboundPhoneNumberID string
}

const (
	agentsPath = "/v1/agent/"
	phonesPath = "/v1/phone/"
	// agentListLimit is the agent and phone lists' maximum page size.
	agentListLimit = 100
)

// agentPath builds "/v1/agent/{id}{suffix}" with the id one escaped segment.
func agentPath(id, suffix string) (string, error) {
	seg, err := pathSegment("agent id", id)
	if err != nil {
		return "", err
	}
	return "/v1/agent" + seg + suffix, nil
}

// listAll follows every page of an agent or phone list.
func listAll[T any](ctx context.Context, c *Client, what, path string, q url.Values, id func(T) string) ([]T, error) {
	l, err := collectPages(what, func(after string) ([]T, bool, *string, error) {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set("limit", strconv.Itoa(agentListLimit))
		if after != "" {
			pq.Set("after", after)
		}
		p, err := getPage[T](ctx, c, path, pq)
		if err != nil {
			return nil, false, nil, err
		}
		return p.Data, p.HasMore, p.LastID, nil
	}, id)
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

// ListAgents lists every agent's draft: GET /v1/agent/, every page.
func (c *Client) ListAgents(ctx context.Context) ([]Agent, error) {
	return listAll(ctx, c, "agents", agentsPath, nil, func(a Agent) string { return a.ID })
}

// GetAgent reads an agent's draft: GET /v1/agent/{agent_id}. A missing
// agent is an *APIError for which IsNotFound holds.
func (c *Client) GetAgent(ctx context.Context, agentID string) (Agent, error) {
	return c.getAgent(ctx, agentID, nil)
}

// GetPublishedAgent reads an agent's published version:
// GET /v1/agent/{agent_id}?is_published=true. ok is false (and the error
// nil) when the agent has no published version, whichever way the server
// says so: a 404 in Diga's error envelope (IsNotFound; also when the agent
// itself does not exist, which GetAgent tells apart), or an answer that is
// not is_published (a server falling back to the draft).
func (c *Client) GetPublishedAgent(ctx context.Context, agentID string) (Agent, bool, error) {
	a, err := c.getAgent(ctx, agentID, url.Values{"is_published": {"true"}})
	switch {
	case IsNotFound(err):
		return Agent{}, false, nil
	case err != nil:
		return Agent{}, false, err
	case !a.IsPublished:
		return Agent{}, false, nil
	}
	return a, true, nil
}

// GetAgentVersion reads one version (or the draft, by its version id):
// GET /v1/agent/{agent_id}?version_id=…
func (c *Client) GetAgentVersion(ctx context.Context, agentID, versionID string) (Agent, error) {
	if versionID == "" {
		return Agent{}, errors.New("get agent version: the version id is empty")
	}
	return c.getAgent(ctx, agentID, url.Values{"version_id": {versionID}})
}

func (c *Client) getAgent(ctx context.Context, agentID string, q url.Values) (Agent, error) {
	path, err := agentPath(agentID, "")
	if err != nil {
		return Agent{}, err
	}
	var a Agent
	if err := c.do(ctx, http.MethodGet, path, q, nil, &a); err != nil {
		return Agent{}, err
	}
	return a, nil
}

// ListAgentVersions lists an agent's launched versions:
// GET /v1/agent/{agent_id}/version, every page.
func (c *Client) ListAgentVersions(ctx context.Context, agentID string) ([]Agent, error) {
	path, err := agentPath(agentID, "/version")
	if err != nil {
		return nil, err
	}
	return listAll(ctx, c, "agent versions", path, nil, func(a Agent) string { return a.VersionID })
}

// SetAgentFlows replaces every flow assignment of the agent's draft:
// PATCH /v1/agent/{agent_id} with exactly {"flow_ids": […]} (other fields
// are left as they are). It answers the draft. Repeating it is harmless.
func (c *Client) SetAgentFlows(ctx context.Context, agentID string, flowIDs []string) (Agent, error) {
	path, err := agentPath(agentID, "")
	if err != nil {
		return Agent{}, err
	}
	if flowIDs == nil {
		flowIDs = []string{}
	}
	var a Agent
	err = c.do(ctx, http.MethodPatch, path, nil, struct {
		FlowIDs []string `json:"flow_ids"`
	}{flowIDs}, &a)
	if err != nil {
		return Agent{}, err
	}
	return a, nil
}

// PublishAgentVersion publishes a launched version and associates the
// given phone numbers with it: PATCH /v1/agent/{agent_id}/published_version.
// It sets the server to a state given entirely by the request, so it is
// retried like a read.
func (c *Client) PublishAgentVersion(ctx context.Context, agentID string, req PublishAgentRequest) (PublishedAgent, error) {
	if req.VersionID == "" {
		return PublishedAgent{}, errors.New("publish agent version: the version id is empty (the client never unpublishes an agent)")
	}
	path, err := agentPath(agentID, "/published_version")
	if err != nil {
		return PublishedAgent{}, err
	}
	var w struct {
		AgentID               *string `json:"agent_id"`
		PublishedVersionID    *string `json:"published_version_id"`
		InboundPhoneNumberID  *string `json:"inbound_phone_number_id"`
		OutboundPhoneNumberID *string `json:"outbound_phone_number_id"`
	}
	if err := c.do(ctx, http.MethodPatch, path, nil, req, &w); err != nil {
		return PublishedAgent{}, err
	}
	return PublishedAgent{AgentID: deref(w.AgentID), PublishedVersionID: deref(w.PublishedVersionID),
		InboundPhoneNumberID: deref(w.InboundPhoneNumberID), OutboundPhoneNumberID: deref(w.OutboundPhoneNumberID)}, nil
}

// ListPhones lists the project's phone numbers, filtered by the agents
// they answer for or call from: GET /v1/phone/, every page.
func (c *Client) ListPhones(ctx context.Context, f PhoneFilter) ([]Phone, error) {
	q := url.Values{}
	if f.InboundAgentID != "" {
		q.Set("inbound_agent_id", f.InboundAgentID)
	}
	if f.OutboundAgentID != "" {
		q.Set("outbound_agent_id", f.OutboundAgentID)
	}
	return listAll(ctx, c, "phone numbers", phonesPath, q, func(p Phone) string { return p.ID })
}

// AmbiguousLaunchError is returned by LaunchAgentVersion when an attempt
// may have launched the version on the server, the client could not find
// it among the agent's versions, and it did not send the launch again.
// The user should look at the agent's versions before trying again.
type AmbiguousLaunchError struct {
	AgentID, VersionName string
	// Err is the last failure (of the launch, or of the listing that
	// looked for the version).
	Err error
}

func (e *AmbiguousLaunchError) Error() string {
	return fmt.Sprintf("launching version %q of agent %s: an attempt failed without a usable answer and may have launched "+
		"the version anyway, and no version with that name could be found to confirm it (%v). Look at the agent's versions "+
		"in Diga before trying again, so that no second version is launched", e.VersionName, e.AgentID, e.Err)
}

func (e *AmbiguousLaunchError) Unwrap() error { return e.Err }

// LaunchAgentVersion launches a new numbered version from the agent's
// current draft: POST /v1/agent/{agent_id}/version → 201, the version.
//
// A launch is not idempotent: every POST that reaches the server makes a
// version. So, as CreateFlow does for flows, a failure that may have
// reached the server (a transport error after sending, 502, 504, another
// 5xx, an unreadable 2xx) is not blindly repeated: after the usual wait the
// client lists the agent's versions and returns the newest one named
// versionName if there is one; only when there is none does it send the
// launch again. Failures that prove nothing was applied (429, 503, refused
// connections) are retried as usual. Pass a version name unique to the
// release: a version made earlier with the same name would be taken for
// the one this call launched; an empty name is refused before sending.
// When the last attempt failed ambiguously and no version is found, the
// error is an *AmbiguousLaunchError.
func (c *Client) LaunchAgentVersion(ctx context.Context, agentID, versionName string) (Agent, error) {
	if versionName == "" {
		// The name is how a launch whose answer was lost is found again.
		return Agent{}, errors.New("launch agent version: the version name is empty")
	}
	path, err := agentPath(agentID, "/version")
	if err != nil {
		return Agent{}, err
	}
	body, err := json.Marshal(struct {
		VersionName string `json:"version_name"`
	}{versionName})
	if err != nil {
		return Agent{}, err
	}
	cl := call{method: http.MethodPost, path: path, body: body}
	full := c.newBudget(ctx)
	// Attempts stop a reserve before the deadline, so that a lost answer
	// can still be looked for.
	reserve := max(min(full.deadline.Sub(c.now())/5, maxCheckReserve), 0)
	b := &budget{deadline: full.deadline.Add(-reserve), left: c.maxRetries}
	cl.until = b.deadline
	ambiguous := false
	find := func() (Agent, bool, error) {
		vs, err := c.ListAgentVersions(ctx, agentID)
		if err != nil {
			return Agent{}, false, err
		}
		var found *Agent
		for i := range vs {
			if vs[i].VersionName == versionName && (found == nil || vs[i].VersionNumber > found.VersionNumber) {
				found = &vs[i]
			}
		}
		if found == nil {
			return Agent{}, false, nil
		}
		c.logger.Warn(ctx, "found the agent version an earlier launch attempt created", map[string]any{
			"method": cl.method, "path": cl.path, "version_id": found.VersionID,
		})
		return *found, true, nil
	}
	settle := func(final error) (Agent, error) {
		if !ambiguous {
			return Agent{}, final
		}
		a, ok, err := find()
		switch {
		case err != nil:
			return Agent{}, &AmbiguousLaunchError{AgentID: agentID, VersionName: versionName, Err: errors.Join(final, err)}
		case ok:
			return a, nil
		}
		return Agent{}, &AmbiguousLaunchError{AgentID: agentID, VersionName: versionName, Err: final}
	}
	for attempt := 1; ; attempt++ {
		o := c.send(ctx, cl)
		if o.ctxErr != nil {
			if ambiguous || o.sent {
				return Agent{}, &AmbiguousLaunchError{AgentID: agentID, VersionName: versionName, Err: cl.errorf("%w", o.ctxErr)}
			}
			return Agent{}, cl.errorf("%w", o.ctxErr)
		}
		if o.succeeded() {
			var a Agent
			if err := cl.decode(o, &a); err != nil {
				// The version exists, but its answer is unreadable.
				ambiguous = true
				return settle(err)
			}
			return a, nil
		}
		v := classify(o)
		if v.ambiguous {
			ambiguous = true
		}
		wait, fromHeader := c.nextWait(o, b)
		if !v.retry || !b.allows(c.now(), wait, v) {
			c.logFailed(ctx, cl, o, attempt)
			return settle(c.failure(cl, o, attempt))
		}
		b.spend()
		if err := c.waitRetry(ctx, cl, o, v, attempt, wait, fromHeader); err != nil {
			if ambiguous {
				return Agent{}, &AmbiguousLaunchError{AgentID: agentID, VersionName: versionName, Err: cl.errorf("%w", ended(err, false))}
			}
			if errors.Is(err, context.DeadlineExceeded) {
				return Agent{}, c.failure(cl, o, attempt)
			}
			return Agent{}, cl.errorf("%w", err)
		}
		if v.ambiguous {
			// Waiting first gave a slow server time to finish the launch.
			a, ok, err := find()
			if err != nil {
				return Agent{}, &AmbiguousLaunchError{AgentID: agentID, VersionName: versionName, Err: err}
			}
			if ok {
				return a, nil
			}
		}
	}
}

// agentIdentityFields are the fields of AgentResponseSchema that say which
// version an answer is and when it was made, not what the agent does; the
// flows and the draft's validation issues are compared elsewhere.
var agentIdentityFields = map[string]bool{
	"agent_id": true, "version_id": true, "version_name": true, "version_number": true, "version_created_at": true,
	"is_draft": true, "is_published": true, "created_at": true, "modified_at": true,
	"flows": true, "validation_issues": true,
}

// AgentDraftDifferences names, sorted, the top-level fields of two agent
// answers (draft and published, as received: Agent.Raw) whose values
// differ: what a release would change for callers besides the flows.
// Identity, version and time fields, flows and validation_issues are not
// compared. Values are compared as JSON values (key order and number form
// do not matter; an absent field equals null). An unreadable Raw makes
// every field of the other answer differ.
func AgentDraftDifferences(draft, published Agent) []string {
	a, b := topLevel(draft.Raw), topLevel(published.Raw)
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]any{a, b} {
		for k := range m {
			if seen[k] || agentIdentityFields[k] {
				continue
			}
			seen[k] = true
			if !jsonValuesEqual(a[k], b[k]) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

func topLevel(raw json.RawMessage) map[string]any {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil
	}
	return m
}

// jsonValuesEqual compares decoded JSON values; numbers by value.
func jsonValuesEqual(x, y any) bool {
	switch a := x.(type) {
	case json.Number:
		b, ok := y.(json.Number)
		if !ok {
			return false
		}
		if a == b {
			return true
		}
		fa, errA := a.Float64()
		fb, errB := b.Float64()
		return errA == nil && errB == nil && fa == fb
	case map[string]any:
		b, ok := y.(map[string]any)
		if !ok {
			return false
		}
		for k := range b {
			if _, ok := a[k]; !ok && b[k] != nil {
				return false
			}
		}
		for k, v := range a {
			if !jsonValuesEqual(v, b[k]) {
				return false
			}
		}
		return true
	case []any:
		b, ok := y.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !jsonValuesEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	return x == y
}
