package emulator

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// Connection types (WorkflowConnectionType), in contract order.
var connectionTypes = []string{"OAUTH2", "PLATFORM_OAUTH2", "CLOUD_OAUTH2", "SECRET_TEXT", "BASIC_AUTH", "CUSTOM_AUTH", "NO_AUTH"}

const (
	connectionActive = "ACTIVE"
	connectionError  = "ERROR"
)

// connProject holds one API key's connections, oldest first.
type connProject struct {
	list []*connection
}

type connection struct {
	id          string
	externalID  string
	pieceName   string
	displayName string
	typ         string
	value       map[string]any // the stored credential; nil when none was ever given
	created     time.Time
	updated     time.Time
}

// ConnectionSnapshot is one stored connection, for tests. Unlike every API
// answer it includes the credential (Value), so tests can check what a
// client sent.
type ConnectionSnapshot struct {
	ID, ExternalID, DisplayName, PieceName, Type, Status string
	// Value is a deep copy of the stored credential (numbers as float64, as
	// after json.Unmarshal); nil when none was ever given.
	Value            map[string]any
	Created, Updated time.Time
}

// Connections returns apiKey's connections newest first, like GET
// /v1/workflow/connections, with their stored values.
func (s *Server) Connections(apiKey string) []ConnectionSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.catalogLocked().connections[apiKey]
	if p == nil {
		return nil
	}
	out := make([]ConnectionSnapshot, 0, len(p.list))
	for i := len(p.list) - 1; i >= 0; i-- {
		c := p.list[i]
		out = append(out, ConnectionSnapshot{
			ID: c.id, ExternalID: c.externalID, DisplayName: c.displayName, PieceName: c.pieceName,
			Type: c.typ, Status: c.status(), Value: jsonCopy(c.value), Created: c.created, Updated: c.updated,
		})
	}
	return out
}

// valueProblem names what the credential lacks for its type ("" when it is
// usable). It never quotes the credential.
func valueProblem(typ string, v map[string]any) string {
	nonEmpty := func(k string) bool {
		s, ok := v[k].(string)
		return ok && s != ""
	}
	switch typ {
	case "NO_AUTH":
		return ""
	case "SECRET_TEXT":
		if !nonEmpty("secret_text") {
			return "secret_text (a non-empty string) is required"
		}
	case "BASIC_AUTH":
		_, u := v["username"].(string)
		_, p := v["password"].(string)
		if !u || !p {
			return "username and password (strings) are required"
		}
	case "CUSTOM_AUTH":
		if _, ok := v["props"].(map[string]any); !ok {
			return "props (an object) is required"
		}
	default: // the OAuth2 types
		if !nonEmpty("code") {
			return "code (a non-empty authorization code) is required"
		}
	}
	return ""
}

// status is ACTIVE when the stored value suits the type, ERROR otherwise
// (no value, or a value left over from another type).
func (c *connection) status() string {
	if c.typ == "NO_AUTH" || (c.value != nil && valueProblem(c.typ, c.value) == "") {
		return connectionActive
	}
	return connectionError
}

func (c *connection) body() orderedObject {
	return orderedObject{
		{"id", c.id},
		{"external_id", c.externalID},
		{"display_name", c.displayName},
		{"piece_name", c.pieceName},
		{"status", c.status()},
	}
}

// credentialValue turns a template copy's secret string into the stored
// value for the connection type: SECRET_TEXT {secret_text}, BASIC_AUTH
// "user:password" {username, password}, CUSTOM_AUTH {props: {value}},
// NO_AUTH {}, the OAuth2 types {code}.
func credentialValue(typ, secret string) map[string]any {
	switch typ {
	case "SECRET_TEXT":
		return map[string]any{"secret_text": secret}
	case "BASIC_AUTH":
		user, pass, _ := strings.Cut(secret, ":")
		return map[string]any{"username": user, "password": pass}
	case "CUSTOM_AUTH":
		return map[string]any{"props": map[string]any{"value": secret}}
	case "NO_AUTH":
		return map[string]any{}
	default:
		return map[string]any{"code": secret}
	}
}

