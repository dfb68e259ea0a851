package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// connectionsPath lists and upserts piece connections (no trailing slash).
const connectionsPath = "/v1/workflow/connections"

// Connection is WorkflowConnectionResponse: a piece connection (credential)
// of the project. The secret itself is never returned.
type Connection struct {
	ID string `json:"id"`
	// ExternalID is how steps reference the connection:
	// {{connections['<external_id>']}}.
	ExternalID  string `json:"external_id"`
	DisplayName string `json:"display_name"`
	PieceName   string `json:"piece_name"`
	// Status is "ACTIVE" or "ERROR" (a plain string in the contract; other
	// values are passed through).
	Status string `json:"status"`
}

// ConnectionType is WorkflowConnectionType: which credential shape Value
// carries.
type ConnectionType string

const (
	ConnectionTypeOAuth2         ConnectionType = "OAUTH2"
	ConnectionTypePlatformOAuth2 ConnectionType = "PLATFORM_OAUTH2"
	ConnectionTypeCloudOAuth2    ConnectionType = "CLOUD_OAUTH2"
	ConnectionTypeSecretText     ConnectionType = "SECRET_TEXT"
	ConnectionTypeBasicAuth      ConnectionType = "BASIC_AUTH"
	ConnectionTypeCustomAuth     ConnectionType = "CUSTOM_AUTH"
	ConnectionTypeNoAuth         ConnectionType = "NO_AUTH"
)

// ConnectionTypes returns every WorkflowConnectionType value, in the
// contract's order (for schema validators).
func ConnectionTypes() []string {
	return []string{
		string(ConnectionTypeOAuth2),
		string(ConnectionTypePlatformOAuth2),
		string(ConnectionTypeCloudOAuth2),
		string(ConnectionTypeSecretText),
		string(ConnectionTypeBasicAuth),
		string(ConnectionTypeCustomAuth),
		string(ConnectionTypeNoAuth),
	}
}

// CreateConnectionRequest is CreateWorkflowConnectionRequest.
type CreateConnectionRequest struct {
	// PieceName is the piece the connection is for, e.g. "piece-slack".
	PieceName string
	// DisplayName is the label shown in the panel.
	DisplayName string
	Type        ConnectionType
	// Value holds the type-specific credential fields as a JSON object
	// (secret_text, username+password, props, OAuth2 fields); nil (or JSON
	// null) omits it. It is secret: it is never logged, String hides it,
	// and error text from a failed upsert has its string values replaced
	// by [REDACTED].
	Value json.RawMessage
}

// String keeps Value out of anything that formats the request with %v.
func (r CreateConnectionRequest) String() string {
	v := "<nil>"
	if len(r.Value) > 0 {
		v = "[REDACTED]"
	}
	return fmt.Sprintf("client.CreateConnectionRequest{PieceName: %q, DisplayName: %q, Type: %q, Value: %s}", r.PieceName, r.DisplayName, r.Type, v)
}

// GoString covers %#v the same way.
func (r CreateConnectionRequest) GoString() string { return r.String() }

// ListConnections lists the project's piece connections:
// GET /v1/workflow/connections (a bare JSON array, not paginated).
func (c *Client) ListConnections(ctx context.Context) ([]Connection, error) {
	var conns []Connection
	if err := c.do(ctx, http.MethodGet, connectionsPath, nil, nil, &conns); err != nil {
		return nil, err
	}
	for i, conn := range conns {
		if conn.ID == "" {
			return nil, fmt.Errorf("%s %s: connection %d has no id", http.MethodGet, connectionsPath, i)
		}
	}
	if conns == nil {
		conns = []Connection{}
	}
	return conns, nil
}

// UpsertConnection creates a piece connection, or updates the matching one
// (the endpoint proxies the workflow engine's upsert):
// POST /v1/workflow/connections → 200. Being an upsert it is retried like
// the other idempotent writes.
//
// The request's Value is secret. Should the server echo it in an error
// answer (FastAPI's 422 items carry the offending input, engine errors are
// passed through), every string in Value longer than 3 characters is
// replaced by [REDACTED] in the answer before the *APIError is built, and
// in the APIError's fields afterwards.
func (c *Client) UpsertConnection(ctx context.Context, req CreateConnectionRequest) (*Connection, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s %s: "+format, append([]any{http.MethodPost, connectionsPath}, args...)...)
	}
	if req.PieceName == "" {
		return nil, fail("piece name is empty")
	}
	if req.Type == "" {
		return nil, fail("connection type is empty")
	}
	value := req.Value
	if t := bytes.TrimSpace(value); len(t) == 0 || isJSONNull(t) {
		value = nil
	} else if t[0] != '{' || !json.Valid(t) {
		// Say nothing about the content: it is a secret.
		return nil, fail("connection value must be a JSON object")
	}
	body, err := json.Marshal(struct {
		PieceName   string          `json:"piece_name"`
		DisplayName string          `json:"display_name"`
		Type        ConnectionType  `json:"type"`
		Value       json.RawMessage `json:"value,omitempty"`
	}{req.PieceName, req.DisplayName, req.Type, value})
	if err != nil {
		return nil, fail("encoding request: %w", err)
	}
	s := newSecretScrubber(jsonStringLeaves(value))
	cl := call{method: http.MethodPost, path: connectionsPath, body: body}
	o, attempts, err := c.sendRetrying(ctx, cl, c.newBudget(ctx))
	if err != nil {
		return nil, err
	}
	var conn Connection
	if err := c.finish(cl, o, attempts, s, &conn); err != nil {
		return nil, err
	}
	if conn.ID == "" {
		return nil, fail("the answer has no connection id")
	}
	return &conn, nil
}

