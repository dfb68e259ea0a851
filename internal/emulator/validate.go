package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/big"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// validationError is one item of FastAPI's HTTPValidationError "detail" list,
// with the keys pydantic v2 emits (FastAPI leaves out "url").
type validationError struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

func write422(w http.ResponseWriter, errs []validationError) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": errs})
}

// appendLoc returns a fresh slice so sibling locations never share storage.
func appendLoc(loc []any, parts ...any) []any {
	out := make([]any, 0, len(loc)+len(parts))
	out = append(out, loc...)
	return append(out, parts...)
}

func missingError(loc []any, input any) validationError {
	return validationError{Type: "missing", Loc: loc, Msg: "Field required", Input: input}
}

// expected renders pydantic's enum/literal expectation: 'A', 'B' or 'C'.
func expected(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "'" + v + "'"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func enumError(loc []any, input any, values []string) validationError {
	exp := expected(values)
	return validationError{Type: "enum", Loc: loc, Msg: "Input should be " + exp, Input: input, Ctx: map[string]any{"expected": exp}}
}

// bodyFailure is a non-422 answer produced while reading the body.
type bodyFailure struct {
	status int
	body   any
}

var errParsingBody = &bodyFailure{http.StatusBadRequest, map[string]any{"detail": "There was an error parsing the body"}}

// readBody reads a request body the way FastAPI's request handler does:
// empty body → absent; JSON (no Content-Type, application/json or
// application/*+json) is parsed, a malformed document giving a json_invalid
// 422; any other content type is kept as raw text for the model to reject.
func readBody(r *http.Request) (value any, present bool, fail *bodyFailure, errs []validationError) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, false, errParsingBody, nil
	}
	if len(raw) == 0 {
		return nil, false, nil, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSONContentType(ct) {
		return strings.ToValidUTF8(string(raw), "\uFFFD"), true, nil, nil
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(raw) {
		return nil, false, errParsingBody, nil
	}
	if err := pyCheckJSON([]rune(string(raw))); err != nil {
		var jerr *pyJSONError
		if !errors.As(err, &jerr) {
			return nil, false, errParsingBody, nil
		}
		return nil, false, nil, []validationError{{
			Type:  "json_invalid",
			Loc:   []any{"body", jerr.Pos},
			Msg:   "JSON decode error",
			Input: map[string]any{},
			Ctx:   map[string]any{"error": jerr.Msg},
		}}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil {
		return nil, false, errParsingBody, nil
	}
	return value, true, nil, nil
}

// isJSONContentType follows email.message.Message.get_content_type, which
// FastAPI uses: an unparsable type counts as text/plain.
func isJSONContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	}
	main, sub, ok := strings.Cut(mt, "/")
	if !ok || strings.Contains(sub, "/") {
		return false
	}
	return main == "application" && (sub == "json" || strings.HasSuffix(sub, "+json"))
}

// decodeBody reads the body of an endpoint whose single body parameter is a
// pydantic model and returns it as an object, or writes the error answer.
func decodeBody(c *call) (map[string]any, bool) {
	value, present, fail, errs := readBody(c.r)
	if fail != nil {
		writeJSON(c.w, fail.status, fail.body)
		return nil, false
	}
	if errs != nil {
		write422(c.w, errs)
		return nil, false
	}
	if !present || value == nil {
		write422(c.w, []validationError{missingError([]any{"body"}, nil)})
		return nil, false
	}
	obj, ok := value.(map[string]any)
	if !ok {
		write422(c.w, []validationError{{
			Type:  "model_attributes_type",
			Loc:   []any{"body"},
			Msg:   "Input should be a valid dictionary or object to extract fields from",
			Input: value,
		}})
		return nil, false
	}
	return obj, true
}

// fields validates the fields of one JSON object, collecting pydantic-style
// errors located under loc.
type fields struct {
	obj  map[string]any
	loc  []any
	errs *[]validationError
}

func (f fields) add(e validationError) { *f.errs = append(*f.errs, e) }

func (f fields) get(name string) (any, bool) {
	v, ok := f.obj[name]
	if !ok {
		f.add(missingError(appendLoc(f.loc, name), f.obj))
	}
	return v, ok
}

// str validates a required str field with min_length.
func (f fields) str(name string, minLen int) (string, bool) {
	v, ok := f.get(name)
	if !ok {
		return "", false
	}
	return f.checkStr(name, v, minLen)
}

