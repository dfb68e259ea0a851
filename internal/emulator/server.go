package emulator

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is an http.Handler serving the Diga workflow API from memory.
// Safe for concurrent use: every piece of state sits behind one mutex.
type Server struct {
	mu           sync.Mutex
	now          func() time.Time
	sparseRename bool
	importMode   ImportMode
	responseMode ResponseMode
	// agentFlowMode: how flow_ids are checked (agents.go).
	agentFlowMode AgentFlowMode
	keys          map[string]struct{}
	projects      map[string]*project
	issued        map[string]struct{} // every flow id ever handed out, across projects
	seq           int64               // creation counter; orders flows newest first
	catalog       *catalogState       // templates, connections; created on first use (catalog.go)
	records       []requestRecord
	faults        Faults     // ErrorStatuses never empty once set
	faultRNG      *rand.Rand // nil until WithFaults/SetFaults
	faultStats    FaultStats
	faultWake     chan struct{} // closed and replaced by every SetFaults
	latencyHook   func()        // tests: called when a request starts its injected delay
}

// Option configures a Server.
type Option func(*Server)

// New returns an empty emulator. Without WithAPIKeys or AddAPIKey no request
// can authenticate.
func New(opts ...Option) *Server {
	s := &Server{
		now:      time.Now,
		keys:     map[string]struct{}{},
		projects: map[string]*project{},
		issued:   map[string]struct{}{},
		// The zero modes are the defaults: ImportLenient, and
		// ResponseDeclared because openapi.json declares closed response
		// models.
	}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	return s
}

// WithAPIKeys configures the accepted API keys. Each key is its own Diga
// project: flows created with one key are invisible to every other key.
func WithAPIKeys(keys ...string) Option {
	return func(s *Server) {
		for _, k := range keys {
			s.addKeyLocked(k)
		}
	}
}

// WithSparseRenameResponse makes PATCH …/rename answer without the "status"
// and "flow_category" keys, like the example on Diga's rename page.
func WithSparseRenameResponse() Option {
	return func(s *Server) { s.sparseRename = true }
}

// WithClock replaces time.Now as the server's clock: the source of
// created/updated timestamps and of the Date header of every answer.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithClockOffset runs the server's clock d ahead of time.Now (behind when d
// is negative), like a server whose clock is skewed against the client's:
// timestamps and the Date header both follow it.
func WithClockOffset(d time.Duration) Option {
	return WithClock(func() time.Time { return time.Now().Add(d) })
}

// WithStrictResponseModel is WithResponseMode(ResponseDeclared): every
// trigger tree is serialized through the documented response models
// (TriggerResponse, StepResponse and their settings), as a FastAPI
// response_model with pydantic's default extra="ignore" would: keys the
// models do not declare are dropped (e.g. a CODE step's settings.sourceCode),
// declared keys that are absent come back as null, and model keys appear in
// model order. This is the default, because it is what openapi.json
// describes; the option only makes that explicit.
func WithStrictResponseModel() Option { return WithResponseMode(ResponseDeclared) }

// WithLenientResponseModel is WithResponseMode(ResponseFull): trigger trees
// are returned as stored, keys sorted, with every key the client sent plus
// the server-owned ones: a server looser than its contract. Tests use it to
// prove the provider copes with servers that add keys of their own; such
// answers violate the contract's closed response models.
func WithLenientResponseModel() Option { return WithResponseMode(ResponseFull) }

// AddAPIKey accepts one more API key (a new, empty project). Empty keys are
// ignored because an empty bearer credential can never authenticate.
func (s *Server) AddAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addKeyLocked(key)
}

func (s *Server) addKeyLocked(key string) {
	if key == "" {
		return
	}
	s.keys[key] = struct{}{}
}

func (s *Server) keyValid(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.keys[key]
	return ok
}

