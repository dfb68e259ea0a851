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
	// ErrorCode and Message come from Diga's envelope
	// {"status":"error","error_code":…,"message":…}, when present.
	ErrorCode, Message string
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
	b.WriteString(e.Path)
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
	return b.String()
}

// IsNotFound reports whether err is (or wraps) an APIError with status 404.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
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
