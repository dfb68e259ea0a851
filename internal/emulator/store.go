package emulator

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"
)

// project holds the flows of one API key.
type project struct {
	flows map[string]*flow
	// cursors remembers the creation sequence of every flow ever created in
	// the project, deleted ones included, so a deleted flow's id still works
	// as an after/before cursor.
	cursors map[string]int64
	tests   *testState // created on first use (runs.go)
	// agents and phones (agents.go, phones.go); agentCursors like cursors.
	agents       map[string]*agent
	agentCursors map[string]int64
	phones       map[string]*phone
}

type flow struct {
	id        string
	seq       int64
	name      string // draft name
	status    string
	created   time.Time
	updated   time.Time
	trigger   map[string]any // draft trigger tree, stored form
	published *flowVersion
}

type flowVersion struct {
	name    string
	trigger map[string]any
}

const (
	statusEnabled  = "ENABLED"
	statusDisabled = "DISABLED"
)

var flowStatuses = []string{statusEnabled, statusDisabled}

// Flow is a snapshot of one emulated flow, for tests and inspection.
type Flow struct {
	ID, Name, Status, Category string
	Created, Updated           time.Time
	Published                  bool           // has a published version
	Trigger                    map[string]any // draft trigger tree (deep copy)
	PublishedTrigger           map[string]any // nil if never published
	PublishedName              string         // name of the published version ("" if never published)
}

func (s *Server) projectLocked(key string) *project {
	p := s.projects[key]
	if p == nil {
		p = &project{flows: map[string]*flow{}, cursors: map[string]int64{}}
		s.projects[key] = p
	}
	return p
}

// clock returns the current time the way pydantic would render it: UTC,
// microsecond precision.
func (s *Server) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newIDLocked returns a fresh 21-character alphanumeric id (Activepieces style),
// unique across all projects and never reused.
func (s *Server) newIDLocked() string {
	for {
		b := make([]byte, 21)
		for i := range b {
			b[i] = idAlphabet[rand.IntN(len(idAlphabet))]
		}
		id := string(b)
		if _, taken := s.issued[id]; !taken {
			s.issued[id] = struct{}{}
			return id
		}
	}
}

func (s *Server) createFlowLocked(key, name string) *flow {
	p := s.projectLocked(key)
	s.seq++
	now := s.clock()
	f := &flow{
		id:      s.newIDLocked(),
		seq:     s.seq,
		name:    name,
		status:  statusDisabled,
		created: now,
		updated: now,
		trigger: defaultTrigger(),
	}
	p.flows[f.id] = f
	p.cursors[f.id] = f.seq
	return f
}

func (s *Server) lookupLocked(key, id string) *flow {
	p := s.projects[key]
	if p == nil {
		return nil
	}
	return p.flows[id]
}

func (s *Server) touchLocked(f *flow) {
	f.updated = s.clock()
}

// sortedFlows returns the project's flows newest first.
func (p *project) sortedFlows() []*flow {
	out := make([]*flow, 0, len(p.flows))
	for _, f := range p.flows {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq > out[j].seq })
	return out
}

// formatTime renders t like pydantic v2 renders an aware UTC datetime:
// microseconds only when non-zero, "Z" suffix.
func formatTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}

// flowBody renders FlowAllResponse, fields in model order.
func (s *Server) flowBody(f *flow, sparse bool) orderedObject {
	o := orderedObject{
		{"id", f.id},
		{"name", f.name},
		{"created", formatTime(f.created)},
		{"updated", formatTime(f.updated)},
	}
	if !sparse {
		o = append(o, field{"status", f.status}, field{"flow_category", flowCategory(f.trigger)})
	}
	var trig any = f.trigger
	switch s.responseMode {
	case ResponseDeclared:
		trig = projector{}.trigger(f.trigger)
	case ResponseDeclaredNoLoopBodies:
		trig = projector{noLoopBodies: true}.trigger(f.trigger)
	}
	return append(o,
		field{"trigger", trig},
		field{"produced_variables", []string{}},
		field{"consumed_variables", []string{}},
	)
}

// flowJSONLocked encodes the flow while the lock is held, so the stored maps
// are never read concurrently with a writer.
func (s *Server) flowJSONLocked(f *flow, sparse bool) ([]byte, error) {
	return marshalJSON(s.flowBody(f, sparse))
}

// snapshotLocked copies a flow for the inspection helpers. Trigger trees are
// copied through JSON, so numbers appear as float64 exactly as they would
// after json.Unmarshal of a GET response.
func (s *Server) snapshotLocked(f *flow) Flow {
	out := Flow{
		ID:        f.id,
		Name:      f.name,
		Status:    f.status,
		Category:  flowCategory(f.trigger),
		Created:   f.created,
		Updated:   f.updated,
		Published: f.published != nil,
		Trigger:   jsonCopy(f.trigger),
	}
	if f.published != nil {
		out.PublishedTrigger = jsonCopy(f.published.trigger)
		out.PublishedName = f.published.name
	}
	return out
}

func jsonCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil
	}
	return out
}

