package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// DefaultBaseURL is the production Diga API.
const DefaultBaseURL = "https://api.diga.io"

// defaultUserAgent is sent when Config.UserAgent is empty, so requests never
// go out as the anonymous "Go-http-client/1.1".
const defaultUserAgent = "terraform-provider-diga"

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
	// HTTPClient is optional; when nil a plain http.Client is used and each
	// attempt is bounded by RequestTimeout alone. A supplied client's own
	// Timeout (if any) also applies to each attempt. The client uses a copy
	// of it whose CheckRedirect follows redirects only within the base
	// URL's origin (see RedirectError); a CheckRedirect of its own runs
	// after that check.
	HTTPClient *http.Client
	// Logger is optional; nothing is logged when nil.
	Logger Logger

	// MaxRetries optionally caps how many times one failed request may be
	// repeated (see the package documentation for what is retried). nil
	// means no count cap: transient failures are retried for as long as
	// the call's time budget lasts, which is the caller's context deadline,
	// or DefaultCallBudget from the start of the call when the context has
	// none. A pointer to 0 disables retries. Negative values are rejected.
	MaxRetries *int
	// RequestTimeout bounds one attempt (connect, send, wait for and read
	// the answer). It is applied with a child of the caller's context, so
	// the caller's own deadline still bounds the whole call including
	// retries. 0 means DefaultRequestTimeout (60s).
	RequestTimeout time.Duration
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// attempts: the n-th retry waits a uniformly random duration between
	// RetryWaitMin and min(RetryWaitMax, RetryWaitMin·2^n). 0 means
	// DefaultRetryWaitMin (250ms) and DefaultRetryWaitMax (10s). A
	// Retry-After header overrides the backoff (capped at 30s).
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRequestsPerSecond limits the rate of HTTP requests (every attempt,
	// retries and pagination included) across all concurrent calls on the
	// Client, as a token bucket (golang.org/x/time/rate) with a burst of 1.
	// 0 means unlimited.
	MaxRequestsPerSecond float64
	// BatchReads lets ReadFlow answer from a listing of the project when
	// that costs fewer requests than one GET per read (flowreads.go).
	BatchReads bool
}

// Defaults applied by New for zero Config fields.
const (
	DefaultRequestTimeout = 60 * time.Second
	// DefaultCallBudget is how long one call keeps retrying when its
	// context has no deadline. With a deadline, the deadline is the budget.
	DefaultCallBudget   = 10 * time.Minute
	DefaultRetryWaitMin = 250 * time.Millisecond
	DefaultRetryWaitMax = 10 * time.Second
)

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
	// traceable: the transport reports WroteRequest to httptrace, so an
	// attempt that failed before writing is known not to have been sent.
	traceable bool
	logger    Logger

	maxRetries     int           // -1: no count cap
	callBudget     time.Duration // budget of a call whose context has no deadline
	requestTimeout time.Duration
	waitMin        time.Duration
	waitMax        time.Duration
	limiter        *rate.Limiter // nil when unlimited

	// sleep waits d or until ctx ends (returning ctx.Err()); now reads the
	// clock. Tests replace both to observe and skip waits.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
	// lookup resolves a plain-http base URL's host name before each
	// connection (loopback.go); tests replace it.
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)

	// creates tracks flows this Client has handed out and the create
	// requests in flight, per name (see create.go).
	creates createRegistry
	// reads batches ReadFlow (flowreads.go); nil when Config.BatchReads
	// is false.
	reads *flowReads
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

	c := &Client{
		baseURL:        base,
		apiKey:         key,
		userAgent:      cfg.UserAgent,
		httpClient:     cfg.HTTPClient,
		logger:         cfg.Logger,
		maxRetries:     -1,
		callBudget:     DefaultCallBudget,
		requestTimeout: cfg.RequestTimeout,
		waitMin:        cfg.RetryWaitMin,
		waitMax:        cfg.RetryWaitMax,
		sleep:          sleepCtx,
		now:            time.Now,
		lookup:         lookupNetIP,
	}
	// Every client, a supplied one included, gets the same-origin redirect
	// policy (redirect.go) on a copy, so the caller's client is unchanged.
	c.httpClient = c.withLoopbackOnlyDial(withRedirectPolicy(cfg.HTTPClient, c.redact))
	switch c.httpClient.Transport.(type) {
	case nil, *http.Transport:
		c.traceable = true
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	if c.logger == nil {
		c.logger = nopLogger{}
	}
	if err := c.applyRetryConfig(cfg); err != nil {
		return nil, err
	}
	if cfg.BatchReads {
		c.reads = newFlowReads(c)
	}
	return c, nil
}