func (f fields) checkStr(name string, v any, minLen int) (string, bool) {
	s, ok := v.(string)
	if !ok {
		f.add(validationError{Type: "string_type", Loc: appendLoc(f.loc, name), Msg: "Input should be a valid string", Input: v})
		return "", false
	}
	if utf8.RuneCountInString(s) < minLen {
		f.add(validationError{
			Type:  "string_too_short",
			Loc:   appendLoc(f.loc, name),
			Msg:   "String should have at least " + pluralChars(minLen),
			Input: s,
			Ctx:   map[string]any{"min_length": minLen},
		})
		return "", false
	}
	return s, true
}

func pluralChars(n int) string {
	if n == 1 {
		return "1 character"
	}
	return itoa(n) + " characters"
}

// optStr validates an Optional[str] field (absent or null allowed).
func (f fields) optStr(name string) {
	if v, ok := f.obj[name]; ok && v != nil {
		f.checkStr(name, v, 0)
	}
}

func (f fields) enum(name string, values []string) (string, bool) {
	v, ok := f.get(name)
	if !ok {
		return "", false
	}
	if s, isStr := v.(string); isStr {
		for _, allowed := range values {
			if s == allowed {
				return s, true
			}
		}
	}
	f.add(enumError(appendLoc(f.loc, name), v, values))
	return "", false
}

func (f fields) dict(name string) (map[string]any, bool) {
	v, ok := f.get(name)
	if !ok {
		return nil, false
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		f.add(dictTypeError(appendLoc(f.loc, name), v))
		return nil, false
	}
	return m, true
}

func dictTypeError(loc []any, v any) validationError {
	return validationError{Type: "dict_type", Loc: loc, Msg: "Input should be a valid dictionary", Input: v}
}

func listTypeError(loc []any, v any) validationError {
	return validationError{Type: "list_type", Loc: loc, Msg: "Input should be a valid list", Input: v}
}

func boolTypeError(loc []any, v any) validationError {
	return validationError{Type: "bool_type", Loc: loc, Msg: "Input should be a valid boolean", Input: v}
}

// ---- query parameters ------------------------------------------------------

// queryInt parses a query value as pydantic v2 does in lax mode (surrounding
// whitespace, a sign, digit-separating underscores and a ".0" suffix are
// accepted) and checks ge/le.
// It returns the value as a big.Int so out-of-range numbers still compare.
func queryInt(loc []any, raw string, ge, le *int64, errs *[]validationError) (*big.Int, bool) {
	s := strings.TrimSpace(raw)
	if i := strings.IndexByte(s, '.'); i >= 0 && i+1 < len(s) && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	var n *big.Int
	ok := intPattern.MatchString(s)
	if ok {
		n, ok = new(big.Int).SetString(strings.ReplaceAll(s, "_", ""), 10)
	}
	if !ok {
		*errs = append(*errs, validationError{
			Type: "int_parsing", Loc: loc,
			Msg:   "Input should be a valid integer, unable to parse string as an integer",
			Input: raw,
		})
		return nil, false
	}
	if ge != nil && n.Cmp(big.NewInt(*ge)) < 0 {
		*errs = append(*errs, validationError{
			Type: "greater_than_equal", Loc: loc,
			Msg:   "Input should be greater than or equal to " + itoa64(*ge),
			Input: raw, Ctx: map[string]any{"ge": *ge},
		})
		return nil, false
	}
	if le != nil && n.Cmp(big.NewInt(*le)) > 0 {
		*errs = append(*errs, validationError{
			Type: "less_than_equal", Loc: loc,
			Msg:   "Input should be less than or equal to " + itoa64(*le),
			Input: raw, Ctx: map[string]any{"le": *le},
		})
		return nil, false
	}
	return n, true
}

// intPattern is what pydantic-core accepts as an integer string once
// surrounding whitespace and a ".000" suffix are gone: a sign, ASCII digits,
// single underscores between digits.
var intPattern = regexp.MustCompile(`^[+-]?[0-9]+(_[0-9]+)*$`)

// queryBool accepts pydantic's boolean spellings (case-insensitive, no
// surrounding whitespace).
func queryBool(loc []any, raw string, errs *[]validationError) (bool, bool) {
	switch strings.ToLower(raw) {
	case "1", "on", "t", "true", "y", "yes":
		return true, true
	case "0", "off", "f", "false", "n", "no":
		return false, true
	}
	*errs = append(*errs, validationError{
		Type: "bool_parsing", Loc: loc,
		Msg:   "Input should be a valid boolean, unable to interpret input",
		Input: raw,
	})
	return false, false
}