// deepCopyJSON copies a decoded JSON value (maps, slices, scalars).
func deepCopyJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopyJSON(x)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = deepCopyJSON(x)
		}
		return l
	default:
		return v
	}
}

func copyTree(m map[string]any) map[string]any {
	c, _ := deepCopyJSON(m).(map[string]any)
	return c
}

// ---- out-of-band helpers (not API requests, not recorded) ----------------

// Flows returns snapshots of the flows of apiKey's project, newest first.
func (s *Server) Flows(apiKey string) []Flow {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projects[apiKey]
	if p == nil {
		return nil
	}
	var out []Flow
	for _, f := range p.sortedFlows() {
		out = append(out, s.snapshotLocked(f))
	}
	return out
}

// Flow returns a snapshot of one flow of apiKey's project.
func (s *Server) Flow(apiKey, id string) (Flow, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.lookupLocked(apiKey, id)
	if f == nil {
		return Flow{}, false
	}
	return s.snapshotLocked(f), true
}

// DeleteFlow deletes a flow as if a user deleted it in Diga's UI.
func (s *Server) DeleteFlow(apiKey, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookupLocked(apiKey, id) == nil {
		return false
	}
	delete(s.projects[apiKey].flows, id)
	s.forgetSamplesLocked(apiKey, id)
	s.forgetFlowInAgentsLocked(apiKey, id)
	return true
}

// RenameFlow renames a flow's draft as if a user renamed it in Diga's UI.
func (s *Server) RenameFlow(apiKey, id, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.lookupLocked(apiKey, id)
	if f == nil {
		return false
	}
	f.name = name
	s.touchLocked(f)
	return true
}

// EditFlow changes a flow's draft trigger tree as if a user edited it in
// Diga's UI. edit receives a deep copy of the stored tree (numbers are
// json.Number, so they survive exactly) and may change it in place; it runs
// without the server's lock held, so it may call other methods of s. The
// result goes through a JSON round trip (edit may use any encodable Go
// values; an unencodable tree panics), is stored as the draft without
// validation and without dropping anything (a loop body may be edited in
// firstLoopAction or children in every mode), normalized like a step
// operation's result (ImportLenient: the server-owned keys an import adds,
// valid recomputed, skip, nextAction, settings defaults, trigger name;
// ImportEngine: valid and lastUpdatedDate of the nodes the edit changed, a
// valid the edit itself changed honoured), and updated is bumped;
// flow_category follows from the new tree. A nil edit only re-normalizes and
// bumps updated. EditFlow reports false, changing nothing, when apiKey's
// project has no flow id (also when the flow was deleted while edit ran).
func (s *Server) EditFlow(apiKey, id string, edit func(trigger map[string]any)) bool {
	s.mu.Lock()
	f := s.lookupLocked(apiKey, id)
	if f == nil {
		s.mu.Unlock()
		return false
	}
	tree := copyTree(f.trigger)
	s.mu.Unlock()
	if edit != nil {
		edit(tree)
	}
	tree = mustJSONTree(tree)
	s.mu.Lock()
	defer s.mu.Unlock()
	f = s.lookupLocked(apiKey, id)
	if f == nil {
		return false
	}
	s.storeTreeLocked(f, tree)
	return true
}

// mustJSONTree re-decodes an edited tree as JSON (objects map[string]any,
// arrays []any, numbers json.Number), the shape every stored tree has.
func mustJSONTree(tree map[string]any) map[string]any {
	b, err := json.Marshal(tree)
	if err != nil {
		panic("emulator: EditFlow: the edited trigger tree is not JSON-encodable: " + err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil || out == nil {
		panic("emulator: EditFlow: the edited trigger tree does not decode as a JSON object")
	}
	return out
}

// SetStatus sets a flow's status as if a user toggled it in Diga's UI: the
// value is stored verbatim (normally ENABLED or DISABLED, but nothing is
// checked), whether or not the flow was ever published, and updated is
// bumped. It reports false when apiKey's project has no flow id.
func (s *Server) SetStatus(apiKey, id, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.lookupLocked(apiKey, id)
	if f == nil {
		return false
	}
	f.status = status
	s.touchLocked(f)
	return true
}

// CreateFlow creates a flow named name in apiKey's project as if a user
// made it in Diga's UI, exactly like POST /v1/workflow/ (empty draft,
// DISABLED, created = updated = the server clock) but without a request,
// and returns its id. The key is not made valid by this.
func (s *Server) CreateFlow(apiKey, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createFlowLocked(apiKey, name).id
}

// SeedFlows creates n empty flows named namePrefix+"1" … namePrefix+"n" in
// apiKey's project (the key is not made valid by this) and returns their ids
// in creation order, oldest first, so the last id is the newest flow.
func (s *Server) SeedFlows(apiKey string, n int, namePrefix string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, max(n, 0))
	for i := 1; i <= n; i++ {
		ids = append(ids, s.createFlowLocked(apiKey, namePrefix+strconv.Itoa(i)).id)
	}
	return ids
}
