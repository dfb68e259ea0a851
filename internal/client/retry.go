package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxRetryAfterWait caps how long a Retry-After header can make the client
// wait before one retry; a server asking for longer gets exactly this.
const maxRetryAfterWait = 30 * time.Second

// RefusedConnectionBudget is how long a call keeps retrying while every
// connection is refused: long enough for a server that restarts, far
// shorter than a call's budget, so that a wrong port or an emulator that is
// not running fails in seconds (with a *ConnectionRefusedError naming the
// base URL) instead of after minutes of silent retries.
const RefusedConnectionBudget = 10 * time.Second

// budget bounds the retries of one logical operation: never past its
// deadline (the caller's context deadline, or DefaultCallBudget from the
// start of the call), and at most left more retries when Config.MaxRetries
// caps them.
type budget struct {
	deadline time.Time
	left     int // retries still allowed; -1: no count cap
	used     int
	// refusedSince is when the current run of refused connections began;
	// zero when the last attempt was not refused.
	refusedSince time.Time
}

func (c *Client) newBudget(ctx context.Context) *budget {
	b := &budget{left: c.maxRetries}
	if d, ok := ctx.Deadline(); ok {
		b.deadline = d
	} else {
		b.deadline = c.now().Add(c.callBudget)
	}
	return b
}

// allows reports whether one more retry, after an attempt that failed as v
// says, fits: a retry is left, waiting wait from now still ends before the
// deadline, and a run of refused connections has not lasted
// RefusedConnectionBudget by then.
func (b *budget) allows(now time.Time, wait time.Duration, v verdict) bool {
	if v.class != classRefused {
		b.refusedSince = time.Time{}
	} else if b.refusedSince.IsZero() {
		b.refusedSince = now
	}
	if !b.refusedSince.IsZero() && now.Add(wait).After(b.refusedSince.Add(RefusedConnectionBudget)) {
		return false
	}
	return b.left != 0 && now.Add(wait).Before(b.deadline)
}

// spend records one retry.
func (b *budget) spend() {
	if b.left > 0 {
		b.left--
	}
	b.used++
}

// verdict classifies a failed attempt.
type verdict struct {
	// retry: repeating the request may succeed.
	retry bool
	// ambiguous: the request may have been applied by the server even
	// though no usable answer came back. Only matters for the
	// non-idempotent create.
	ambiguous bool
	// class names a transport failure for logs ("" for HTTP answers).
	class string
}

// classify decides whether a failed attempt is worth repeating. See the
// package documentation for the table and the reasoning.
func classify(o outcome) verdict {
	if o.err != nil {
		if isRedirectError(o.err) {
			// Answered (with a redirect that was not followed): nothing
			// was applied, and the same answer would come back.
			return verdict{class: "redirect"}
		}
		v := classifyTransport(o.err, o.status)
		if !o.sent {
			// Failed before the request was written (building it,
			// connecting, waiting for a connection): whatever the
			// failure, nothing can have been applied.
			v.ambiguous = false
		}
		return v
	}
	switch o.status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		// Refused before being processed: safe to repeat as is.
		return verdict{retry: true}
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		// A proxy lost or gave up on the upstream answer: the upstream may
		// have applied the request.
		return verdict{retry: true, ambiguous: true}
	}
	if o.status >= 500 {
		// Not repeated (a server error is more likely to recur than to
		// heal), but the server may have acted before failing.
		return verdict{ambiguous: true}
	}
	return verdict{}
}

// retryableStatus reports whether an HTTP answer with this status is retried.
func retryableStatus(status int) bool { return classify(outcome{status: status}).retry }

// attemptTimeoutError reports that one attempt hit Config.RequestTimeout
// while the caller's context was still live. It deliberately does not wrap
// context.DeadlineExceeded: the caller's deadline has not passed.
type attemptTimeoutError struct {
	timeout time.Duration
	sent    bool // the request had been written when the time ran out
	// cut: the attempt was given less than the request timeout, because
	// the rest of the call's budget is kept for something else.
	cut bool
}

func (e *attemptTimeoutError) Error() string {
	limit := "the per-attempt request timeout of " + e.timeout.String()
	if e.cut {
		limit = "the " + e.timeout.Round(time.Millisecond).String() + " left for this attempt by the operation's time budget"
	}
	if !e.sent {
		return "the request could not be sent within " + limit + " (nothing was sent)"
	}
	return "no complete answer within " + limit
}

