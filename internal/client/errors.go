package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxErrorBodyBytes bounds APIError.Body: enough to see an HTML error page's
// gist without carrying a whole page around in diagnostics.
const maxErrorBodyBytes = 2 << 10

// maxErrorSummaryRunes bounds the part of Error() that comes from a raw body.
const maxErrorSummaryRunes = 200

// APIError is returned for every non-2xx answer.
type APIError struct {
	StatusCode int
	// Method and Path identify the request; Path has no host and no query.
	Method, Path string
	// URL is the full URL the request went to, without its query: the base
	// URL, its path included, followed by Path.
	URL string
	// ErrorCode and Message come from Diga's envelope
	// {"status":"error","error_code":…,"message":…}, when present.
	ErrorCode, Message string
	// Envelope reports that the body was Diga's own error envelope: a
	// non-empty error_code at the top level, or inside an object "detail"
	// (HTTPException(detail={...})). Only such an answer is Diga speaking
	// about the resource; see IsNotFound.
	Envelope bool
	// Detail holds FastAPI 422 validation items, when present.
	Detail []ValidationIssue
	// DetailText holds a plain-string detail such as {"detail":"Not Found"}.
	DetailText string
	// Body is the raw body (truncated to 2 KiB) when it was not one of the
	// JSON shapes above, e.g. a proxy's HTML 502 page.
	Body string
	// Attempts is how many times the request was sent; this answer came
	// from the last of them. 1 when it was not retried.
	Attempts int
}

// ValidationIssue is one FastAPI validation error item.
type ValidationIssue struct {
	// Loc items are strings or numbers (float64 after JSON decoding), e.g.
	// ["body", "trigger", "children", 0, "name"].
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// Field joins Loc with ".", e.g. "body.trigger.nextAction.name".
func (v ValidationIssue) Field() string {
	parts := make([]string, 0, len(v.Loc))
	for _, item := range v.Loc {
		switch x := item.(type) {
		case string:
			parts = append(parts, x)
		case float64:
			parts = append(parts, strconv.FormatFloat(x, 'f', -1, 64))
		case json.Number:
			parts = append(parts, x.String())
		default:
			parts = append(parts, fmt.Sprint(x))
		}
	}
	return strings.Join(parts, ".")
}

func (v ValidationIssue) String() string {
	field := v.Field()
	switch {
	case field == "":
		return v.Msg
	case v.Msg == "":
		return field
	default:
		return field + ": " + v.Msg
	}
}

// Error renders a one-liner such as
// "POST /v1/workflow/: 422 Unprocessable Entity: body.name: String should have at least 1 character"
// or, after retries,
// "POST /v1/workflow/: gave up after 5 attempts: last answer 503 Service Unavailable: down".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	route := isRouteNotFound(e)
	if route && e.URL != "" {
		// The path alone hides the base URL's own path, which is what is
		// most likely wrong.
		b.WriteString(e.URL)
	} else {
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	if e.Attempts > 1 {
		if retryableStatus(e.StatusCode) {
			b.WriteString("gave up after " + strconv.Itoa(e.Attempts) + " attempts: last answer ")
		} else {
			b.WriteString("attempt " + strconv.Itoa(e.Attempts) + " answered ")
		}
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteByte(' ')
		b.WriteString(text)
	}

	var parts []string
	switch {
	case e.ErrorCode != "" && e.Message != "":
		parts = append(parts, e.ErrorCode+": "+e.Message)
	case e.Message != "":
		parts = append(parts, e.Message)
	case e.ErrorCode != "":
		parts = append(parts, e.ErrorCode)
	}
	if len(e.Detail) > 0 {
		items := make([]string, 0, len(e.Detail))
		for _, d := range e.Detail {
			items = append(items, d.String())
		}
		parts = append(parts, strings.Join(items, "; "))
	}
	if e.DetailText != "" {
		parts = append(parts, e.DetailText)
	}
	if len(parts) == 0 && e.Body != "" {
		if s := summarizeBody(e.Body); s != "" {
			parts = append(parts, s)
		}
	}
	for _, p := range parts {
		b.WriteString(": ")
		b.WriteString(p)
	}
	if route {
		b.WriteString(". No Diga API route answers at this URL (this 404 is not Diga's error envelope), so the base URL " +
			"is probably wrong: check base_url, which must be the root of the Diga API such as " + DefaultBaseURL + " (without /v1)")
	}
	return b.String()
}

// notFoundDetail is Starlette's body for a path no route matches (and for
// a bare HTTPException(404)).
const notFoundDetail = "Not Found"

// IsNotFound reports whether err is (or wraps) Diga's 404 about the
// resource itself: an APIError with status 404 whose body is Diga's error
// envelope (APIError.Envelope), such as
// {"status":"error","error_code":"FLOW_NOT_FOUND","message":"…"}. Only then
// does a 404 mean the flow (template, piece, …) does not exist, or no
// longer does. A 404 in any other shape is not: FastAPI's route-level
// {"detail":"Not Found"}, a proxy's HTML or text page and an empty body
// mean the URL reaches no API route (IsRouteNotFound), and a 404 with some
// other detail text is an error of its own.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound && e.Envelope
}