// upsertConnectionLocked creates the connection (pieceName, displayName) of
// key's project, or updates it: the type is replaced, and the value too
// when value is non-empty (an absent or empty value keeps the stored one).
func (s *Server) upsertConnectionLocked(key, pieceName, displayName, typ string, value map[string]any) *connection {
	cat := s.catalogLocked()
	p := cat.connections[key]
	if p == nil {
		p = &connProject{}
		cat.connections[key] = p
	}
	now := s.clock()
	if len(value) == 0 {
		value = nil
	} else {
		value = copyTree(value)
	}
	for _, c := range p.list {
		if c.pieceName == pieceName && c.displayName == displayName {
			c.typ = typ
			if value != nil {
				c.value = value
			}
			c.updated = now
			return c
		}
	}
	c := &connection{
		id:          s.newIDLocked(),
		externalID:  p.newExternalID(pieceName, displayName),
		pieceName:   pieceName,
		displayName: displayName,
		typ:         typ,
		value:       value,
		created:     now,
		updated:     now,
	}
	p.list = append(p.list, c)
	return c
}

// newExternalID derives "<slug of the display name>_<6 random characters>"
// (the piece's short name when the display name has no letters or digits),
// unique in the project.
func (p *connProject) newExternalID(pieceName, displayName string) string {
	base := slug(displayName)
	if base == "" {
		short := pieceName[strings.LastIndex(pieceName, "/")+1:]
		base = slug(strings.TrimPrefix(short, "piece-"))
	}
	if base == "" {
		base = "connection"
	}
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	for {
		b := make([]byte, 6)
		for i := range b {
			b[i] = alphabet[rand.IntN(len(alphabet))]
		}
		id := base + "_" + string(b)
		taken := false
		for _, c := range p.list {
			taken = taken || c.externalID == id
		}
		if !taken {
			return id
		}
	}
}

// slug lowercases ASCII letters and digits and joins runs of them with "-".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// GET /v1/workflow/connections — a bare array, newest first.
func (s *Server) handleListConnections(c *call) {
	s.mu.Lock()
	list := []any{}
	if p := s.catalogLocked().connections[c.key]; p != nil {
		for i := len(p.list) - 1; i >= 0; i-- {
			list = append(list, p.list[i].body())
		}
	}
	b, err := marshalJSON(list)
	s.mu.Unlock()
	writeEncoded(c.w, http.StatusOK, b, err)
}

// POST /v1/workflow/connections — CreateWorkflowConnectionRequest, upserted
// by (piece_name, display_name); 200 with the connection, never its value.
func (s *Server) handleUpsertConnection(c *call) {
	obj, errs, ok := decodeSecretBody(c, false)
	if !ok {
		return
	}
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	// Fields are checked on a copy whose value is redacted, because a
	// missing-field error echoes the whole body.
	safe, _ := redactKey(obj, "value").(map[string]any)
	loc := []any{"body"}
	f := fields{obj: safe, loc: loc, errs: &errs}
	piece, _ := f.str("piece_name", 0)
	display, _ := f.str("display_name", 0)
	typ, _ := f.enum("type", connectionTypes)
	var value map[string]any
	if v, present := obj["value"]; present {
		if m, isMap := v.(map[string]any); isMap {
			value = m
		} else {
			input := any(redacted)
			if v == nil {
				input = nil
			}
			f.add(dictTypeError(appendLoc(loc, "value"), input))
		}
	}
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	switch {
	case piece == "":
		writeError(c.w, http.StatusBadRequest, "INVALID_CONNECTION", "piece_name must not be empty")
		return
	case display == "":
		writeError(c.w, http.StatusBadRequest, "INVALID_CONNECTION", "display_name must not be empty")
		return
	}
	if len(value) > 0 {
		if problem := valueProblem(typ, value); problem != "" {
			writeError(c.w, http.StatusBadRequest, "INVALID_CONNECTION_VALUE",
				"Invalid value for a "+typ+" connection: "+problem)
			return
		}
	}
	s.mu.Lock()
	conn := s.upsertConnectionLocked(c.key, piece, display, typ, value)
	b, err := marshalJSON(conn.body())
	s.mu.Unlock()
	writeEncoded(c.w, http.StatusOK, b, err)
}