// applyRetryConfig validates the reliability settings and fills defaults.
func (c *Client) applyRetryConfig(cfg Config) error {
	if cfg.MaxRetries != nil {
		if *cfg.MaxRetries < 0 {
			return fmt.Errorf("max retries must be 0 or more, got %d", *cfg.MaxRetries)
		}
		c.maxRetries = *cfg.MaxRetries
	}
	if c.requestTimeout < 0 {
		return fmt.Errorf("request timeout must not be negative, got %s", c.requestTimeout)
	}
	if c.requestTimeout == 0 {
		c.requestTimeout = DefaultRequestTimeout
	}
	if c.waitMin < 0 || c.waitMax < 0 {
		return fmt.Errorf("retry waits must not be negative, got min %s, max %s", c.waitMin, c.waitMax)
	}
	switch {
	case c.waitMin == 0 && c.waitMax == 0:
		c.waitMin, c.waitMax = DefaultRetryWaitMin, DefaultRetryWaitMax
	case c.waitMin == 0:
		c.waitMin = min(DefaultRetryWaitMin, c.waitMax)
	case c.waitMax == 0:
		c.waitMax = max(DefaultRetryWaitMax, c.waitMin)
	case c.waitMin > c.waitMax:
		return fmt.Errorf("minimum retry wait %s exceeds the maximum %s", c.waitMin, c.waitMax)
	}
	r := cfg.MaxRequestsPerSecond
	if r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return fmt.Errorf("max requests per second must be a finite number, 0 or more (0 = unlimited), got %v", r)
	}
	if r > 0 {
		c.limiter = newLimiter(r)
	}
	return nil
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
		if err := CheckPlainHTTPHost(u.Hostname()); err != nil {
			return "", fmt.Errorf("base URL %q uses plain http: %w", raw, err)
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

// BaseURL returns the normalized base URL (no trailing slash).
func (c *Client) BaseURL() string { return c.baseURL }

// String keeps the API key out of anything that formats a Client with %v.
func (c *Client) String() string { return fmt.Sprintf("client.Client{BaseURL: %q}", c.baseURL) }

// GoString covers %#v the same way.
func (c *Client) GoString() string { return c.String() }

// do performs one API call: encode in (when non-nil) as the JSON body, send
// it with the retry policy (retry.go), turn a final non-2xx answer into
// *APIError and decode a 2xx body into out (when non-nil). path is the
// escaped API path ("/v1/workflow/abc").
//
// It is the single place requests go through except CreateFlow, which runs
// its own attempt loop (create.go) from the same pieces. The body is encoded
// once and send builds a fresh *http.Request from it on every attempt.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("%s %s: encoding request: %w", method, path, err)
		}
	}
	return c.doCall(ctx, call{method: method, path: path, query: query, body: body}, out)
}

// doCall is do for a call built by the caller (once, timeout).
func (c *Client) doCall(ctx context.Context, cl call, out any) error {
	if c.reads != nil {
		defer c.reads.writing(cl.method, cl.path)()
	}
	o, attempts, err := c.sendRetrying(ctx, cl, c.newBudget(ctx))
	if err != nil {
		return err
	}
	if !o.succeeded() {
		fail := c.failure(cl, o, attempts)
		if cl.once && classify(o).ambiguous {
			return &AmbiguousTestError{Method: cl.method, Path: cl.path, Err: fail}
		}
		return fail
	}
	return cl.decode(o, out)
}

// call is one logical request, re-sent unchanged on every attempt.
type call struct {
	method, path string
	query        url.Values
	body         []byte
	// public: send no Authorization header (operations the contract
	// declares without security: the piece catalogue, pieces.go).
	public bool
	// until, when set, also ends each attempt at that time (Client.now's
	// clock): CreateFlow keeps the rest of its budget for the listing
	// that checks a lost answer (create.go).
	until time.Time
	// once: the request is not safe to repeat (a test that really runs
	// the flow); after an attempt that may have been applied it is not
	// re-sent. Failures that prove nothing was applied are still retried.
	once bool
	// timeout, when longer than Config.RequestTimeout, is this call's
	// per-attempt timeout (the synchronous flow and step tests, runs.go).
	timeout time.Duration
}

func (cl call) errorf(format string, args ...any) error {
	return fmt.Errorf("%s %s: "+format, append([]any{cl.method, cl.path}, args...)...)
}

