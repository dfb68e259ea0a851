package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Redacted replaces every secret a recording would otherwise contain.
const Redacted = "[REDACTED]"

// Exchange is one recorded request and its answer, as NewRecorder writes it
// (one JSON file per exchange) and TestReplayRecordings reads it.
type Exchange struct {
	Method string `json:"method"`
	// Path is the escaped URL path, without query.
	Path string `json:"path"`
	// Query is the raw query string, secret-looking values redacted.
	Query          string      `json:"query,omitempty"`
	RequestHeaders http.Header `json:"request_headers,omitempty"`
	// RequestBody holds a JSON body; RequestBodyText any other body.
	RequestBody     json.RawMessage `json:"request_body,omitempty"`
	RequestBodyText string          `json:"request_body_text,omitempty"`
	Status          int             `json:"status"`
	ResponseHeaders http.Header     `json:"response_headers,omitempty"`
	// ResponseBody holds a JSON body; ResponseBodyText any other body.
	ResponseBody     json.RawMessage `json:"response_body,omitempty"`
	ResponseBodyText string          `json:"response_body_text,omitempty"`
}

// ResponseBytes is the recorded response body.
func (x Exchange) ResponseBytes() []byte {
	if len(x.ResponseBody) > 0 {
		return x.ResponseBody
	}
	return []byte(x.ResponseBodyText)
}

// ReadExchange reads one recording.
func ReadExchange(path string) (Exchange, error) {
	var x Exchange
	raw, err := os.ReadFile(path)
	if err != nil {
		return x, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		return x, fmt.Errorf("%s: %w", path, err)
	}
	if x.Method == "" || x.Path == "" || x.Status == 0 {
		return x, fmt.Errorf("%s: method, path and status are required", path)
	}
	return x, nil
}

// CheckExchange checks a recorded answer against the contract (the request
// side is not checked: recordings carry no credentials).
func (v *Validator) CheckExchange(x Exchange) []Violation {
	return v.CheckResponse(x.Method, x.Path, x.Status, x.ResponseHeaders, x.ResponseBytes())
}

// NewRecorder returns a RoundTripper that sends each request with base
// (http.DefaultTransport when nil) and writes the exchange to dir as one
// JSON file (see Exchange), so a live run can later be replayed against the
// contract. Nothing secret is written:
//   - the Authorization, Proxy-Authorization, Cookie and Set-Cookie headers
//     are dropped, and any other header whose name looks secret (key,
//     token, secret, password, auth) has its value replaced by Redacted;
//   - in JSON bodies every string under a key named value, or containing
//     api_key/apikey, token, password or secret (any case, - and _
//     ignored), becomes Redacted, at any depth (objects and arrays under
//     such a key keep their shape, their strings are replaced);
//   - query parameters with such names are redacted;
//   - the bearer token the request carried is replaced wherever else it
//     appears (a server that echoes it).
//
// A failure to write a recording fails the request: a live recording run
// must not silently lose exchanges.
func NewRecorder(dir string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &recorder{dir: dir, base: base, prefix: time.Now().UTC().Format("20060102T150405")}
}

type recorder struct {
	dir    string
	base   http.RoundTripper
	prefix string
	seq    atomic.Int64
}

func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	out := req
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		out = req.Clone(req.Context())
		out.Body = io.NopCloser(bytes.NewReader(b))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	resp, err := rec.base.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))

	token := bearerToken(req.Header.Get("Authorization"))
	x := Exchange{
		Method:          req.Method,
		Path:            req.URL.EscapedPath(),
		Query:           redactQuery(req.URL.RawQuery, token),
		RequestHeaders:  redactHeaders(req.Header, token),
		Status:          resp.StatusCode,
		ResponseHeaders: redactHeaders(resp.Header, token),
	}
	x.RequestBody, x.RequestBodyText = redactBody(reqBody, token)
	x.ResponseBody, x.ResponseBodyText = redactBody(respBody, token)

	if err := rec.write(x); err != nil {
		return nil, fmt.Errorf("recording %s %s: %w", req.Method, req.URL.Path, err)
	}
	return resp, nil
}

var slugRE = regexp.MustCompile(`[^A-Za-z0-9]+`)

func (rec *recorder) write(x Exchange) error {
	if err := os.MkdirAll(rec.dir, 0o755); err != nil {
		return err
	}
	slug := strings.Trim(slugRE.ReplaceAllString(x.Path, "-"), "-")
	if len(slug) > 80 {
		slug = slug[:80]
	}
	name := fmt.Sprintf("%s-%05d-%s-%s.json", rec.prefix, rec.seq.Add(1), x.Method, slug)
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(rec.dir, name), append(b, '\n'), 0o644)
}

func bearerToken(h string) string {
	scheme, cred, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "bearer") {
		return strings.TrimSpace(h)
	}
	return strings.TrimSpace(cred)
}

// secretKey reports whether a JSON key or parameter name looks like it
// holds a secret.
func secretKey(k string) bool {
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(k))
	if n == "value" {
		return true
	}
	for _, s := range []string{"apikey", "token", "password", "secret"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

func secretHeader(k string) bool {
	n := strings.ToLower(k)
	for _, s := range []string{"key", "token", "secret", "password", "auth"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

func redactHeaders(h http.Header, token string) http.Header {
	out := http.Header{}
	for k, vs := range h {
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie":
			continue
		case "Www-Authenticate":
			// A challenge names a scheme, not a secret.
		default:
			if secretHeader(k) {
				out[k] = []string{Redacted}
				continue
			}
		}
		for _, v := range vs {
			out[k] = append(out[k], scrub(v, token))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func redactQuery(raw, token string) string {
	if raw == "" {
		return ""
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return scrub(raw, token)
	}
	for k, vs := range q {
		for i := range vs {
			if secretKey(k) {
				vs[i] = Redacted
			} else {
				vs[i] = scrub(vs[i], token)
			}
		}
	}
	return q.Encode()
}

// redactBody returns a JSON body as redacted JSON, anything else as text.
func redactBody(body []byte, token string) (json.RawMessage, string) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, ""
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		if b, err := json.Marshal(redactJSON(v, false, token)); err == nil {
			return b, ""
		}
	}
	text := string(body)
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	return nil, scrub(text, token)
}

func redactJSON(v any, secret bool, token string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			x[k] = redactJSON(val, secret || secretKey(k), token)
		}
		return x
	case []any:
		for i, val := range x {
			x[i] = redactJSON(val, secret, token)
		}
		return x
	case string:
		if secret {
			return Redacted
		}
		return scrub(x, token)
	default:
		return v
	}
}

func scrub(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, Redacted)
}
