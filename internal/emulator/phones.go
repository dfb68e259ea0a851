package emulator

import (
	"time"
)

// phone is one phone number of a project and the agents it answers for
// (inbound) and calls from (outbound); "" when none.
type phone struct {
	id, number, nickname, status string
	seq                          int64
	assigned                     time.Time
	inbound, outbound            string
}

var phoneStatuses = []string{"reserved", "pending_verification", "assigned", "released", "finished"}

// phoneBody renders PhoneRegisterResponseSchema, fields in model order.
func phoneBody(ph *phone) orderedObject {
	var nickname, inbound, outbound any
	if ph.nickname != "" {
		nickname = ph.nickname
	}
	if ph.inbound != "" {
		inbound = ph.inbound
	}
	if ph.outbound != "" {
		outbound = ph.outbound
	}
	return orderedObject{
		{"id", ph.id},
		{"nickname", nickname},
		{"number", ph.number},
		{"telephony_provider", "netelip"},
		{"status", ph.status},
		{"released_at", nil},
		{"scheduled_release_at", nil},
		{"assigned_at", formatTime(ph.assigned)},
		{"inbound_agent_id", inbound},
		{"outbound_agent_id", outbound},
		{"sip_config", nil},
		{"checkout_url", nil},
		{"reservation_expires_at", nil},
		{"region_codes", []string{}},
	}
}

// GET /v1/phone/ — PaginatedResponse[PhoneRegisterResponseSchema], newest
// first by default (limit 20); inbound_agent_id, outbound_agent_id, status
// and the assigned_at range filter.
func (s *Server) handleListPhones(c *call) {
	q, errs, ok := parseAgentListQuery(c, 20, false)
	if !ok {
		return
	}
	inbound := queryUUID(c.r, "inbound_agent_id", &errs)
	outbound := queryUUID(c.r, "outbound_agent_id", &errs)
	var status *string
	if v, ok := queryValue(c.r, "status"); ok {
		if st, ok := queryEnum([]any{"query", "status"}, v, phoneStatuses, &errs); ok {
			status = &st
		}
	}
	var from, to *time.Time
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"start_assigned_at", &from}, {"end_assigned_at", &to}} {
		if v, ok := queryValue(c.r, p.name); ok {
			if t, ok := queryDatetime([]any{"query", p.name}, v, &errs); ok {
				*p.dst = &t
			}
		}
	}
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectLocked(c.key)
	var phones []*phone
	for _, ph := range p.phones {
		switch {
		case inbound != nil && ph.inbound != *inbound,
			outbound != nil && ph.outbound != *outbound,
			status != nil && ph.status != *status,
			from != nil && ph.assigned.Before(*from),
			to != nil && ph.assigned.After(*to):
			continue
		}
		phones = append(phones, ph)
	}
	seq := func(ph *phone) int64 { return ph.seq }
	sortBySeq(phones, seq, q.asc)
	lp := paginate(phones, q, seq, func(id string) (int64, bool) {
		if ph := p.phones[id]; ph != nil {
			return ph.seq, true
		}
		return 0, false
	})
	s.writeListLocked(c, lp.envelope(func(ph *phone) string { return ph.id }, func(ph *phone) any { return phoneBody(ph) }))
}

// PhoneSeed describes a phone number AddPhone adds.
type PhoneSeed struct {
	Number, Nickname string
	// InboundAgentID and OutboundAgentID are stored as given ("" for none).
	InboundAgentID, OutboundAgentID string
}

// AddPhone adds a phone number (status assigned) to apiKey's project as if
// bought in the dashboard and returns its id.
func (s *Server) AddPhone(apiKey string, seed PhoneSeed) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectLocked(apiKey)
	if p.phones == nil {
		p.phones = map[string]*phone{}
	}
	s.seq++
	ph := &phone{
		id: s.newUUIDLocked(), seq: s.seq, number: seed.Number, nickname: seed.Nickname, status: "assigned",
		assigned: s.clock(), inbound: seed.InboundAgentID, outbound: seed.OutboundAgentID,
	}
	p.phones[ph.id] = ph
	return ph.id
}

// Phone is a snapshot of one phone number, for tests.
type Phone struct {
	ID, Number, Nickname, Status    string
	InboundAgentID, OutboundAgentID string
}

// Phones returns snapshots of the phone numbers of apiKey's project, in the
// order they were added.
func (s *Server) Phones(apiKey string) []Phone {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projects[apiKey]
	if p == nil {
		return nil
	}
	phones := make([]*phone, 0, len(p.phones))
	for _, ph := range p.phones {
		phones = append(phones, ph)
	}
	sortBySeq(phones, func(ph *phone) int64 { return ph.seq }, true)
	out := make([]Phone, 0, len(phones))
	for _, ph := range phones {
		out = append(out, Phone{ID: ph.id, Number: ph.number, Nickname: ph.nickname, Status: ph.status, InboundAgentID: ph.inbound, OutboundAgentID: ph.outbound})
	}
	return out
}
