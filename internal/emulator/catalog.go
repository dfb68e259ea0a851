package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// This file holds what the catalogue operations (templates, pieces,
// connections) share: their state, pydantic's UUID parsing and the
// redaction of secrets in 422 answers.

// catalogState is the catalogue part of the server's state, behind s.mu.
// It is created on first use so New stays untouched.
type catalogState struct {
	templates   map[string]*template // by canonical UUID
	templateSeq int64                // creation counter; orders templates
	connections map[string]*connProject
}

// catalogLocked returns the catalogue state, seeding the template catalogue
// the first time.
func (s *Server) catalogLocked() *catalogState {
	if s.catalog == nil {
		s.catalog = &catalogState{
			templates:   map[string]*template{},
			connections: map[string]*connProject{},
		}
		for _, seed := range seedTemplates() {
			if _, err := s.catalog.addTemplate(seed); err != nil {
				panic("emulator: bad built-in template: " + err.Error())
			}
		}
	}
	return s.catalog
}

// ---- UUIDs -------------------------------------------------------------------

// parseUUID parses s the way pydantic-core's UUID validator does (Rust's
// uuid::Uuid::parse_str): 32 hex digits, the hyphenated 8-4-4-4-12 form,
// the latter in braces or after "urn:uuid:"; hex digits in either case. It
// returns the canonical lowercase hyphenated form, or the text of the
// uuid crate's error (as rendered in pydantic's ctx.error).
func parseUUID(s string) (string, string) {
	var hex string
	switch {
	case len(s) == 32:
		hex = s
	case len(s) == 36:
		hex = dehyphenate(s)
	case len(s) == 38 && s[0] == '{' && s[37] == '}':
		hex = dehyphenate(s[1:37])
	case len(s) == 45 && strings.HasPrefix(s, "urn:uuid:"):
		hex = dehyphenate(s[9:])
	}
	if len(hex) == 32 && isHexString(hex) {
		h := strings.ToLower(hex)
		return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], ""
	}
	return "", uuidErrorText(s)
}

// dehyphenate removes the hyphens of an 8-4-4-4-12 string, or returns "".
func dehyphenate(s string) string {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return ""
	}
	return s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexByte(s[i]) {
			return false
		}
	}
	return true
}

func isHexByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// uuidErrorText ports uuid::error::InvalidUuid::into_err and the error's
// Display (uuid 1.x), which is what pydantic puts after "Input should be a
// valid UUID, ". Indices are 1-based byte offsets; the last group's length
// counts the whole input, prefix included, as the crate does.
func uuidErrorText(input string) string {
	body, offset, simple := input, 0, true
	switch {
	case len(input) >= 2 && input[0] == '{' && input[len(input)-1] == '}':
		body, offset, simple = input[1:len(input)-1], 1, false
	case strings.HasPrefix(input, "urn:uuid:"):
		body, offset, simple = input[len("urn:uuid:"):], len("urn:uuid:"), false
	}
	hyphens := 0
	var bounds [4]int
	for i, r := range body {
		switch {
		case r == '-':
			if hyphens < 4 {
				bounds[hyphens] = i
			}
			hyphens++
		case r >= 0x80 || !isHexByte(byte(r)):
			return fmt.Sprintf("invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `%c` at %d", r, i+offset+1)
		}
	}
	if hyphens == 0 && simple {
		return fmt.Sprintf("invalid length: expected length 32 for simple format, found %d", len(input))
	}
	if hyphens != 4 {
		return fmt.Sprintf("invalid group count: expected 5, found %d", hyphens+1)
	}
	starts := [5]int{0, 9, 14, 19, 24}
	expectedLen := [5]int{8, 4, 4, 4, 12}
	for i := range 4 {
		if bounds[i] != starts[i+1]-1 {
			return fmt.Sprintf("invalid group length in group %d: expected %d, found %d", i, expectedLen[i], bounds[i]-starts[i])
		}
	}
	return fmt.Sprintf("invalid group length in group 4: expected 12, found %d", len(input)-starts[4])
}

// uuidParam validates a UUID-typed path or query value, appending
// pydantic's uuid_parsing error on failure.
func uuidParam(loc []any, raw string, errs *[]validationError) (string, bool) {
	id, msg := parseUUID(strings.ToValidUTF8(raw, "\uFFFD"))
	if msg != "" {
		*errs = append(*errs, validationError{
			Type:  "uuid_parsing",
			Loc:   loc,
			Msg:   "Input should be a valid UUID, " + msg,
			Input: raw,
			Ctx:   map[string]any{"error": msg},
		})
		return "", false
	}
	return id, true
}

// ---- secrets -----------------------------------------------------------------

// redacted replaces a secret wherever a 422 answer would echo it.
const redacted = "[REDACTED]"

// redactKey returns a copy of a JSON object whose key (if present) holds
// redacted instead of its value; anything but an object is redacted whole.
func redactKey(v any, key string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return redacted
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = x
	}
	if _, ok := out[key]; ok {
		out[key] = redacted
	}
	return out
}

// decodeSecretBody is decodeBody for bodies that may carry secrets: a body
// that is not a JSON object (raw text under a non-JSON Content-Type
// included) is echoed as redacted in the model_attributes_type error.
// optional makes an absent body or JSON null valid (nil object, true).
func decodeSecretBody(c *call, optional bool) (map[string]any, []validationError, bool) {
	value, present, fail, errs := readBody(c.r)
	if fail != nil {
		writeJSON(c.w, fail.status, fail.body)
		return nil, nil, false
	}
	if errs != nil {
		write422(c.w, errs)
		return nil, nil, false
	}
	if !present || value == nil {
		if optional {
			return nil, nil, true
		}
		return nil, []validationError{missingError([]any{"body"}, nil)}, true
	}
	obj, ok := value.(map[string]any)
	if !ok {
		return nil, []validationError{modelAttributesTypeError([]any{"body"}, redacted)}, true
	}
	return obj, nil, true
}

// writeEncoded answers with a body encoded by marshalJSON (usually under
// the lock, because it reads stored maps), or 500 when encoding failed.
func writeEncoded(w http.ResponseWriter, status int, b []byte, err error) {
	if err != nil {
		writeRaw(w, http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Internal Server Error"))
		return
	}
	writeRaw(w, status, "application/json", b)
}

// lastQuery returns a query parameter's last value (Starlette's QueryParams).
func lastQuery(r *http.Request, name string) (string, bool) {
	v := r.URL.Query()[name]
	if len(v) == 0 {
		return "", false
	}
	return v[len(v)-1], true
}
