package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// FlowStatus is whether a published flow runs.
type FlowStatus string

const (
	FlowStatusEnabled  FlowStatus = "ENABLED"
	FlowStatusDisabled FlowStatus = "DISABLED"
)

// FlowCategory is computed by Diga from the flow's trigger and actions.
// Values not listed here are passed through unchanged.
type FlowCategory string

const (
	FlowCategoryPostCall     FlowCategory = "post_call"
	FlowCategoryDuringCall   FlowCategory = "during_call"
	FlowCategoryPreCall      FlowCategory = "pre_call"
	FlowCategoryCallLauncher FlowCategory = "call_launcher"
	FlowCategoryEmpty        FlowCategory = "empty"
)

// Flow is FlowAllResponse. Only ID, Created and Updated are required by the
// API; every other field may be absent or null, and both decode the same way.
type Flow struct {
	ID               string
	Name             *string // nil when absent or null
	Created, Updated time.Time
	Status           *FlowStatus   // nil when absent or null
	FlowCategory     *FlowCategory // nil when absent or null
	// RawTrigger is the trigger (TriggerResponse, the head of the flow's
	// step tree) exactly as received, byte for byte; nil when absent or
	// null. The client does not interpret it: callers decode what they need.
	RawTrigger json.RawMessage
	// ProducedVariables and ConsumedVariables are nil when absent (or null)
	// and non-nil, possibly empty, when present.
	ProducedVariables []string
	ConsumedVariables []string
}