// IsRouteNotFound reports whether err is (or wraps) a 404 that says the URL
// itself is wrong rather than the resource gone: no Diga envelope, and
// either FastAPI's {"detail":"Not Found"}, a body that is not one of Diga's
// JSON shapes (a gateway's HTML or text page, {"message":"…"} without an
// error_code) or no body at all. It usually means the base URL has a wrong
// path or points at something other than the Diga API; the error's text
// shows the full URL and says so.
func IsRouteNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && isRouteNotFound(e)
}

func isRouteNotFound(e *APIError) bool {
	if e.StatusCode != http.StatusNotFound || e.Envelope || len(e.Detail) > 0 {
		return false
	}
	// An application's own detail text ("Template not found") is an answer
	// about the resource, only not in Diga's shape: neither gone nor a
	// wrong URL.
	return e.DetailText == "" || e.DetailText == notFoundDetail
}

// IsUnauthorized reports whether err is (or wraps) an APIError with status
// 401 or 403: the key is missing, invalid or lacks permission.
func IsUnauthorized(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden)
}

// newAPIError classifies body into the known error shapes. Every string
// taken from the body is scrubbed of the API key first: a server or proxy
// that echoes the Authorization header must not put the key into a
// Terraform diagnostic.
func (c *Client) newAPIError(method, path string, status int, body []byte) *APIError {
	e := &APIError{StatusCode: status, Method: method, Path: path}

	var env struct {
		ErrorCode *string         `json:"error_code"`
		Message   *string         `json:"message"`
		Detail    json.RawMessage `json:"detail"`
	}
	recognized := false
	if err := json.Unmarshal(body, &env); err == nil {
		if env.ErrorCode != nil || env.Message != nil {
			recognized = true
			e.ErrorCode = c.redact(deref(env.ErrorCode))
			e.Message = c.redact(deref(env.Message))
			e.Envelope = e.ErrorCode != ""
		}
		if len(env.Detail) > 0 && !isJSONNull(env.Detail) {
			recognized = true
			c.decodeDetail(e, env.Detail)
		}
	}
	if !recognized && len(body) > 0 {
		e.Body = strings.ToValidUTF8(truncateUTF8(c.redact(string(body)), maxErrorBodyBytes), "\uFFFD")
	}
	return e
}

// decodeDetail handles the three shapes FastAPI apps put in "detail": a list
// of validation items, a string, or an object (HTTPException(detail={...})).
func (c *Client) decodeDetail(e *APIError, raw json.RawMessage) {
	var items []ValidationIssue
	if err := json.Unmarshal(raw, &items); err == nil {
		for i := range items {
			items[i].Msg = c.redact(items[i].Msg)
			items[i].Type = c.redact(items[i].Type)
			for j, l := range items[i].Loc {
				if s, ok := l.(string); ok {
					items[i].Loc[j] = c.redact(s)
				}
			}
		}
		e.Detail = items
		return
	}
	var text string
	if err := json.Unmarshal(raw, &text); err == nil {
		e.DetailText = c.redact(text)
		return
	}
	var obj struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(raw, &obj); err == nil && (obj.ErrorCode != "" || obj.Message != "") {
		e.Envelope = e.Envelope || obj.ErrorCode != ""
		if e.ErrorCode == "" {
			e.ErrorCode = c.redact(obj.ErrorCode)
		}
		if e.Message == "" {
			e.Message = c.redact(obj.Message)
		}
		return
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err == nil {
		raw = compact.Bytes()
	}
	e.DetailText = truncateUTF8(c.redact(string(raw)), maxErrorBodyBytes)
}

func (c *Client) redact(s string) string {
	if c.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, c.apiKey, "[REDACTED]")
}

var (
	htmlTitleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	htmlTagRE   = regexp.MustCompile(`(?s)<[^>]*>`)
	htmlHintRE  = regexp.MustCompile(`(?i)<(!doctype|html|head|body|title|h1|center|p)\b`)
)

// summarizeBody turns a raw body into something that reads well on one
// line: an HTML page's title (or its text), whitespace collapsed, capped.
func summarizeBody(body string) string {
	text := body
	if htmlHintRE.MatchString(body) {
		if m := htmlTitleRE.FindStringSubmatch(body); m != nil && strings.TrimSpace(m[1]) != "" {
			text = m[1]
		} else {
			text = htmlTagRE.ReplaceAllString(body, " ")
		}
		text = html.UnescapeString(text)
	}
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) > maxErrorSummaryRunes {
		r := []rune(text)
		text = string(r[:maxErrorSummaryRunes]) + "…"
	}
	return text
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func isJSONNull(raw []byte) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}
