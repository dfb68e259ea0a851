package emulator

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// Voice agents, their versions and the flows assigned to them; see doc.go,
// "Agents and phones".

// agent is one voice agent of a project: its draft, the versions launched
// from it and the published one.
type agent struct {
	id      string
	seq     int64
	created time.Time
	draft   *agentVersion
	// versions in launch order; numbers never repeat.
	versions   []*agentVersion
	lastNumber int64
	published  string // version id, "" when none
}

// agentVersion is the draft or one launched version: the agent's fields as
// answers show them (voice as an object) and the ids of its flows.
type agentVersion struct {
	id       string
	name     any // version_name: a string or nil
	number   int64
	created  time.Time
	modified time.Time
	fields   map[string]any
	flowIDs  []string
}

func (v *agentVersion) copyAs(id string, number int64, name any, now time.Time) *agentVersion {
	return &agentVersion{
		id: id, name: name, number: number, created: now, modified: now,
		fields:  copyTree(v.fields),
		flowIDs: slices.Clone(v.flowIDs),
	}
}

// AgentFlowMode is what the emulator does with flow_ids naming flows that
// exist but could not run for an agent (unpublished, disabled, or without
// a Diga trigger): Diga's docs only say flows must be published and enabled
// before they are assigned.
type AgentFlowMode int

const (
	// AgentFlowsAccepted stores any existing flow as given (the default).
	AgentFlowsAccepted AgentFlowMode = iota
	// AgentFlowsChecked refuses such a flow with 400 FLOW_NOT_ASSIGNABLE
	// naming it and why.
	AgentFlowsChecked
)

var agentFlowModeNames = []string{AgentFlowsAccepted: "accepted", AgentFlowsChecked: "checked"}

// AgentFlowModeNames lists the names ParseAgentFlowMode accepts, default first.
func AgentFlowModeNames() []string { return append([]string(nil), agentFlowModeNames...) }

func (m AgentFlowMode) String() string {
	if m >= 0 && int(m) < len(agentFlowModeNames) {
		return agentFlowModeNames[m]
	}
	return fmt.Sprintf("AgentFlowMode(%d)", int(m))
}

// ParseAgentFlowMode reads an agent flow mode name, case-insensitively.
func ParseAgentFlowMode(s string) (AgentFlowMode, error) {
	for i, n := range agentFlowModeNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return AgentFlowMode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown agent flow mode %q (want %s)", s, strings.Join(agentFlowModeNames, ", "))
}

// WithAgentFlowMode chooses how flow_ids are checked. An unknown value panics.
func WithAgentFlowMode(m AgentFlowMode) Option {
	if m < 0 || int(m) >= len(agentFlowModeNames) {
		panic("emulator: WithAgentFlowMode: " + m.String())
	}
	return func(s *Server) { s.agentFlowMode = m }
}