// classRefused is the class of a refused connection: nothing listens at
// the address (see RefusedConnectionBudget).
const classRefused = "connection_refused"

func classifyTransport(err error, status int) verdict {
	if errors.Is(err, errBodyTooLarge) {
		// The server answered, so it acted; the same answer would return.
		return verdict{ambiguous: true, class: "body_too_large"}
	}
	var notLoopback *NotLoopbackError
	if errors.As(err, &notLoopback) {
		// Refused before connecting; the same answer would come back.
		return verdict{class: "not_loopback"}
	}
	var timeoutErr *attemptTimeoutError
	if errors.As(err, &timeoutErr) {
		return verdict{retry: true, ambiguous: true, class: "timeout"}
	}
	if status != 0 {
		// The answer started (so the request was processed) but its body
		// broke off.
		return verdict{retry: true, ambiguous: true, class: "broken_answer"}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			// A misspelt host: repeating cannot help.
			return verdict{class: "dns_not_found"}
		}
		return verdict{retry: true, class: "dns_error"}
	}
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostnameErr      x509.HostnameError
		certInvalid      x509.CertificateInvalidError
		certVerify       *tls.CertificateVerificationError
		recordHeader     tls.RecordHeaderError
	)
	if errors.As(err, &unknownAuthority) || errors.As(err, &hostnameErr) || errors.As(err, &certInvalid) ||
		errors.As(err, &certVerify) || errors.As(err, &recordHeader) {
		return verdict{class: "tls_error"}
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return verdict{retry: true, class: classRefused}
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		// No connection, so nothing was sent (covers dial timeouts and
		// unreachable networks).
		return verdict{retry: true, class: "dial_error"}
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) {
		return verdict{retry: true, ambiguous: true, class: "connection_reset"}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return verdict{retry: true, ambiguous: true, class: "eof"}
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		// e.g. a supplied http.Client's own Timeout.
		return verdict{retry: true, ambiguous: true, class: "timeout"}
	}
	// net/http reports some connection losses only as text.
	msg := err.Error()
	for _, s := range []string{"server closed idle connection", "transport connection broken", "connection reset", "broken pipe", "http2: "} {
		if strings.Contains(msg, s) {
			return verdict{retry: true, ambiguous: true, class: "connection_reset"}
		}
	}
	// Unrecognised (e.g. a malformed answer): not worth repeating, but the
	// request may have been processed.
	return verdict{ambiguous: true, class: "transport_error"}
}

// sendRetrying sends cl until it succeeds, fails for good or b runs out.
// It returns the last outcome and the number of attempts; the error is
// non-nil only when the caller's context ended. When the context's
// deadline passes during an attempt or a wait that followed a real failure,
// that failure is returned (with a nil error) rather than the bare
// "context deadline exceeded".
func (c *Client) sendRetrying(ctx context.Context, cl call, b *budget) (outcome, int, error) {
	var last *outcome
	for attempt := 1; ; attempt++ {
		o := c.send(ctx, cl)
		if o.ctxErr != nil {
			if last != nil && errors.Is(o.ctxErr, context.DeadlineExceeded) {
				c.logFailed(ctx, cl, *last, attempt-1)
				return *last, attempt - 1, nil
			}
			return o, attempt, cl.errorf("%w", o.ctxErr)
		}
		if o.succeeded() {
			return o, attempt, nil
		}
		v := classify(o)
		wait, fromHeader := c.nextWait(o, b)
		if !v.retry || (cl.once && v.ambiguous) || !b.allows(c.now(), wait, v) {
			c.logFailed(ctx, cl, o, attempt)
			return o, attempt, nil
		}
		b.spend()
		if err := c.waitRetry(ctx, cl, o, v, attempt, wait, fromHeader); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				c.logFailed(ctx, cl, o, attempt)
				return o, attempt, nil
			}
			return o, attempt, cl.errorf("%w", err)
		}
		last = &o
	}
}

// nextWait is the wait before the next retry of a call whose last attempt
// gave o: the Retry-After the server asked for (capped), else exponential
// backoff with jitter. fromHeader tells which.
func (c *Client) nextWait(o outcome, b *budget) (wait time.Duration, fromHeader bool) {
	if wait, ok := c.retryAfter(o.header); ok {
		return wait, true
	}
	return c.backoff(b.used + 1), false
}

