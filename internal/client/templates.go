package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// templatesPath is the template catalogue (singular, no trailing slash; the
// plural /templates form is an older revision of the API).
const templatesPath = "/v1/workflow/template"

// maxTemplateListLimit is the largest template page the API serves; it is
// also the page size ListTemplates uses by default.
const maxTemplateListLimit = 100

// FlowTemplate is FlowTemplateResponse: one template of Diga's global
// catalogue. Unknown fields are ignored; absent and null read the same.
type FlowTemplate struct {
	ID       string
	Name     string
	Language string // e.g. "es", "en"
	// Description and SetupGuideURL are nil when absent or null.
	Description   *string
	SetupGuideURL *string
	FlowCategory  *FlowCategory // nil when absent or null
	// Template is the template's flow definition exactly as received; nil
	// when absent or null.
	Template json.RawMessage
	// Connections the template needs, to be given values on copy; nil
	// when absent or null.
	Connections []TemplateConnection
	// Variables are the <<variable>> placeholders found in the template.
	Variables []TemplateVariable
}

// TemplateConnection is TemplateConnectionInfo: a connection a template
// needs. Its Key is what CopyTemplateRequest.Connections refers to.
type TemplateConnection struct {
	Key         string  `json:"key"`
	Name        string  `json:"name"`
	Description *string `json:"description"` // help text; nil when absent or null
	PieceName   string  `json:"piece_name"`
	AuthType    string  `json:"auth_type"` // e.g. SECRET_TEXT
}

// TemplateVariable is one entry of FlowTemplateResponse.variables, which
// the contract types as a plain string: the placeholder's name, as sent.
// An object with a "name" is accepted too.
type TemplateVariable struct {
	Name string
}

// UnmarshalJSON reads a string, or an object's "name".
func (v *TemplateVariable) UnmarshalJSON(data []byte) error {
	var name string
	if err := json.Unmarshal(data, &name); err == nil {
		*v = TemplateVariable{Name: name}
		return nil
	}
	var obj struct {
		Name *string `json:"name"`
	}
	if err := json.Unmarshal(data, &obj); err != nil || obj.Name == nil {
		return errors.New("template variable is neither a string nor an object with a name")
	}
	*v = TemplateVariable{Name: *obj.Name}
	return nil
}