// newUUIDLocked returns a fresh random (version 4) UUID, never handed out
// before by this server.
func (s *Server) newUUIDLocked() string {
	for {
		var b [16]byte
		for i := range b {
			b[i] = byte(rand.IntN(256))
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		h := fmt.Sprintf("%x", b[:])
		id := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		if _, taken := s.issued[id]; !taken {
			s.issued[id] = struct{}{}
			return id
		}
	}
}

func (p *project) agentMap() map[string]*agent {
	if p.agents == nil {
		p.agents = map[string]*agent{}
	}
	return p.agents
}

func (s *Server) createAgentLocked(key string, fieldValues map[string]any, flowIDs []string) *agent {
	p := s.projectLocked(key)
	s.seq++
	now := s.clock()
	fv := defaultAgentFields()
	for k, v := range fieldValues {
		fv[k] = v
	}
	a := &agent{id: s.newUUIDLocked(), seq: s.seq, created: now}
	a.draft = &agentVersion{id: s.newUUIDLocked(), created: now, modified: now, fields: fv, flowIDs: append([]string{}, flowIDs...)}
	p.agentMap()[a.id] = a
	if p.agentCursors == nil {
		p.agentCursors = map[string]int64{}
	}
	p.agentCursors[a.id] = a.seq
	return a
}

func (s *Server) lookupAgentLocked(key, id string) *agent {
	p := s.projects[key]
	if p == nil {
		return nil
	}
	return p.agents[id]
}

func (a *agent) version(id string) *agentVersion {
	if a.draft.id == id {
		return a.draft
	}
	for _, v := range a.versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

func (s *Server) launchLocked(a *agent, name any) *agentVersion {
	a.lastNumber++
	v := a.draft.copyAs(s.newUUIDLocked(), a.lastNumber, name, s.clock())
	a.versions = append(a.versions, v)
	return v
}

// forgetFlowInAgentsLocked removes a deleted flow from the draft and every
// version of every agent of the project (published ones included).
func (s *Server) forgetFlowInAgentsLocked(key, flowID string) {
	p := s.projects[key]
	if p == nil {
		return
	}
	for _, a := range p.agents {
		for _, v := range append([]*agentVersion{a.draft}, a.versions...) {
			v.flowIDs = slices.DeleteFunc(v.flowIDs, func(id string) bool { return id == flowID })
		}
	}
}

// agentBody renders AgentResponseSchema for version v of a, fields in model
// order; flows are read from the flow store now.
func (s *Server) agentBody(key string, a *agent, v *agentVersion) orderedObject {
	draft := v == a.draft
	o := orderedObject{
		{"agent_id", a.id},
		{"modified_at", formatTime(v.modified)},
		{"created_at", formatTime(a.created)},
		{"version_id", v.id},
		{"version_name", v.name},
		{"version_number", v.number},
		{"version_created_at", formatTime(v.created)},
		{"is_draft", draft},
		{"is_published", !draft && a.published == v.id},
	}
	for _, spec := range agentFieldSpecs {
		o = append(o, field{spec.name, v.fields[spec.name]})
		if spec.name == "background_audio" {
			o = append(o, field{"flows", s.flowInfosLocked(key, v.flowIDs)}, field{"source_template_id", nil})
		}
	}
	var issues any
	if draft {
		issues = []any{}
	}
	return append(o, field{"validation_issues", issues})
}

// flowInfosLocked renders FlowInfoResponse items for flow ids.
func (s *Server) flowInfosLocked(key string, ids []string) []any {
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		var name, status any
		if f := s.lookupLocked(key, id); f != nil {
			name, status = f.name, f.status
		}
		out = append(out, orderedObject{
			{"id", id},
			{"name", name},
			{"requires_setup", false},
			{"source_flow_template_id", nil},
			{"status", status},
			{"produced_variables", []string{}},
			{"consumed_variables", []string{}},
		})
	}
	return out
}

// ---- handlers ----------------------------------------------------------------

func agentNotFound(c *call, id string) {
	writeError(c.w, http.StatusNotFound, "AGENT_NOT_FOUND", "Agent "+id+" not found")
}

// agentLocked returns the agent id of the caller's project, or answers 404
// and returns nil.
func (s *Server) agentLocked(c *call, id string) *agent {
	a := s.lookupAgentLocked(c.key, id)
	if a == nil {
		agentNotFound(c, id)
	}
	return a
}

// pathUUID validates a path parameter declared as a UUID (422 otherwise).
func pathUUID(c *call, name string, errs *[]validationError) string {
	raw := c.params[name]
	id, ok := uuidOf(raw)
	if !ok {
		*errs = append(*errs, uuidError([]any{"path", name}, raw))
	}
	return id
}

func queryValue(r *http.Request, name string) (string, bool) {
	v := r.URL.Query()[name]
	if len(v) == 0 {
		return "", false
	}
	return v[len(v)-1], true
}

func queryUUID(r *http.Request, name string, errs *[]validationError) *string {
	raw, ok := queryValue(r, name)
	if !ok {
		return nil
	}
	id, valid := uuidOf(raw)
	if !valid {
		*errs = append(*errs, uuidError([]any{"query", name}, raw))
		return nil
	}
	return &id
}

// GET /v1/agent/{agent_id} — the draft; ?version_id= a version (the
// draft's own id included); ?is_published=true the published version.
func (s *Server) handleGetAgent(c *call) {
	var errs []validationError
	id := pathUUID(c, "agent_id", &errs)
	versionID := queryUUID(c.r, "version_id", &errs)
	published := false
	if raw, ok := queryValue(c.r, "is_published"); ok {
		published, _ = queryBool([]any{"query", "is_published"}, raw, &errs)
	}
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	if versionID != nil && published {
		writeError(c.w, http.StatusBadRequest, "BAD_PARAMETER", "Cannot specify both version_id and is_published parameters together")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agentLocked(c, id)
	if a == nil {
		return
	}
	v := a.draft
	switch {
	case versionID != nil:
		if v = a.version(*versionID); v == nil {
			writeError(c.w, http.StatusNotFound, "AGENT_VERSION_NOT_FOUND", "Version "+*versionID+" of agent "+id+" not found")
			return
		}
	case published:
		if v = a.version(a.published); a.published == "" || v == nil {
			writeError(c.w, http.StatusNotFound, "PUBLISHED_VERSION_NOT_FOUND", "Agent "+id+" has no published version")
			return
		}
	}
	s.writeAgentLocked(c, http.StatusOK, a, v)
}

func (s *Server) writeAgentLocked(c *call, status int, a *agent, v *agentVersion) {
	body, err := marshalJSON(s.agentBody(c.key, a, v))
	if err != nil {
		writeInternalError(c.w)
		return
	}
	writeRaw(c.w, status, "application/json", body)
}

// checkFlowsLocked checks flow_ids against the project's flows: an unknown
// id is a 422 naming it; under AgentFlowsChecked a flow that could not run
// for an agent is a 400 naming it. It returns false after answering.
func (s *Server) checkFlowsLocked(c *call, up agentUpdate) bool {
	var errs []validationError
	for i, id := range up.flowIDs {
		if s.lookupLocked(c.key, id) == nil {
			errs = append(errs, validationError{
				Type: "value_error", Loc: []any{"body", "flow_ids", up.flowLocs[i]},
				Msg: "Value error, Flow " + id + " not found", Input: id,
				Ctx: map[string]any{"error": "Flow " + id + " not found"},
			})
		}
	}
	if len(errs) > 0 {
		write422(c.w, errs)
		return false
	}
	if s.agentFlowMode != AgentFlowsChecked {
		return true
	}
	for _, id := range up.flowIDs {
		f := s.lookupLocked(c.key, id)
		var why string
		switch {
		case f.published == nil:
			why = "it is not published"
		case f.status != statusEnabled:
			why = "it is not enabled"
		case !isDigaTrigger(f.published.trigger):
			why = "its published version has no Diga trigger (@diga/piece-diga)"
		default:
			continue
		}
		writeError(c.w, http.StatusBadRequest, "FLOW_NOT_ASSIGNABLE", "Flow "+id+" cannot be assigned to an agent: "+why)
		return false
	}
	return true
}

// POST /v1/agent/ — AgentRequest (voice_id and language required) → 201,
// the draft. Unless ?is_draft=true, version 1 is launched from it too
// (named version_name).
func (s *Server) handleCreateAgent(c *call) {
	var errs []validationError
	isDraft := false
	if raw, ok := queryValue(c.r, "is_draft"); ok {
		isDraft, _ = queryBool([]any{"query", "is_draft"}, raw, &errs)
	}
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	f := fields{obj: obj, loc: []any{"body"}, errs: &errs}
	f.get("voice_id")
	f.get("language")
	up := validateAgentFields(obj, &errs)
	f.optStr("version_name")
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if mode, _ := up.fields["mode"].(string); mode == "path" && up.flowIDs != nil && len(up.flowIDs) > 0 {
		writeError(c.w, http.StatusBadRequest, "BAD_PARAMETER", "Agents in mode path get their flows from the conversational path, not flow_ids")
		return
	}
	if !s.checkFlowsLocked(c, up) {
		return
	}
	a := s.createAgentLocked(c.key, up.fields, up.flowIDs)
	if !isDraft {
		s.launchLocked(a, obj["version_name"])
	}
	s.writeAgentLocked(c, http.StatusCreated, a, a.draft)
}

// PATCH /v1/agent/{agent_id} — AgentUpdateRequest: the given fields of the
// draft change, the others stay; flow_ids replaces every assignment.
func (s *Server) handleUpdateAgent(c *call) {
	var errs []validationError
	id := pathUUID(c, "agent_id", &errs)
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	up := validateAgentFields(obj, &errs)
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agentLocked(c, id)
	if a == nil {
		return
	}
	mode, _ := a.draft.fields["mode"].(string)
	if m, ok := up.fields["mode"].(string); ok {
		mode = m
	}
	if mode == "path" && up.flowIDs != nil {
		writeError(c.w, http.StatusBadRequest, "BAD_PARAMETER",
			"Agent "+id+" is in mode path: its flows are assigned in the conversational path's nodes, not with flow_ids")
		return
	}
	if !s.checkFlowsLocked(c, up) {
		return
	}
	for k, v := range up.fields {
		a.draft.fields[k] = v
	}
	if up.flowIDs != nil {
		a.draft.flowIDs = up.flowIDs
	}
	a.draft.modified = s.clock()
	s.writeAgentLocked(c, http.StatusOK, a, a.draft)
}

// DELETE /v1/agent/{agent_id} — 204; 409 while a version is published.
func (s *Server) handleDeleteAgent(c *call) {
	var errs []validationError
	id := pathUUID(c, "agent_id", &errs)
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.lookupAgentLocked(c.key, id)
	switch {
	case a == nil:
		agentNotFound(c, id)
		return
	case a.published != "":
		writeError(c.w, http.StatusConflict, "PUBLISHED_AGENT_VERSION_DELETION", "Cannot delete agent "+id+" with published versions")
		return
	}
	p := s.projects[c.key]
	delete(p.agents, id)
	for _, ph := range p.phones {
		if ph.inbound == id {
			ph.inbound = ""
		}
		if ph.outbound == id {
			ph.outbound = ""
		}
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// POST /v1/agent/{agent_id}/version — LaunchVersionRequest → 201, the new
// version: a copy of the draft's fields and flows, numbered after every
// version the agent ever had.
func (s *Server) handleLaunchVersion(c *call) {
	var errs []validationError
	id := pathUUID(c, "agent_id", &errs)
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	fields{obj: obj, loc: []any{"body"}, errs: &errs}.optStr("version_name")
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agentLocked(c, id)
	if a == nil {
		return
	}
	v := s.launchLocked(a, obj["version_name"])
	s.writeAgentLocked(c, http.StatusCreated, a, v)
}

// agentListQuery is the query of the agent and version lists.
type agentListQuery struct {
	after, before *string
	page          *big.Int
	limit         int
	asc           bool
	mode          *string
	published     bool
}

// parseAgentListQuery validates after/before/page/limit/order (shared with
// the phone list, whose default limit is 20) and, with agentFilters, mode
// and is_published. Both cursors at once is the documented 422 envelope;
// it reports false after answering.
func parseAgentListQuery(c *call, defLimit int, agentFilters bool) (agentListQuery, []validationError, bool) {
	q := agentListQuery{limit: defLimit}
	var errs []validationError
	loc := func(name string) []any { return []any{"query", name} }
	one, limitMin, limitMax := int64(1), int64(1), int64(100)
	q.after = queryUUID(c.r, "after", &errs)
	q.before = queryUUID(c.r, "before", &errs)
	if v, ok := queryValue(c.r, "page"); ok {
		if n, ok := queryInt(loc("page"), v, &one, nil, &errs); ok {
			q.page = n
		}
	}
	if v, ok := queryValue(c.r, "limit"); ok {
		if n, ok := queryInt(loc("limit"), v, &limitMin, &limitMax, &errs); ok {
			q.limit = int(n.Int64())
		}
	}
	if v, ok := queryValue(c.r, "order"); ok {
		if queryLiteral(loc("order"), v, []string{"asc", "desc"}, &errs) {
			q.asc = v == "asc"
		}
	}
	if agentFilters {
		if v, ok := queryValue(c.r, "mode"); ok {
			if m, ok := queryEnum(loc("mode"), v, agentModes, &errs); ok {
				q.mode = &m
			}
		}
		if v, ok := queryValue(c.r, "is_published"); ok {
			q.published, _ = queryBool(loc("is_published"), v, &errs)
		}
	}
	if len(errs) == 0 && q.after != nil && q.before != nil {
		writeError(c.w, http.StatusUnprocessableEntity, "INVALID_PAGINATION_PARAMETERS",
			"Cannot use both 'before' and 'after' pagination parameters together")
		return q, nil, false
	}
	return q, errs, true
}

// paginate pages items (already in answer order) by cursor or page number;
// seq gives each item's position, cursors the position of every id ever
// listed (a cursor naming a deleted item still works).
func paginate[T any](items []T, q agentListQuery, seq func(T) int64, cursor func(string) (int64, bool)) listPage[T] {
	before := func(x, y int64) bool { // x comes before y in answer order
		if q.asc {
			return x < y
		}
		return x > y
	}
	switch {
	case q.after != nil:
		if cur, ok := cursor(*q.after); ok {
			return pageAfter(items, q.limit, func(it T) bool { return before(cur, seq(it)) })
		}
		return listPage[T]{}
	case q.before != nil:
		if cur, ok := cursor(*q.before); ok {
			return pageBefore(items, q.limit, func(it T) bool { return !before(seq(it), cur) })
		}
		return listPage[T]{}
	}
	return pageNumber(items, q.limit, q.page)
}

func sortBySeq[T any](items []T, seq func(T) int64, asc bool) {
	sort.Slice(items, func(i, j int) bool {
		if asc {
			return seq(items[i]) < seq(items[j])
		}
		return seq(items[i]) > seq(items[j])
	})
}

// GET /v1/agent/ — PaginatedResponse[AgentResponseSchema]: every agent's
// draft, or with is_published=true the published version of every agent
// that has one; mode filters on the draft's (or published version's) mode.
func (s *Server) handleListAgents(c *call) {
	q, errs, ok := parseAgentListQuery(c, 10, true)
	if !ok {
		return
	}
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectLocked(c.key)
	type row struct {
		a *agent
		v *agentVersion
	}
	var rows []row
	for _, a := range p.agents {
		v := a.draft
		if q.published {
			if v = a.version(a.published); a.published == "" || v == nil {
				continue
			}
		}
		if q.mode != nil && v.fields["mode"] != *q.mode {
			continue
		}
		rows = append(rows, row{a, v})
	}
	seq := func(r row) int64 { return r.a.seq }
	sortBySeq(rows, seq, q.asc)
	lp := paginate(rows, q, seq, func(id string) (int64, bool) { n, ok := p.agentCursors[id]; return n, ok })
	s.writeListLocked(c, lp.envelope(func(r row) string { return r.a.id }, func(r row) any { return s.agentBody(c.key, r.a, r.v) }))
}

// GET /v1/agent/{agent_id}/version — the launched versions (not the
// draft), newest first by default; mode and is_published filter them.
func (s *Server) handleListVersions(c *call) {
	var pathErrs []validationError
	id := pathUUID(c, "agent_id", &pathErrs)
	q, errs, ok := parseAgentListQuery(c, 10, true)
	if !ok {
		return
	}
	if errs = append(pathErrs, errs...); len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agentLocked(c, id)
	if a == nil {
		return
	}
	var vs []*agentVersion
	for _, v := range a.versions {
		if q.published && a.published != v.id {
			continue
		}
		if q.mode != nil && v.fields["mode"] != *q.mode {
			continue
		}
		vs = append(vs, v)
	}
	seq := func(v *agentVersion) int64 { return v.number }
	sortBySeq(vs, seq, q.asc)
	lp := paginate(vs, q, seq, func(vid string) (int64, bool) {
		if v := a.version(vid); v != nil && v != a.draft {
			return v.number, true
		}
		return 0, false
	})
	s.writeListLocked(c, lp.envelope(func(v *agentVersion) string { return v.id }, func(v *agentVersion) any { return s.agentBody(c.key, a, v) }))
}

func (s *Server) writeListLocked(c *call, body orderedObject) {
	b, err := marshalJSON(body)
	if err != nil {
		writeInternalError(c.w)
		return
	}
	writeRaw(c.w, http.StatusOK, "application/json", b)
}

// PATCH /v1/agent/{agent_id}/published_version — PublishAgentRequest:
// version_id (a launched version of the agent) becomes the published one,
// absent or null unpublishes; a given inbound (outbound) phone id makes
// that phone answer (call from) this agent.
func (s *Server) handlePublishVersion(c *call) {
	var errs []validationError
	id := pathUUID(c, "agent_id", &errs)
	obj, ok := decodeBody(c)
	if !ok {
		return
	}
	ids := map[string]*string{}
	for _, name := range []string{"version_id", "outbound_phone_number_id", "inbound_phone_number_id"} {
		v, present := obj[name]
		if !present || v == nil {
			continue
		}
		s, _ := v.(string)
		u, valid := uuidOf(s)
		if !valid {
			errs = append(errs, uuidError([]any{"body", name}, v))
			continue
		}
		ids[name] = &u
	}
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agentLocked(c, id)
	if a == nil {
		return
	}
	p := s.projects[c.key]
	versionID := ids["version_id"]
	if versionID != nil {
		v := a.version(*versionID)
		switch {
		case v == nil:
			writeError(c.w, http.StatusNotFound, "AGENT_VERSION_NOT_FOUND", "Version "+*versionID+" of agent "+id+" not found")
			return
		case v == a.draft:
			writeError(c.w, http.StatusBadRequest, "BAD_PARAMETER", "Version "+*versionID+" is the draft of agent "+id+": launch a version to publish")
			return
		case len(p.phones) == 0:
			writeError(c.w, http.StatusBadRequest, "BAD_PARAMETER", "Publishing an agent needs a phone number in the project")
			return
		}
	}
	for _, name := range []string{"inbound_phone_number_id", "outbound_phone_number_id"} {
		if pid := ids[name]; pid != nil && p.phones[*pid] == nil {
			writeError(c.w, http.StatusBadRequest, "BAD_PARAMETER", "Phone number "+*pid+" not found")
			return
		}
	}
	if versionID != nil {
		a.published = *versionID
	} else {
		a.published = ""
	}
	for _, name := range []string{"inbound_phone_number_id", "outbound_phone_number_id"} {
		if pid := ids[name]; pid != nil {
			ph := p.phones[*pid]
			if name == "inbound_phone_number_id" {
				ph.inbound = id
			} else {
				ph.outbound = id
			}
		}
	}
	var pub, in, out any
	if versionID != nil {
		pub = *versionID
	}
	if v := ids["inbound_phone_number_id"]; v != nil {
		in = *v
	}
	if v := ids["outbound_phone_number_id"]; v != nil {
		out = *v
	}
	s.writeListLocked(c, orderedObject{
		{"agent_id", id},
		{"published_version_id", pub},
		{"outbound_phone_number_id", out},
		{"inbound_phone_number_id", in},
	})
}

// ---- out-of-band helpers (the dashboard; not API requests) -------------------

// AgentSeed describes an agent AddAgent makes. Zero fields get the
// defaults of a new agent (mode free, language es, empty prompt, the
// default voice).
type AgentSeed struct {
	Name, Mode, Prompt, Greeting, Language string
	// FlowIDs are assigned to the draft as given (not checked).
	FlowIDs []string
}

// AddAgent creates an agent with a draft (no version) in apiKey's project
// as if a user made it in Diga's dashboard, and returns its id.
func (s *Server) AddAgent(apiKey string, seed AgentSeed) string {
	fv := map[string]any{}
	if seed.Name != "" {
		fv["name"] = seed.Name
	}
	for k, v := range map[string]string{"mode": seed.Mode, "prompt": seed.Prompt, "greeting": seed.Greeting, "language": seed.Language} {
		if v != "" {
			fv[k] = v
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createAgentLocked(apiKey, fv, seed.FlowIDs).id
}

// EditAgentDraft changes the draft's fields as a user editing it in the
// dashboard would. edit receives a copy of the fields keyed as answers show
// them ("name", "prompt", "voice" (an object), …; numbers json.Number; not
// flows, see AssignAgentFlows) and may change it in place; it runs without
// the server's lock. The result is stored without validation (through a
// JSON round trip) and modified_at is bumped. It reports false when the
// project has no such agent.
func (s *Server) EditAgentDraft(apiKey, agentID string, edit func(fields map[string]any)) bool {
	s.mu.Lock()
	a := s.lookupAgentLocked(apiKey, agentID)
	if a == nil {
		s.mu.Unlock()
		return false
	}
	fv := copyTree(a.draft.fields)
	s.mu.Unlock()
	if edit != nil {
		edit(fv)
	}
	fv = mustJSONTree(fv)
	s.mu.Lock()
	defer s.mu.Unlock()
	if a = s.lookupAgentLocked(apiKey, agentID); a == nil {
		return false
	}
	a.draft.fields = fv
	a.draft.modified = s.clock()
	return true
}

// AssignAgentFlows replaces the draft's flows as the dashboard would (no
// check of the ids). It reports false when the project has no such agent.
func (s *Server) AssignAgentFlows(apiKey, agentID string, flowIDs []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.lookupAgentLocked(apiKey, agentID)
	if a == nil {
		return false
	}
	a.draft.flowIDs = append([]string{}, flowIDs...)
	a.draft.modified = s.clock()
	return true
}

// LaunchVersion launches a version from the draft as the dashboard would
// and returns its id; versionName "" leaves version_name null.
func (s *Server) LaunchVersion(apiKey, agentID, versionName string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.lookupAgentLocked(apiKey, agentID)
	if a == nil {
		return "", false
	}
	var name any
	if versionName != "" {
		name = versionName
	}
	return s.launchLocked(a, name).id, true
}

// PublishVersion publishes one of the agent's launched versions ("" for
// none: unpublish) as the dashboard would; phones are not touched. It
// reports false when the agent or the version does not exist.
func (s *Server) PublishVersion(apiKey, agentID, versionID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.lookupAgentLocked(apiKey, agentID)
	if a == nil {
		return false
	}
	if versionID != "" {
		if v := a.version(versionID); v == nil || v == a.draft {
			return false
		}
	}
	a.published = versionID
	return true
}

// LaunchAndPublish is a dashboard release: LaunchVersion, then
// PublishVersion of it. It returns the new version's id.
func (s *Server) LaunchAndPublish(apiKey, agentID, versionName string) (string, bool) {
	id, ok := s.LaunchVersion(apiKey, agentID, versionName)
	if !ok {
		return "", false
	}
	return id, s.PublishVersion(apiKey, agentID, id)
}

// AgentVersion is a snapshot of an agent's draft or one launched version.
type AgentVersion struct {
	ID string
	// Name is version_name ("" when null); Number 0 for the draft.
	Name    string
	Number  int64
	FlowIDs []string
	// Fields are the agent's fields as answers show them (a copy).
	Fields map[string]any
}

// Agent is a snapshot of one agent, for tests.
type Agent struct {
	ID    string
	Draft AgentVersion
	// Versions in launch order.
	Versions []AgentVersion
	// PublishedVersionID is "" when no version is published.
	PublishedVersionID string
}

func snapshotVersion(v *agentVersion) AgentVersion {
	name, _ := v.name.(string)
	return AgentVersion{ID: v.id, Name: name, Number: v.number, FlowIDs: append([]string{}, v.flowIDs...), Fields: jsonCopy(v.fields)}
}

// Agent returns a snapshot of one agent of apiKey's project.
func (s *Server) Agent(apiKey, id string) (Agent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.lookupAgentLocked(apiKey, id)
	if a == nil {
		return Agent{}, false
	}
	out := Agent{ID: a.id, Draft: snapshotVersion(a.draft), PublishedVersionID: a.published}
	for _, v := range a.versions {
		out.Versions = append(out.Versions, snapshotVersion(v))
	}
	return out, true
}