// finish is the tail of do for calls that carry secrets: a failed answer's
// body is scrubbed before the *APIError is built from it, and the
// APIError's fields once more afterwards (for strings the server escaped
// in a way the byte-level pass did not foresee).
func (c *Client) finish(cl call, o outcome, attempts int, s secretScrubber, out any) error {
	if o.succeeded() {
		return cl.decode(o, out)
	}
	if o.err == nil {
		o.body = s.scrubBytes(o.body)
	}
	err := c.failure(cl, o, attempts)
	var e *APIError
	if errors.As(err, &e) {
		s.scrubAPIError(e)
	}
	return err
}

// minSecretLen: strings this short are not redacted (they would blank out
// ordinary words such as "yes" or "id" in error text).
const minSecretLen = 4

// redactedText replaces a secret.
const redactedText = "[REDACTED]"

// secretScrubber replaces known secret strings, in the spellings a JSON
// answer may carry them, by [REDACTED].
type secretScrubber struct {
	// forms are every spelling of every secret, longest first, so that a
	// secret containing a shorter one is replaced whole.
	forms []string
}

// newSecretScrubber keeps the secrets of at least minSecretLen characters.
func newSecretScrubber(secrets []string) secretScrubber {
	seen := map[string]bool{}
	var forms []string
	for _, sec := range secrets {
		if utf8.RuneCountInString(sec) < minSecretLen {
			continue
		}
		for _, f := range jsonSpellings(sec) {
			if f != "" && !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return secretScrubber{forms: forms}
}

// jsonSpellings is s as it appears in raw text and inside JSON strings
// written by Go (HTML-escaped or not) and by Python (ensure_ascii on:
// non-ASCII as \uXXXX; off, as Starlette does: like Go without HTML
// escaping).
func jsonSpellings(s string) []string {
	forms := []string{s}
	quoted, _ := json.Marshal(s)
	forms = append(forms, string(quoted[1:len(quoted)-1]))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	plain := strings.TrimSuffix(buf.String(), "\n")
	plain = plain[1 : len(plain)-1]
	forms = append(forms, plain)
	var ascii strings.Builder
	for _, r := range plain {
		switch {
		case r < utf8.RuneSelf:
			ascii.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16Surrogates(r)
			fmt.Fprintf(&ascii, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&ascii, `\u%04x`, r)
		}
	}
	return append(forms, ascii.String())
}

func utf16Surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

func (s secretScrubber) scrub(text string) string {
	for _, f := range s.forms {
		text = strings.ReplaceAll(text, f, redactedText)
	}
	return text
}

func (s secretScrubber) scrubBytes(b []byte) []byte {
	for _, f := range s.forms {
		b = bytes.ReplaceAll(b, []byte(f), []byte(redactedText))
	}
	return b
}

// scrubAPIError scrubs every text field taken from the answer.
func (s secretScrubber) scrubAPIError(e *APIError) {
	if len(s.forms) == 0 {
		return
	}
	e.ErrorCode = s.scrub(e.ErrorCode)
	e.Message = s.scrub(e.Message)
	e.DetailText = s.scrub(e.DetailText)
	e.Body = s.scrub(e.Body)
	for i := range e.Detail {
		d := &e.Detail[i]
		d.Msg = s.scrub(d.Msg)
		d.Type = s.scrub(d.Type)
		for j, l := range d.Loc {
			if str, ok := l.(string); ok {
				d.Loc[j] = s.scrub(str)
			}
		}
	}
}

// jsonStringLeaves returns every string value (not object keys) in the
// JSON document raw; nil when raw is empty or not JSON.
func jsonStringLeaves(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case map[string]any:
			for _, item := range x {
				walk(item)
			}
		case []any:
			for _, item := range x {
				walk(item)
			}
		}
	}
	walk(v)
	return out
}