func queryEnum(loc []any, raw string, values []string, errs *[]validationError) (string, bool) {
	for _, v := range values {
		if raw == v {
			return raw, true
		}
	}
	*errs = append(*errs, enumError(loc, raw, values))
	return "", false
}

func queryLiteral(loc []any, raw string, values []string, errs *[]validationError) bool {
	for _, v := range values {
		if raw == v {
			return true
		}
	}
	exp := expected(values)
	*errs = append(*errs, validationError{
		Type: "literal_error", Loc: loc, Msg: "Input should be " + exp,
		Input: raw, Ctx: map[string]any{"expected": exp},
	})
	return false
}

func itoa(n int) string { return itoa64(int64(n)) }

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// ---- nested models, optional fields and integers ---------------------------

// model validates a required nested pydantic model. FastAPI validates bodies
// with from_attributes=True, so a non-object (null included) is
// model_attributes_type rather than dict_type.
func (f fields) model(name string) (map[string]any, bool) {
	v, ok := f.get(name)
	if !ok {
		return nil, false
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		f.add(modelAttributesTypeError(appendLoc(f.loc, name), v))
		return nil, false
	}
	return m, true
}

func modelAttributesTypeError(loc []any, v any) validationError {
	return validationError{
		Type:  "model_attributes_type",
		Loc:   loc,
		Msg:   "Input should be a valid dictionary or object to extract fields from",
		Input: v,
	}
}

// optEnum validates an Optional[Enum] field: absent or null gives "", true.
func (f fields) optEnum(name string, values []string) (string, bool) {
	if v, ok := f.obj[name]; !ok || v == nil {
		return "", true
	}
	return f.enum(name, values)
}

// optLiteral validates an Optional[Literal[...]] field.
func (f fields) optLiteral(name string, values []string) bool {
	v, ok := f.obj[name]
	if !ok || v == nil {
		return true
	}
	if s, isStr := v.(string); isStr {
		for _, allowed := range values {
			if s == allowed {
				return true
			}
		}
	}
	exp := expected(values)
	f.add(validationError{
		Type: "literal_error", Loc: appendLoc(f.loc, name), Msg: "Input should be " + exp,
		Input: v, Ctx: map[string]any{"expected": exp},
	})
	return false
}

// optBool validates an Optional[bool] field the way pydantic v2's lax mode
// treats Python input: bools; the ints 0 and 1 (other ints: bool_parsing);
// whole floats 0.0 and 1.0 (other whole floats: bool_parsing, fractional
// ones: bool_type); the strings queryBool accepts; anything else bool_type.
func (f fields) optBool(name string) {
	v, ok := f.obj[name]
	if !ok || v == nil {
		return
	}
	loc := appendLoc(f.loc, name)
	parsing := validationError{Type: "bool_parsing", Loc: loc, Msg: "Input should be a valid boolean, unable to interpret input", Input: v}
	switch t := v.(type) {
	case bool:
	case string:
		queryBool(loc, t, f.errs)
	case json.Number:
		s := string(t)
		if !strings.ContainsAny(s, ".eE") {
			if n, ok := new(big.Int).SetString(s, 10); !ok || (n.Sign() != 0 && n.Cmp(big.NewInt(1)) != 0) {
				f.add(parsing)
			}
			return
		}
		x, err := strconv.ParseFloat(s, 64)
		switch {
		case err != nil && (math.IsInf(x, 0) || math.IsNaN(x)), x != math.Trunc(x):
			f.add(boolTypeError(loc, v))
		case x != 0 && x != 1:
			f.add(parsing)
		}
	default:
		f.add(boolTypeError(loc, v))
	}
}

// integer validates a required int field.
func (f fields) integer(name string) (*big.Int, bool) {
	v, ok := f.get(name)
	if !ok {
		return nil, false
	}
	return f.checkInt(name, v)
}

// optInt validates an Optional[int] field: absent or null gives nil, true.
func (f fields) optInt(name string) (*big.Int, bool) {
	v, ok := f.obj[name]
	if !ok || v == nil {
		return nil, true
	}
	return f.checkInt(name, v)
}

// twoTo63 is 2**63 as a float: pydantic refuses whole floats whose magnitude
// reaches it (int_parsing_size), -2**63 included.
const twoTo63 = 9223372036854775808.0