// RequestRecord describes one request the emulator handled.
type RequestRecord struct {
	Method   string
	Path     string
	RawQuery string
	// Status is the status the client received: the handler's, or the
	// injected one (Fault == FaultError). Two sentinels mark requests that
	// got no answer: StatusLostAnswer (-1, Fault == FaultLost) and
	// StatusClientClosedRequest (499, Fault == FaultCanceled).
	Status int
	APIKey string // the bearer credential presented, valid or not ("" if none)
	// Fault is FaultNone unless fault injection shaped this request.
	Fault FaultKind
	// LostStatus is, for a lost answer, the status the emulator computed
	// but never sent (201 for an applied create, 404, 422, …); 0 otherwise.
	LostStatus int
}

type requestRecord struct {
	RequestRecord
	routed bool // reached a route (not a 404/405/redirect from the router)
}

// Requests returns every API request handled so far, in completion order,
// fault-injected ones included (see RequestRecord.Fault).
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RequestRecord, len(s.records))
	for i, r := range s.records {
		out[i] = r.RequestRecord
	}
	return out
}

// WriteCount counts POST/PATCH/PUT/DELETE requests presenting apiKey that
// reached a route, whatever their status (401, 404, 422, 501 included) and
// whatever fault injection did to them (injected errors, lost answers and
// canceled requests included): it counts attempts, not applied writes.
func (s *Server) WriteCount(apiKey string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.records {
		if !r.routed || r.APIKey != apiKey {
			continue
		}
		switch r.Method {
		case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
			n++
		}
	}
	return n
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = nil
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP routes the request the way Starlette's router does (first full
// match wins, else 405 for the first path-only match, else a 307 slash
// redirect, else 404), then applies fault injection (requests that reached a
// route only), then checks the bearer key, then runs the handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every answer carries the server clock's Date (net/http would add
	// the host's own time, which a skewed clock must not hide).
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	rec := &statusRecorder{ResponseWriter: w}
	key, _ := bearerCredential(r.Header.Get("Authorization"))
	out := requestRecord{RequestRecord: RequestRecord{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		APIKey:   key,
	}}
	rt, params := s.route(rec, r)
	out.routed = rt != nil
	if rt != nil {
		plan := s.planFault(r.Method, key)
		switch {
		case !s.waitLatency(r, plan):
			// Never answer: if the connection is still open (server
			// shutting down), an empty 200 would look like success.
			out.Fault, out.Status = FaultCanceled, StatusClientClosedRequest
			s.record(out)
			closeWithoutAnswer(w)
			return
		case plan.status != 0:
			writeInjectedError(rec, plan)
			out.Fault = FaultError
		case plan.lost:
			d := &discardWriter{}
			s.serveRoute(d, r, rt, params, key)
			out.Fault, out.Status, out.LostStatus = FaultLost, StatusLostAnswer, d.status
			if out.LostStatus == 0 {
				out.LostStatus = http.StatusOK
			}
			s.record(out)
			closeWithoutAnswer(w)
			return
		default:
			s.serveRoute(rec, r, rt, params, key)
		}
	}
	if out.Status == 0 {
		out.Status = rec.status
		if out.Status == 0 {
			out.Status = http.StatusOK
		}
	}
	s.record(out)
}

func (s *Server) record(r requestRecord) {
	s.mu.Lock()
	s.records = append(s.records, r)
	s.mu.Unlock()
}

// route finds the route for r. When there is none it writes the router's
// answer (405, 307 or 404) and returns nil.
func (s *Server) route(w http.ResponseWriter, r *http.Request) (*route, map[string]string) {
	path := r.URL.Path
	rt, params, partial := matchRoute(r.Method, path)
	if rt != nil {
		return rt, params
	}
	if partial != nil {
		w.Header().Set("Allow", partial.method)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"detail": "Method Not Allowed"})
		return nil, nil
	}
	if target, ok := slashRedirect(path); ok {
		redirect(w, r, target)
		return nil, nil
	}
	writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not Found"})
	return nil, nil
}

