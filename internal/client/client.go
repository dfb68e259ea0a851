// Package client is a typed Go client for the Diga workflow API
// (https://docs.diga.io/api-reference). It owns request building, bearer
// authentication, JSON decoding of flows and the typed APIError; it knows
// nothing about Terraform. Logging goes through the injected Logger.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the production Diga API.
const DefaultBaseURL = "https://api.diga.io"

// defaultUserAgent is sent when Config.UserAgent is empty, so requests never
// go out as the anonymous "Go-http-client/1.1".
const defaultUserAgent = "terraform-provider-diga"

// defaultTimeout bounds one HTTP exchange when the caller does not supply its
// own http.Client. Flow operations answer in well under a second; the bound
// only stops a stuck connection from hanging a Terraform run forever.
const defaultTimeout = 2 * time.Minute

// maxResponseBytes caps how much of a response body is read. A flow with a
// large trigger tree is tens of KiB; anything near this limit is not a flow.
const maxResponseBytes = 32 << 20

// Logger receives one structured entry per request. The provider adapts it to
// tflog. The client never passes the API key or any header to it.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

type nopLogger struct{}

func (nopLogger) Debug(context.Context, string, map[string]any) {}
func (nopLogger) Warn(context.Context, string, map[string]any)  {}

// Config configures New.
type Config struct {
	// BaseURL defaults to DefaultBaseURL; a trailing slash is tolerated.
	// Plain http is accepted only for loopback hosts (local emulator).
	BaseURL string
	// APIKey is the Diga API key sent as a bearer token. Required.
	APIKey string
	// UserAgent is the full User-Agent header value.
	UserAgent string
	// HTTPClient is optional; a client with a conservative timeout is used
	// when nil.
	HTTPClient *http.Client
	// Logger is optional; nothing is logged when nil.
	Logger Logger
}

// String keeps the API key out of anything that formats a Config with %v.
func (c Config) String() string {
	return fmt.Sprintf("client.Config{BaseURL: %q, APIKey: %s, UserAgent: %q}", c.BaseURL, redactedMarker(c.APIKey), c.UserAgent)
}

// GoString covers %#v the same way.
func (c Config) GoString() string { return c.String() }

func redactedMarker(key string) string {
	if key == "" {
		return `""`
	}
	return "[REDACTED]"
}

// Client talks to one Diga API endpoint with one API key. It is safe for
// concurrent use.
type Client struct {
	baseURL    string // no trailing slash
	apiKey     string
	userAgent  string
	httpClient *http.Client
	logger     Logger
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	// Keys pasted from files or terminals often carry a trailing newline;
	// trimming is safe because a key never legitimately contains whitespace.
	key := strings.TrimSpace(cfg.APIKey)
	if key == "" {
		return nil, errors.New("an API key is required")
	}
	if strings.IndexFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		// Do not echo the key: it would end up in a diagnostic.
		return nil, errors.New("the API key contains whitespace or control characters")
	}

	base, err := normalizeBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}

	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = defaultUserAgent
	}
	var logger Logger = nopLogger{}
	if cfg.Logger != nil {
		logger = cfg.Logger
	}
	return &Client{baseURL: base, apiKey: key, userAgent: ua, httpClient: hc, logger: logger}, nil
}

func normalizeBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("base URL %q is not an absolute http(s) URL such as %s", raw, DefaultBaseURL)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return "", fmt.Errorf("base URL %q uses plain http: https is required (http is allowed only for loopback hosts such as 127.0.0.1 or localhost)", raw)
		}
	default:
		return "", fmt.Errorf("base URL %q must use https (got scheme %q)", raw, u.Scheme)
	}
	if u.User != nil {
		// Credentials in the URL would leak into every error message.
		return "", errors.New("base URL must not contain user information; pass the API key separately")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("base URL %q must not contain a query or fragment", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return strings.TrimRight(u.String(), "/"), nil
}

// IsLoopbackHost reports whether host (without port; IPv6 brackets are
// tolerated) is localhost or a loopback address (127.0.0.0/8, ::1).
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return addr.Unmap().IsLoopback()
}

// BaseURL returns the normalized base URL (no trailing slash).
func (c *Client) BaseURL() string { return c.baseURL }

// String keeps the API key out of anything that formats a Client with %v.
func (c *Client) String() string { return fmt.Sprintf("client.Client{BaseURL: %q}", c.baseURL) }

// GoString covers %#v the same way.
func (c *Client) GoString() string { return c.String() }

// do performs one API call: encode in (when non-nil) as the JSON body, send,
// turn a non-2xx answer into *APIError and decode a 2xx body into out (when
// non-nil). path is the escaped API path ("/v1/workflow/abc").
//
// It is the single place requests go through, so a retry policy slots in
// around c.send: the body is encoded once to bytes and send builds a fresh
// *http.Request from them on every call.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("%s %s: encoding request: %w", method, path, err)
		}
	}

	status, respBody, err := c.send(ctx, method, path, query, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return c.newAPIError(method, path, status, respBody)
	}
	if out == nil {
		return nil
	}
	if len(bytes.TrimSpace(respBody)) == 0 {
		return fmt.Errorf("%s %s: HTTP %d with an empty body, expected a JSON document", method, path, status)
	}
	if err := json.Unmarshal(respBody, out); err != nil {
		return fmt.Errorf("%s %s: decoding response: %w", method, path, err)
	}
	return nil
}

// send makes one HTTP exchange and returns the status and the whole body.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body []byte) (int, []byte, error) {
	target := c.baseURL + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var reqBody io.Reader
	if body != nil {
		reqBody = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reqBody)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: building request: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	start := time.Now()
	status, respBody, err := c.exchange(req)
	fields := map[string]any{
		"method":      method,
		"path":        path,
		"status":      status,
		"duration_ms": time.Since(start).Milliseconds(),
	}
	if err != nil {
		fields["error"] = err.Error()
	}
	c.logger.Debug(ctx, "Diga API request", fields)
	if err != nil || status >= 500 {
		c.logger.Warn(ctx, "Diga API request failed", fields)
	}
	if err != nil {
		// Prefer the context's own error so callers can test it with errors.Is.
		if ctxErr := ctx.Err(); ctxErr != nil {
			return 0, nil, fmt.Errorf("%s %s: %w", method, path, ctxErr)
		}
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return status, respBody, nil
}

func (c *Client) exchange(req *http.Request) (int, []byte, error) {
	resp, err := c.httpClient.Do(req)
	if err != nil {
		// url.Error repeats the method and full URL, which the caller adds
		// in its own words.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("reading response body: %w", err)
	}
	if len(data) > maxResponseBytes {
		return resp.StatusCode, nil, fmt.Errorf("response body exceeds %d bytes", maxResponseBytes)
	}
	return resp.StatusCode, data, nil
}

// flowPath builds "/v1/workflow/{id}{suffix}" with the id escaped. An empty
// id is refused: "/v1/workflow/" is the list/create route, and a DELETE
// there must never be sent by accident.
func flowPath(id, suffix string) (string, error) {
	if id == "" {
		return "", errors.New("flow id is empty")
	}
	return "/v1/workflow/" + url.PathEscape(id) + suffix, nil
}