// UnmarshalJSON decodes a FlowTemplateResponse, ignoring unknown fields.
func (t *FlowTemplate) UnmarshalJSON(data []byte) error {
	if isJSONNull(data) {
		return errors.New("expected a template object, got null")
	}
	var w struct {
		ID            *string              `json:"id"`
		Name          *string              `json:"name"`
		Language      *string              `json:"language"`
		Description   *string              `json:"description"`
		FlowCategory  *FlowCategory        `json:"flow_category"`
		SetupGuideURL *string              `json:"setup_guide_url"`
		Template      json.RawMessage      `json:"template"`
		Connections   []TemplateConnection `json:"connections"`
		Variables     []TemplateVariable   `json:"variables"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	if w.ID == nil || *w.ID == "" {
		return errors.New("template has no id")
	}
	*t = FlowTemplate{
		ID:            *w.ID,
		Name:          deref(w.Name),
		Language:      deref(w.Language),
		Description:   w.Description,
		SetupGuideURL: w.SetupGuideURL,
		FlowCategory:  w.FlowCategory,
		Connections:   w.Connections,
		Variables:     w.Variables,
	}
	if len(w.Template) > 0 && !isJSONNull(w.Template) {
		t.Template = w.Template
	}
	return nil
}

// ListTemplatesParams filters GET /v1/workflow/template.
type ListTemplatesParams struct {
	FlowCategory *FlowCategory // nil: every category
	Language     string        // "": the server's default ("es")
	Order        string        // "", "asc" or "desc"; "": the server's default (desc)
	Limit        int           // page size 1–100; 0 means 100
}

// ListTemplates fetches every page of the template catalogue (side by side
// when the first answer declares total_pages, otherwise following
// after=last_id until has_more is false), with the same guard as ListFlows
// against a server that repeats a cursor; each template once.
func (c *Client) ListTemplates(ctx context.Context, p ListTemplatesParams) (Listing[FlowTemplate], error) {
	q, err := p.query()
	if err != nil {
		return Listing[FlowTemplate]{}, err
	}
	return listPages(ctx, c, "templates", templatesPath, q, func(t FlowTemplate) string { return t.ID })
}

// query checks p and builds the query of the first page.
func (p ListTemplatesParams) query() (url.Values, error) {
	limit := p.Limit
	switch {
	case limit == 0:
		limit = maxTemplateListLimit
	case limit < 1 || limit > maxTemplateListLimit:
		return nil, fmt.Errorf("listing templates: page size must be between 1 and %d, got %d", maxTemplateListLimit, limit)
	}
	q := url.Values{}
	q.Set("limit", strconv.Itoa(limit))
	switch p.Order {
	case "":
	case "asc", "desc":
		q.Set("order", p.Order)
	default:
		return nil, fmt.Errorf(`listing templates: order must be "asc" or "desc", got %q`, p.Order)
	}
	if p.FlowCategory != nil {
		q.Set("flow_category", string(*p.FlowCategory))
	}
	if p.Language != "" {
		q.Set("language", p.Language)
	}
	return q, nil
}

// GetTemplate reads one template: GET /v1/workflow/template/{template_id}.
// An unknown id is a 404 (IsNotFound).
func (c *Client) GetTemplate(ctx context.Context, id string) (*FlowTemplate, error) {
	seg, err := pathSegment("template id", id)
	if err != nil {
		return nil, err
	}
	var t FlowTemplate
	if err := c.do(ctx, http.MethodGet, templatesPath+seg, nil, nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// CopyTemplateRequest is CopyTemplateRequest; every field is optional.
type CopyTemplateRequest struct {
	// FlowName names the new flow; nil: the template's name.
	FlowName *string `json:"flow_name,omitempty"`
	// Variables are values (string, number or boolean) for the template's
	// <<variable>> placeholders, by name.
	Variables map[string]any `json:"variables,omitempty"`
	// Connections give the credentials for TemplateConnection keys.
	Connections []TemplateConnectionValue `json:"connections,omitempty"`
}

// TemplateConnectionValue is ConnectionCredential: the secret value
// (API key, token…) for the template connection with Key.
type TemplateConnectionValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// String keeps Value out of anything that formats it with %v.
func (v TemplateConnectionValue) String() string {
	return fmt.Sprintf("{Key: %q, Value: %s}", v.Key, redactedMarker(v.Value))
}

// GoString covers %#v the same way.
func (v TemplateConnectionValue) GoString() string {
	return "client.TemplateConnectionValue" + v.String()
}

// CopyTemplateResult is CopyTemplateResponse.
type CopyTemplateResult struct {
	FlowID   string `json:"flow_id"`
	FlowName string `json:"flow_name"`
	EditURL  string `json:"edit_url"`
}

// ErrCopyOutcomeUnknown is wrapped by a CopyTemplate error when the copy
// failed in a way that may still have created the flow on the server (a
// 502/504 or other 5xx, a lost connection or timeout after the request was
// sent, the caller's context ending while waiting for the answer, or a 200
// whose body cannot be read). The
// flow, if any, is in the project, disabled, named like the requested
// name (or the template).
var ErrCopyOutcomeUnknown = errors.New("the copy may have created a flow although no usable answer came back; look for it in Diga before copying again")

// CopyTemplate creates a new, disabled flow in the project from a template:
// POST /v1/workflow/template/{template_id}/copy → 200 (not 201). A nil req
// sends no body (the body is optional); the template's name is then used.
//
// The copy is not idempotent, so only failures that cannot have reached the
// flow engine (429, 503, no connection) are retried; any other failure
// that may have created the flow is returned at once, wrapping
// ErrCopyOutcomeUnknown. The connection values in req are secrets: they
// never reach the logs, and error text taken from the answer has them
// replaced by [REDACTED] (as UpsertConnection does).
func (c *Client) CopyTemplate(ctx context.Context, templateID string, req *CopyTemplateRequest) (*CopyTemplateResult, error) {
	seg, err := pathSegment("template id", templateID)
	if err != nil {
		return nil, err
	}
	cl := call{method: http.MethodPost, path: templatesPath + seg + "/copy"}
	var secrets []string
	if req != nil {
		if cl.body, err = json.Marshal(req); err != nil {
			return nil, cl.errorf("encoding request: %w", err)
		}
		for _, conn := range req.Connections {
			secrets = append(secrets, conn.Value)
		}
	}
	o, attempts, ambiguous, err := c.sendUnlessApplied(ctx, cl)
	if err == nil {
		var res CopyTemplateResult
		err = c.finish(cl, o, attempts, newSecretScrubber(secrets), &res)
		if o.succeeded() {
			if err == nil && res.FlowID == "" {
				err = cl.errorf("the answer has no flow_id")
			}
			if err == nil {
				return &res, nil
			}
			// The flow was created; only its id is unknown.
			ambiguous = true
		}
	}
	if ambiguous {
		return nil, fmt.Errorf("%w: %w", err, ErrCopyOutcomeUnknown)
	}
	return nil, err
}

// sendUnlessApplied is sendRetrying for a request that must not be applied
// twice: a failed attempt is repeated only when it cannot have been
// applied. ambiguous reports that the last attempt may have been applied.
// err is non-nil only when the caller's context ended.
func (c *Client) sendUnlessApplied(ctx context.Context, cl call) (o outcome, attempts int, ambiguous bool, err error) {
	b := c.newBudget(ctx)
	for attempt := 1; ; attempt++ {
		o := c.send(ctx, cl)
		if o.ctxErr != nil {
			// Ended while the request was out: it may have arrived.
			return o, attempt, o.sent, cl.errorf("%w", o.ctxErr)
		}
		if o.succeeded() {
			return o, attempt, false, nil
		}
		v := classify(o)
		wait, fromHeader := c.nextWait(o, b)
		if !v.retry || v.ambiguous || !b.allows(c.now(), wait, v) {
			c.logFailed(ctx, cl, o, attempt)
			return o, attempt, v.ambiguous, nil
		}
		b.spend()
		if err := c.waitRetry(ctx, cl, o, v, attempt, wait, fromHeader); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				// This attempt was refused unapplied: report it.
				c.logFailed(ctx, cl, o, attempt)
				return o, attempt, false, nil
			}
			return o, attempt, false, cl.errorf("%w", err)
		}
	}
}