// checkInt converts a JSON value to an int the way pydantic v2's lax mode
// treats the Python value json.loads produced: ints of any size; bools (True
// is 1); whole floats below 2**63 in magnitude; strings as queryInt parses
// them. Errors: int_from_float (fractional), int_parsing_size (too big a
// float), finite_number (a literal overflowing a double, e.g. 1e400),
// int_parsing (bad string), int_type (anything else, null included).
func (f fields) checkInt(name string, v any) (*big.Int, bool) {
	loc := appendLoc(f.loc, name)
	switch t := v.(type) {
	case bool:
		if t {
			return big.NewInt(1), true
		}
		return big.NewInt(0), true
	case string:
		return queryInt(loc, t, nil, nil, f.errs)
	case json.Number:
		s := string(t)
		if !strings.ContainsAny(s, ".eE") {
			if n, ok := new(big.Int).SetString(s, 10); ok {
				return n, true
			}
		}
		x, err := strconv.ParseFloat(s, 64)
		switch {
		case err != nil && math.IsInf(x, 0):
			f.add(validationError{Type: "finite_number", Loc: loc, Msg: "Input should be a finite number", Input: v})
		case err != nil:
			// Underflow: Python reads it as 0.0.
			return big.NewInt(0), true
		case x != math.Trunc(x):
			f.add(validationError{Type: "int_from_float", Loc: loc, Msg: "Input should be a valid integer, got a number with a fractional part", Input: v})
		case x >= twoTo63 || x <= -twoTo63:
			f.add(validationError{Type: "int_parsing_size", Loc: loc, Msg: "Unable to parse input string as an integer, exceeded maximum size", Input: v})
		default:
			return big.NewInt(int64(x)), true
		}
		return nil, false
	}
	f.add(validationError{Type: "int_type", Loc: loc, Msg: "Input should be a valid integer", Input: v})
	return nil, false
}

// ---- router branch conditions ----------------------------------------------

// conditionModel is one member of AddBranchRequest.conditions' item union.
type conditionModel struct {
	name          string
	secondValue   bool
	caseSensitive bool
	operators     []string
}

var conditionModels = []conditionModel{
	{"BranchTextCondition", true, true, []string{
		"TEXT_CONTAINS", "TEXT_DOES_NOT_CONTAIN", "TEXT_EXACTLY_MATCHES", "TEXT_DOES_NOT_EXACTLY_MATCH",
		"TEXT_START_WITH", "TEXT_DOES_NOT_START_WITH", "TEXT_ENDS_WITH", "TEXT_DOES_NOT_END_WITH",
		"LIST_CONTAINS", "LIST_DOES_NOT_CONTAIN",
	}},
	{"BranchNumberCondition", true, false, []string{"NUMBER_IS_GREATER_THAN", "NUMBER_IS_LESS_THAN", "NUMBER_IS_EQUAL_TO"}},
	{"BranchDateCondition", true, false, []string{"DATE_IS_BEFORE", "DATE_IS_EQUAL", "DATE_IS_AFTER"}},
	{"BranchSingleValueCondition", false, false, []string{
		"EXISTS", "DOES_NOT_EXIST", "BOOLEAN_IS_TRUE", "BOOLEAN_IS_FALSE", "LIST_IS_EMPTY", "LIST_IS_NOT_EMPTY",
	}},
}

// validate checks one condition against this member, returning its errors.
func (m conditionModel) validate(v any, loc []any) []validationError {
	loc = appendLoc(loc, m.name)
	obj, ok := v.(map[string]any)
	if !ok {
		return []validationError{modelAttributesTypeError(loc, v)}
	}
	var errs []validationError
	f := fields{obj: obj, loc: loc, errs: &errs}
	f.str("firstValue", 0)
	if m.secondValue {
		f.str("secondValue", 0)
	}
	f.optLiteral("operator", m.operators)
	if m.caseSensitive {
		f.optBool("caseSensitive")
	}
	return errs
}

// optConditions validates Optional[List[List[Union[...four models...]]]] as
// a pydantic smart-mode union: an item is accepted when any member accepts
// it; otherwise every member's errors are reported, each located under the
// member's class name.
func (f fields) optConditions(name string) {
	v, ok := f.obj[name]
	if !ok || v == nil {
		return
	}
	loc := appendLoc(f.loc, name)
	outer, ok := v.([]any)
	if !ok {
		f.add(listTypeError(loc, v))
		return
	}
	for i, group := range outer {
		inner, ok := group.([]any)
		if !ok {
			f.add(listTypeError(appendLoc(loc, i), group))
			continue
		}
		for j, cond := range inner {
			var all []validationError
			accepted := false
			for _, m := range conditionModels {
				errs := m.validate(cond, appendLoc(loc, i, j))
				if len(errs) == 0 {
					accepted = true
					break
				}
				all = append(all, errs...)
			}
			if !accepted {
				*f.errs = append(*f.errs, all...)
			}
		}
	}
}