// UnmarshalJSON decodes a FlowAllResponse, ignoring unknown fields.
func (f *Flow) UnmarshalJSON(data []byte) error {
	if isJSONNull(data) {
		return errors.New("expected a flow object, got null")
	}
	var w struct {
		ID                *string         `json:"id"`
		Name              *string         `json:"name"`
		Created           *string         `json:"created"`
		Updated           *string         `json:"updated"`
		Status            *FlowStatus     `json:"status"`
		FlowCategory      *FlowCategory   `json:"flow_category"`
		Trigger           json.RawMessage `json:"trigger"`
		ProducedVariables []string        `json:"produced_variables"`
		ConsumedVariables []string        `json:"consumed_variables"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	if w.ID == nil || *w.ID == "" {
		return errors.New("flow has no id")
	}
	created, err := parseTimestamp(w.Created)
	if err != nil {
		return fmt.Errorf("flow %q: created: %w", *w.ID, err)
	}
	updated, err := parseTimestamp(w.Updated)
	if err != nil {
		return fmt.Errorf("flow %q: updated: %w", *w.ID, err)
	}

	*f = Flow{
		ID:                *w.ID,
		Name:              w.Name,
		Created:           created,
		Updated:           updated,
		Status:            w.Status,
		FlowCategory:      w.FlowCategory,
		ProducedVariables: w.ProducedVariables,
		ConsumedVariables: w.ConsumedVariables,
	}
	if len(w.Trigger) > 0 && !isJSONNull(w.Trigger) {
		f.RawTrigger = w.Trigger
	}
	return nil
}

// timestampLayouts accept RFC 3339 with or without fractional seconds and
// with Z or an offset, plus the zone-less form some FastAPI servers emit
// (naive datetimes), which time.Parse reads as UTC. Parse accepts a
// fractional second even when the layout has none.
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
}

// parseTimestamp returns the zero time for an absent or null value: the
// fields are required by the schema, but a missing timestamp is no reason
// to fail reading a flow.
func parseTimestamp(s *string) (time.Time, error) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, *s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognized timestamp %q (want RFC 3339)", *s)
}

// flowsPath is the list/create route; the trailing slash is part of the
// documented path (the other form gets a 307 from FastAPI).
const flowsPath = "/v1/workflow/"

// defaultListLimit is the API's maximum page size.
const defaultListLimit = 30

// maxListPages stops ListFlows against a server that keeps inventing new
// cursors: 10 000 pages of 30 is far beyond any real project.
const maxListPages = 10000

// ListFlowsParams filters GET /v1/workflow/. Nil filters are not sent.
type ListFlowsParams struct {
	Status        *FlowStatus
	FlowCategory  *FlowCategory
	IsDigaTrigger *bool
	Limit         int // page size; 0 means 30 (the API maximum)
}

// FlowPage is one page of PaginatedResponseStrId[FlowAllResponse].
// Only what following the cursor needs is kept: the envelope's first_id,
// current_page and total_pages are not read.
type FlowPage struct {
	Data    []Flow
	HasMore bool
	LastID  *string
}

// ImportFlowRequest replaces a flow's draft (trigger and all actions).
type ImportFlowRequest struct {
	DisplayName   string          `json:"displayName"`
	Trigger       json.RawMessage `json:"trigger"`
	SchemaVersion *string         `json:"schemaVersion,omitempty"`
}

// GetFlow reads a flow (the draft view): GET /v1/workflow/{id}.
func (c *Client) GetFlow(ctx context.Context, id string) (*Flow, error) {
	path, err := flowPath(id, "")
	if err != nil {
		return nil, err
	}
	return c.flowCall(ctx, http.MethodGet, path, nil)
}

// ListFlowsPage fetches one page: GET /v1/workflow/?limit=…&after=…
// after is a flow id cursor; "" fetches the first page.
func (c *Client) ListFlowsPage(ctx context.Context, p ListFlowsParams, after string) (*FlowPage, error) {
	q := p.query()
	if after != "" {
		q.Set("after", after)
	}
	w, err := getPage[Flow](ctx, c, flowsPath, q)
	if err != nil {
		return nil, err
	}
	return &FlowPage{Data: w.Data, HasMore: w.HasMore, LastID: w.LastID}, nil
}

// query is the query of the first page.
func (p ListFlowsParams) query() url.Values {
	q := url.Values{}
	limit := p.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	q.Set("limit", strconv.Itoa(limit))
	if p.Status != nil {
		q.Set("status", string(*p.Status))
	}
	if p.FlowCategory != nil {
		q.Set("flow_category", string(*p.FlowCategory))
	}
	if p.IsDigaTrigger != nil {
		q.Set("is_diga_trigger", strconv.FormatBool(*p.IsDigaTrigger))
	}
	return q
}

// ListFlows fetches every page and returns each flow once
// (Listing.Repeated names the flows a later page held again). When the
// first answer declares total_pages the other pages are fetched side by
// side, otherwise the cursor is followed (listPages); a server that hands
// back a cursor it already gave is reported as an error instead of being
// followed forever.
func (c *Client) ListFlows(ctx context.Context, p ListFlowsParams) (Listing[Flow], error) {
	return listPages(ctx, c, "flows", flowsPath, p.query(), func(f Flow) string { return f.ID })
}

// nextCursor is last_id, or the last flow's id when a server leaves last_id
// null on a page that has more after it.
func nextCursor(page *FlowPage) string {
	if page.LastID != nil && *page.LastID != "" {
		return *page.LastID
	}
	if n := len(page.Data); n > 0 {
		return page.Data[n-1].ID
	}
	return ""
}

// RenameFlow renames the draft: PATCH /v1/workflow/{id}/rename.
func (c *Client) RenameFlow(ctx context.Context, id, name string) (*Flow, error) {
	path, err := flowPath(id, "/rename")
	if err != nil {
		return nil, err
	}
	return c.flowCall(ctx, http.MethodPatch, path, struct {
		Name string `json:"name"`
	}{name})
}

// DeleteFlow deletes a flow permanently: DELETE /v1/workflow/{id} → 204.
func (c *Client) DeleteFlow(ctx context.Context, id string) error {
	path, err := flowPath(id, "")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil, nil)
}

// SetFlowStatus enables or disables a flow: PATCH /v1/workflow/{id}/status.
// On a never-published flow Diga answers 200 and changes nothing, so callers
// must check Status in the result.
func (c *Client) SetFlowStatus(ctx context.Context, id string, s FlowStatus) (*Flow, error) {
	path, err := flowPath(id, "/status")
	if err != nil {
		return nil, err
	}
	return c.flowCall(ctx, http.MethodPatch, path, struct {
		Status FlowStatus `json:"status"`
	}{s})
}

// PublishFlow locks the draft and publishes it: POST /v1/workflow/{id}/publish.
func (c *Client) PublishFlow(ctx context.Context, id string) (*Flow, error) {
	path, err := flowPath(id, "/publish")
	if err != nil {
		return nil, err
	}
	return c.flowCall(ctx, http.MethodPost, path, nil)
}

// ImportFlow replaces the draft's trigger and every action:
// POST /v1/workflow/{id}/import.
func (c *Client) ImportFlow(ctx context.Context, id string, req ImportFlowRequest) (*Flow, error) {
	path, err := flowPath(id, "/import")
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(req.Trigger)) == 0 || isJSONNull(req.Trigger) {
		return nil, errors.New("import flow: trigger is required")
	}
	if !json.Valid(req.Trigger) {
		return nil, errors.New("import flow: trigger is not valid JSON")
	}
	return c.flowCall(ctx, http.MethodPost, path, req)
}

// flowCall is do for the many operations that answer with one flow.
func (c *Client) flowCall(ctx context.Context, method, path string, in any) (*Flow, error) {
	var f Flow
	if err := c.do(ctx, method, path, nil, in, &f); err != nil {
		return nil, err
	}
	return &f, nil
}