// serveRoute authenticates a routed request and runs its handler.
func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt *route, params map[string]string, key string) {
	if !rt.public {
		// key is "" when the header is missing or malformed, and "" is never
		// a valid key.
		if !s.keyValid(key) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, "INVALID_API_KEY", "Invalid or missing API key")
			return
		}
	}
	if rt.handle == nil {
		writeError(w, http.StatusNotImplemented, "NOT_IMPLEMENTED",
			rt.method+" "+rt.pattern+" is not implemented by the Diga emulator")
		return
	}
	rt.handle(s, &call{w: w, r: r, params: params, key: key})
}

// bearerCredential mirrors FastAPI's HTTPBearer: the header is split at the
// first space, the scheme compared case-insensitively, the rest taken verbatim.
func bearerCredential(header string) (string, bool) {
	scheme, cred, _ := strings.Cut(header, " ")
	if header == "" || !strings.EqualFold(scheme, "bearer") || cred == "" {
		return "", false
	}
	return cred, true
}

// slashRedirect toggles the trailing slash like Starlette's redirect_slashes
// and reports whether the toggled path matches any route (any method).
func slashRedirect(path string) (string, bool) {
	if path == "/" || path == "" {
		return "", false
	}
	var target string
	if strings.HasSuffix(path, "/") {
		target = strings.TrimRight(path, "/")
	} else {
		target = path + "/"
	}
	rt, _, partial := matchRoute("", target)
	if rt == nil && partial == nil {
		return "", false
	}
	return target, true
}

func redirect(w http.ResponseWriter, r *http.Request, path string) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: path, RawQuery: r.URL.RawQuery}
	w.Header().Set("Location", u.String())
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusTemporaryRedirect)
}

// call carries one routed request to its handler.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	params map[string]string
	key    string
}

type route struct {
	method  string
	pattern string
	segs    []string
	public  bool // no security declared in openapi.json
	handle  func(*Server, *call)
}

