package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Exchange is one HTTP attempt as the probe saw it, retries included. It
// never holds a header: the API key travels only in Authorization, and any
// copy of the key inside a body is replaced by [REDACTED].
type Exchange struct {
	// Step is the probe step that sent it ("create", "d", "cleanup", …).
	Step   string `json:"step"`
	Method string `json:"method"`
	// Path is the escaped path and query, without scheme and host.
	Path string `json:"path"`
	// Status is the HTTP status; 0 when no answer arrived (see Error).
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	// Body is the answer's body, cut at maxKeptBody bytes; BodyBytes its
	// full length.
	Body      string `json:"body,omitempty"`
	BodyBytes int    `json:"body_bytes"`
	// Sent is the request's body, cut the same way.
	Sent       string `json:"sent,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// listNotKept stands for the body of a flow listing.
const listNotKept = "(a list of the project's flows: not kept)"

// maxKeptBody bounds what the report keeps of one body.
const maxKeptBody = 64 << 10

// recorder is the probe client's transport: it sends each attempt with
// base and keeps a copy of it (method, path, status, bodies), labelled
// with the step that is running.
type recorder struct {
	base  http.RoundTripper
	scrub func(string) string
	// seen, when set, is told of each exchange as it completes.
	seen func(Exchange)

	mu   sync.Mutex
	step string
	log  []Exchange
}

func (r *recorder) setStep(step string) {
	r.mu.Lock()
	r.step = step
	r.mu.Unlock()
}

// mark is the number of exchanges so far; since(mark) the ones after it.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.log)
}

func (r *recorder) since(mark int) []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.log[mark:]...)
}

func (r *recorder) all() []Exchange { return r.since(0) }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var sent []byte
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			sent, _ = io.ReadAll(b)
			_ = b.Close()
		}
	}
	start := time.Now()
	resp, err := r.base.RoundTrip(req)
	ex := Exchange{
		Method: req.Method,
		Path:   req.URL.EscapedPath(),
		Sent:   r.keep(sent),
	}
	if req.URL.RawQuery != "" {
		ex.Path += "?" + req.URL.RawQuery
	}
	if err != nil {
		ex.Error = r.scrub(err.Error())
	} else {
		data, readErr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		var rest io.Reader = bytes.NewReader(data)
		if readErr != nil {
			rest = io.MultiReader(rest, errReader{readErr})
			ex.Error = "reading the answer: " + r.scrub(readErr.Error())
		}
		resp.Body = io.NopCloser(rest)
		ex.Status = resp.StatusCode
		ex.ContentType = resp.Header.Get("Content-Type")
		ex.Body = r.keep(data)
		if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/v1/workflow/") && ex.Status < 300 {
			// The listing a lost create answer makes the client send
			// shows the project's other flows: none of the probe's
			// business, and not to be shared.
			ex.Body = listNotKept
		}
		ex.BodyBytes = len(data)
	}
	ex.DurationMS = time.Since(start).Milliseconds()
	r.mu.Lock()
	ex.Step = r.step
	r.log = append(r.log, ex)
	seen := r.seen
	r.mu.Unlock()
	if seen != nil {
		seen(ex)
	}
	return resp, err
}

// keep is a body as the report keeps it: the key scrubbed, cut at
// maxKeptBody bytes (on a rune boundary).
func (r *recorder) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := r.scrub(string(b))
	if len(s) > maxKeptBody {
		cut := maxKeptBody
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// scrubber replaces every copy of key in a text with [REDACTED].
func scrubber(key string) func(string) string {
	key = strings.TrimSpace(key)
	return func(s string) string {
		if key == "" {
			return s
		}
		return strings.ReplaceAll(s, key, "[REDACTED]")
	}
}

// shorten renders a body on one line of at most n runes: whitespace runs
// collapsed, an HTML page reduced to its text.
func shorten(s string, n int) string {
	if strings.Contains(strings.ToLower(s), "<html") || strings.Contains(strings.ToLower(s), "<!doctype") {
		s = htmlText(s)
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// htmlText drops tags (and the contents of script and style elements) from
// an HTML page, keeping what a person would read.
func htmlText(s string) string {
	var b strings.Builder
	lower := strings.ToLower(s)
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(lower[i:], "<script"), strings.HasPrefix(lower[i:], "<style"):
			tag := "</script>"
			if strings.HasPrefix(lower[i:], "<style") {
				tag = "</style>"
			}
			end := strings.Index(lower[i:], tag)
			if end < 0 {
				return b.String()
			}
			i += end + len(tag)
		case s[i] == '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return b.String()
			}
			b.WriteByte(' ')
			i += end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}