// waitRetry logs the coming retry at Warn and waits wait. It returns ctx's
// error at once if ctx ends first.
func (c *Client) waitRetry(ctx context.Context, cl call, o outcome, v verdict, attempt int, wait time.Duration, fromHeader bool) error {
	fields := map[string]any{
		"method":  cl.method,
		"path":    cl.path,
		"attempt": attempt,
		"wait_ms": wait.Milliseconds(),
	}
	if o.err != nil {
		fields["error_class"] = v.class
		fields["error"] = c.redact(o.err.Error())
	} else {
		fields["status"] = o.status
	}
	if fromHeader {
		fields["retry_after"] = true
	}
	c.logger.Warn(ctx, "Diga API request failed; retrying", fields)
	return c.sleep(ctx, wait)
}

// logFailed reports a final failure at Warn when it is a server or
// transport failure (4xx answers are the caller's business).
func (c *Client) logFailed(ctx context.Context, cl call, o outcome, attempts int) {
	if o.err == nil && o.status < 500 {
		return
	}
	fields := map[string]any{
		"method":   cl.method,
		"path":     cl.path,
		"status":   o.status,
		"attempts": attempts,
	}
	if o.err != nil {
		fields["error_class"] = classify(o).class
		fields["error"] = c.redact(o.err.Error())
	}
	c.logger.Warn(ctx, "Diga API request failed", fields)
}

// backoff is the wait before the n-th retry (n ≥ 1): uniformly random in
// [waitMin, min(waitMax, waitMin·2^n)].
func (c *Client) backoff(n int) time.Duration {
	ceiling := c.waitMin
	for i := 0; i < n && ceiling < c.waitMax; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, c.waitMax)
	if ceiling <= c.waitMin {
		return c.waitMin
	}
	return c.waitMin + time.Duration(rand.Int64N(int64(ceiling-c.waitMin)+1))
}

// retryAfter reads Retry-After (delay-seconds or an HTTP-date), capped at
// maxRetryAfterWait. ok is false when the header is absent or unreadable.
func (c *Client) retryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfterWait/time.Second) {
			return maxRetryAfterWait, true
		}
		d = time.Duration(secs) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = max(at.Sub(c.now()), 0)
	} else {
		return 0, false
	}
	return min(d, maxRetryAfterWait), true
}

// failure turns the final failed outcome of a call into its error: an
// *APIError (with Attempts) for an HTTP answer, otherwise the transport
// error, naming the attempts when there were several.
func (c *Client) failure(cl call, o outcome, attempts int) error {
	if o.err == nil {
		e := c.newAPIError(cl.method, cl.path, o.status, o.body)
		e.URL = c.baseURL + cl.path
		e.Attempts = attempts
		return e
	}
	if classify(o).class == classRefused {
		return &ConnectionRefusedError{Method: cl.method, Path: cl.path, BaseURL: c.baseURL, Attempts: attempts, Err: o.err}
	}
	if attempts > 1 {
		return cl.errorf("gave up after %d attempts: last error: %w", attempts, o.err)
	}
	return cl.errorf("%w", o.err)
}

// ConnectionRefusedError reports a call whose last attempt (of Attempts,
// made within RefusedConnectionBudget of refusals) was refused a
// connection: nothing accepts connections at the base URL's host and port,
// so nothing was sent. Usually a wrong port in the base URL, or a server
// (the local emulator) that is not running.
type ConnectionRefusedError struct {
	Method, Path, BaseURL string
	Attempts              int
	Err                   error // the last refusal
}

func (e *ConnectionRefusedError) Error() string {
	tried := ""
	if e.Attempts > 1 {
		tried = fmt.Sprintf(" (attempt %d)", e.Attempts)
	}
	return fmt.Sprintf("%s %s: the connection was refused%s: %v: nothing accepts connections at base_url %q, so "+
		"nothing was sent. Check base_url: its host and port, and that the Diga API (or the local emulator) is "+
		"running there", e.Method, e.Path, tried, e.Err, e.BaseURL)
}

func (e *ConnectionRefusedError) Unwrap() error { return e.Err }

// sleepCtx waits d, or until ctx ends, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