func (rt *route) match(segs []string) (map[string]string, bool) {
	// A last "{name:path}" segment is Starlette's path convertor: it takes
	// the rest of the (percent-decoded) path, slashes included. Unlike
	// Starlette's ".*" it refuses empty segments, so a trailing slash still
	// redirects.
	rest := strings.HasSuffix(rt.segs[len(rt.segs)-1], ":path}")
	if len(segs) != len(rt.segs) && (!rest || len(segs) < len(rt.segs)) {
		return nil, false
	}
	var params map[string]string
	for i, p := range rt.segs {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			name, value := p[1:len(p)-1], segs[i]
			if n, isPath := strings.CutSuffix(name, ":path"); isPath && i == len(rt.segs)-1 {
				if slices.Contains(segs[i:], "") {
					return nil, false
				}
				name, value = n, strings.Join(segs[i:], "/")
			}
			if value == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[name] = value
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// routes lists every documented operation in openapi.json order, which is the
// FastAPI declaration order and therefore the matching order.
var routes = buildRoutes()

func buildRoutes() []*route {
	const b = "/v1/workflow"
	type def struct {
		method, pattern string
		public          bool
		handle          func(*Server, *call)
	}
	defs := []def{
		{"GET", b + "/piece", true, (*Server).handleListPieces},
		{"GET", b + "/piece/{piece_name:path}", true, (*Server).handleGetPiece},
		{"GET", b + "/template", false, (*Server).handleListTemplates},
		{"GET", b + "/template/{template_id}", false, (*Server).handleGetTemplate},
		{"POST", b + "/template/{template_id}/copy", false, (*Server).handleCopyTemplate},
		{"GET", b + "/connections", false, (*Server).handleListConnections},
		{"POST", b + "/connections", false, (*Server).handleUpsertConnection},
		{"GET", b + "/", false, (*Server).handleList},
		{"POST", b + "/", false, (*Server).handleCreate},
		{"GET", b + "/{flow_id}", false, (*Server).handleGet},
		{"DELETE", b + "/{flow_id}", false, (*Server).handleDelete},
		{"PATCH", b + "/{flow_id}/rename", false, (*Server).handleRename},
		{"PATCH", b + "/{flow_id}/status", false, (*Server).handleStatus},
		{"POST", b + "/{flow_id}/publish", false, (*Server).handlePublish},
		{"POST", b + "/{flow_id}/draft", false, (*Server).handleDraft},
		{"PATCH", b + "/{flow_id}/trigger", false, (*Server).handleTrigger},
		{"POST", b + "/{flow_id}/import", false, (*Server).handleImport},
		{"POST", b + "/{flow_id}/action", false, (*Server).handleAddAction},
		{"PATCH", b + "/{flow_id}/action", false, (*Server).handleUpdateAction},
		{"DELETE", b + "/{flow_id}/action/{action_name}", false, (*Server).handleDeleteAction},
		{"POST", b + "/{flow_id}/action/move", false, (*Server).handleMoveAction},
		{"POST", b + "/{flow_id}/branch", false, (*Server).handleAddBranch},
		{"DELETE", b + "/{flow_id}/branch", false, (*Server).handleDeleteBranch},
		{"POST", b + "/{flow_id}/branch/duplicate", false, (*Server).handleDuplicateBranch},
		{"POST", b + "/{flow_id}/branch/move", false, (*Server).handleMoveBranch},
		{"POST", b + "/{flow_id}/steps/{step_name}/test", false, (*Server).handleStepTest},
		{"POST", b + "/{flow_id}/trigger/test", false, (*Server).handleTriggerTest},
		{"GET", b + "/{flow_id}/steps/{step_name}/sample-data", false, (*Server).handleGetSampleData},
		{"POST", b + "/{flow_id}/steps/{step_name}/sample-data", false, (*Server).handleSaveSampleData},
		{"GET", b + "/{flow_id}/executions", false, (*Server).handleListExecutions},
		{"GET", b + "/executions/{run_id}", false, (*Server).handleGetExecution},
		{"POST", b + "/{flow_id}/test", false, (*Server).handleFlowTest},
		{"POST", "/v1/agent/", false, (*Server).handleCreateAgent},
		{"GET", "/v1/agent/", false, (*Server).handleListAgents},
		{"GET", "/v1/agent/{agent_id}", false, (*Server).handleGetAgent},
		{"PATCH", "/v1/agent/{agent_id}", false, (*Server).handleUpdateAgent},
		{"DELETE", "/v1/agent/{agent_id}", false, (*Server).handleDeleteAgent},
		{"POST", "/v1/agent/{agent_id}/version", false, (*Server).handleLaunchVersion},
		{"GET", "/v1/agent/{agent_id}/version", false, (*Server).handleListVersions},
		{"PATCH", "/v1/agent/{agent_id}/published_version", false, (*Server).handlePublishVersion},
		{"GET", "/v1/phone/", false, (*Server).handleListPhones},
	}
	out := make([]*route, len(defs))
	for i, d := range defs {
		out[i] = &route{method: d.method, pattern: d.pattern, segs: strings.Split(d.pattern, "/"), public: d.public, handle: d.handle}
	}
	return out
}

// matchRoute returns the first route matching path and method, or else the
// first route matching the path only (partial). method "" matches nothing
// fully, which is what the redirect probe needs.
func matchRoute(method, path string) (full *route, params map[string]string, partial *route) {
	segs := strings.Split(path, "/")
	for _, rt := range routes {
		p, ok := rt.match(segs)
		if !ok {
			continue
		}
		if rt.method == method {
			return rt, p, nil
		}
		if partial == nil {
			partial = rt
		}
	}
	return nil, nil, partial
}

// errorEnvelope is Diga's ErrorResponseSchema.
type errorEnvelope struct {
	Status    string `json:"status"`
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, errorEnvelope{Status: "error", ErrorCode: code, Message: message})
}

// marshalJSON encodes like Starlette's JSONResponse: compact, no HTML escaping.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshalJSON(v)
	if err != nil {
		writeRaw(w, http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Internal Server Error"))
		return
	}
	writeRaw(w, status, "application/json", b)
}

func writeRaw(w http.ResponseWriter, status int, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// orderedObject is a JSON object whose keys keep their insertion order, used
// where pydantic would emit model fields in declaration order.
type orderedObject []field

type field struct {
	key   string
	value any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := marshalJSON(f.key)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		v, err := marshalJSON(f.value)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