// decode reads a 2xx answer into out (when non-nil).
func (cl call) decode(o outcome, out any) error {
	if out == nil {
		return nil
	}
	if len(bytes.TrimSpace(o.body)) == 0 {
		return cl.errorf("HTTP %d with an empty body, expected a JSON document", o.status)
	}
	if err := json.Unmarshal(o.body, out); err != nil {
		return cl.errorf("decoding response: %w", err)
	}
	return nil
}

// outcome is what one attempt produced.
type outcome struct {
	// status is the HTTP status; 0 when no answer arrived.
	status int
	header http.Header
	body   []byte
	// err is a transport-level failure of this attempt (no answer, or an
	// answer whose body could not be read in full); nil when a whole
	// answer arrived.
	err error
	// ctxErr is set when the caller's context ended: the call stops.
	ctxErr error
	// sent reports whether the request may have reached the server: an
	// answer arrived, or the transport wrote (or began writing) it to a
	// connection (httptrace WroteRequest). false when the attempt failed
	// before that, e.g. while connecting: then nothing can have been
	// applied.
	sent bool
}

func (o outcome) succeeded() bool {
	return o.err == nil && o.ctxErr == nil && o.status >= 200 && o.status <= 299
}

// send makes one attempt: wait for a rate-limit token, then one HTTP
// exchange bounded by the per-attempt timeout. It logs the attempt at Debug.
func (c *Client) send(ctx context.Context, cl call) outcome {
	if err := c.waitForToken(ctx); err != nil {
		return outcome{ctxErr: ended(err, false)}
	}
	if err := ctx.Err(); err != nil {
		return outcome{ctxErr: ended(err, false)}
	}
	if dotSegment(cl.path) {
		// Never reached through the path builders (paths.go); the last
		// guard against a route a proxy would rewrite.
		return outcome{err: fmt.Errorf("refusing to send a path with a dot segment (%s)", cl.path)}
	}
	target := c.baseURL + cl.path
	if len(cl.query) > 0 {
		target += "?" + cl.query.Encode()
	}
	var reqBody io.Reader
	if cl.body != nil {
		reqBody = bytes.NewReader(cl.body)
	}
	timeout := max(c.requestTimeout, cl.timeout)
	if !cl.until.IsZero() {
		timeout = max(min(timeout, cl.until.Sub(c.now())), 0)
	}
	attemptCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// wrote records whether the transport wrote the request (or started
	// to: WroteRequest also reports a failed write) to a connection.
	var wrote atomic.Bool
	traceCtx := httptrace.WithClientTrace(attemptCtx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	})
	req, err := http.NewRequestWithContext(traceCtx, cl.method, target, reqBody)
	if err != nil {
		return outcome{err: fmt.Errorf("building request: %w", err)}
	}
	if !cl.public {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	start := time.Now()
	o := c.exchange(req)
	// An answer proves the request went out. Without one, only the trace
	// can tell; a transport that does not report to httptrace (anything
	// but *http.Transport) is assumed to have sent it.
	o.sent = o.status != 0 || wrote.Load() || !c.traceable
	if o.err != nil {
		switch {
		case ctx.Err() != nil:
			// The context's own error, so callers can test it with
			// errors.Is (in words: ended).
			o.ctxErr = ended(ctx.Err(), o.sent)
		case errors.Is(attemptCtx.Err(), context.DeadlineExceeded):
			o.err = &attemptTimeoutError{timeout: timeout, sent: o.sent, cut: timeout < max(c.requestTimeout, cl.timeout)}
		}
	}
	fields := map[string]any{
		"method":      cl.method,
		"path":        cl.path,
		"status":      o.status,
		"duration_ms": time.Since(start).Milliseconds(),
	}
	if o.ctxErr != nil {
		fields["error"] = o.ctxErr.Error()
	} else if o.err != nil {
		fields["error"] = o.err.Error()
	}
	c.logger.Debug(ctx, "Diga API request", fields)
	return o
}

// errBodyTooLarge is never retried: the same answer would come back.
var errBodyTooLarge = fmt.Errorf("response body exceeds %d bytes", maxResponseBytes)

func (c *Client) exchange(req *http.Request) outcome {
	resp, err := c.httpClient.Do(req)
	if err != nil {
		// url.Error repeats the method and full URL, which the caller adds
		// in its own words.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return outcome{err: err}
	}
	defer resp.Body.Close()
	o := outcome{status: resp.StatusCode, header: resp.Header}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	switch {
	case err != nil:
		o.err = fmt.Errorf("reading the HTTP %d answer's body: %w", resp.StatusCode, err)
	case len(data) > maxResponseBytes:
		o.err = errBodyTooLarge
	default:
		o.body = data
	}
	return o
}
