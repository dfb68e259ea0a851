package emulator

import (
	"math/big"
	"net/http"
	"time"
)

type listQuery struct {
	after, before *string
	page          *big.Int
	limit         int
	status        *string
	isDigaTrigger *bool
	category      *string
	// executions only
	createdAfter, createdBefore *time.Time
}

// parseListQuery validates the query of GET /v1/workflow/ in declaration
// order, collecting every error like FastAPI does. A repeated parameter
// counts with its last value (Starlette's QueryParams). statuses is the
// status enum (FlowStatus, or FlowRunStatus for executions); executions
// switches the flow filters for created_after/created_before.
func parseListQuery(r *http.Request, statuses []string, executions bool) (listQuery, []validationError) {
	q := listQuery{limit: 10}
	values := r.URL.Query()
	get := func(name string) (string, bool) {
		v := values[name]
		if len(v) == 0 {
			return "", false
		}
		return v[len(v)-1], true
	}
	var errs []validationError
	loc := func(name string) []any { return []any{"query", name} }
	one, limitMin, limitMax := int64(1), int64(1), int64(30)

	if v, ok := get("after"); ok {
		q.after = &v
	}
	if v, ok := get("before"); ok {
		q.before = &v
	}
	if v, ok := get("page"); ok {
		if n, ok := queryInt(loc("page"), v, &one, nil, &errs); ok {
			q.page = n
		}
	}
	if v, ok := get("limit"); ok {
		if n, ok := queryInt(loc("limit"), v, &limitMin, &limitMax, &errs); ok {
			q.limit = int(n.Int64())
		}
	}
	if v, ok := get("order"); ok {
		queryLiteral(loc("order"), v, []string{"desc"}, &errs)
	}
	if v, ok := get("status"); ok {
		if s, ok := queryEnum(loc("status"), v, statuses, &errs); ok {
			q.status = &s
		}
	}
	if executions {
		for _, p := range []struct {
			name string
			dst  **time.Time
		}{{"created_after", &q.createdAfter}, {"created_before", &q.createdBefore}} {
			if v, ok := get(p.name); ok {
				if t, ok := queryDatetime(loc(p.name), v, &errs); ok {
					*p.dst = &t
				}
			}
		}
		return q, errs
	}
	if v, ok := get("is_diga_trigger"); ok {
		if b, ok := queryBool(loc("is_diga_trigger"), v, &errs); ok {
			q.isDigaTrigger = &b
		}
	}
	if v, ok := get("flow_category"); ok {
		if s, ok := queryEnum(loc("flow_category"), v, flowCategories, &errs); ok {
			q.category = &s
		}
	}
	return q, errs
}

// GET /v1/workflow/ — PaginatedResponseStrId[FlowAllResponse]; see BEHAVIOUR.md
// for the cursor and page rules.
func (s *Server) handleList(c *call) {
	q, errs := parseListQuery(c.r, flowStatuses, false)
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	body, err := marshalJSON(s.listLocked(c.key, q))
	s.mu.Unlock()
	if err != nil {
		writeRaw(c.w, http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Internal Server Error"))
		return
	}
	writeRaw(c.w, http.StatusOK, "application/json", body)
}

func (q listQuery) keep(f *flow) bool {
	if q.status != nil && f.status != *q.status {
		return false
	}
	if q.category != nil && flowCategory(f.trigger) != *q.category {
		return false
	}
	if q.isDigaTrigger != nil && isDigaTrigger(f.trigger) != *q.isDigaTrigger {
		return false
	}
	return true
}

func (s *Server) listLocked(key string, q listQuery) orderedObject {
	p := s.projectLocked(key)
	var flows []*flow
	for _, f := range p.sortedFlows() {
		if q.keep(f) {
			flows = append(flows, f)
		}
	}
	var lp listPage[*flow]
	switch {
	case q.after != nil:
		if cursor, known := p.cursors[*q.after]; known {
			lp = pageAfter(flows, q.limit, func(f *flow) bool { return f.seq < cursor })
		}
	case q.before != nil:
		if cursor, known := p.cursors[*q.before]; known {
			lp = pageBefore(flows, q.limit, func(f *flow) bool { return f.seq <= cursor })
		}
	default:
		lp = pageNumber(flows, q.limit, q.page)
	}
	return lp.envelope(func(f *flow) string { return f.id }, func(f *flow) any { return s.flowBody(f, false) })
}

// queryDatetime parses a date-time query value like pydantic: RFC 3339, or
// a date-time without a zone (taken as UTC).
func queryDatetime(loc []any, raw string, errs *[]validationError) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, raw); err == nil {
			return t.UTC(), true
		}
	}
	*errs = append(*errs, validationError{
		Type: "datetime_from_date_parsing", Loc: loc, Input: raw,
		Msg: "Input should be a valid datetime or date, invalid character in year",
		Ctx: map[string]any{"error": "invalid character in year"},
	})
	return time.Time{}, false
}
