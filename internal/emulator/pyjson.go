package emulator

import "errors"

// This file reproduces where and how CPython's json module (the C scanner
// Starlette's request.json() ends up in) rejects a document, so that a
// malformed body produces the same {"type":"json_invalid","loc":["body",pos],
// ...,"ctx":{"error":msg}} FastAPI would send. It only validates; decoding is
// left to encoding/json once the document is known to be well formed.

// pyJSONError is a json.JSONDecodeError: msg and pos (a character index).
type pyJSONError struct {
	Msg string
	Pos int
}

func (e *pyJSONError) Error() string { return e.Msg }

// errJSONTooDeep stands for Python's RecursionError, which FastAPI does not
// treat as a JSON error (it answers 400 "There was an error parsing the body").
var errJSONTooDeep = errors.New("json nesting too deep")

const pyMaxDepth = 1000

type pyScanner struct {
	s     []rune
	depth int
}

// pyCheckJSON validates s like json.loads does. It returns nil, a
// *pyJSONError or errJSONTooDeep. NaN, Infinity and -Infinity, which Python
// accepts, are rejected as "Expecting value" because JSON has no such values.
func pyCheckJSON(s []rune) error {
	p := &pyScanner{s: s}
	end, err := p.scanOnce(p.ws(0))
	if err != nil {
		return err
	}
	end = p.ws(end)
	if end != len(s) {
		return &pyJSONError{"Extra data", end}
	}
	return nil
}

func (p *pyScanner) ws(i int) int {
	for i < len(p.s) {
		switch p.s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (p *pyScanner) hasPrefix(i int, lit string) bool {
	r := []rune(lit)
	if i+len(r) > len(p.s) {
		return false
	}
	for k, c := range r {
		if p.s[i+k] != c {
			return false
		}
	}
	return true
}

func (p *pyScanner) scanOnce(idx int) (int, error) {
	if idx >= len(p.s) {
		return 0, &pyJSONError{"Expecting value", idx}
	}
	switch p.s[idx] {
	case '"':
		return p.scanString(idx + 1)
	case '{':
		return p.object(idx + 1)
	case '[':
		return p.array(idx + 1)
	case 'n':
		if p.hasPrefix(idx, "null") {
			return idx + 4, nil
		}
	case 't':
		if p.hasPrefix(idx, "true") {
			return idx + 4, nil
		}
	case 'f':
		if p.hasPrefix(idx, "false") {
			return idx + 5, nil
		}
	}
	return p.number(idx)
}

func isDigit(c rune) bool { return c >= '0' && c <= '9' }

func (p *pyScanner) number(start int) (int, error) {
	s, idx := p.s, start
	if s[idx] == '-' {
		idx++
		if idx >= len(s) {
			return 0, &pyJSONError{"Expecting value", start}
		}
	}
	switch {
	case s[idx] >= '1' && s[idx] <= '9':
		idx++
		for idx < len(s) && isDigit(s[idx]) {
			idx++
		}
	case s[idx] == '0':
		idx++
	default:
		return 0, &pyJSONError{"Expecting value", start}
	}
	if idx+1 < len(s) && s[idx] == '.' && isDigit(s[idx+1]) {
		idx += 2
		for idx < len(s) && isDigit(s[idx]) {
			idx++
		}
	}
	if idx+1 < len(s) && (s[idx] == 'e' || s[idx] == 'E') {
		eStart := idx
		idx++
		if idx+1 < len(s) && (s[idx] == '-' || s[idx] == '+') {
			idx++
		}
		digits := idx
		for idx < len(s) && isDigit(s[idx]) {
			idx++
		}
		if idx == digits {
			idx = eStart
		}
	}
	return idx, nil
}

func isHex(c rune) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hex4(rs []rune) (rune, bool) {
	var v rune
	for _, c := range rs {
		if !isHex(c) {
			return 0, false
		}
		v <<= 4
		switch {
		case isDigit(c):
			v |= c - '0'
		case c >= 'a':
			v |= c - 'a' + 10
		default:
			v |= c - 'A' + 10
		}
	}
	return v, true
}

// scanString starts just after the opening quote.
func (p *pyScanner) scanString(end int) (int, error) {
	s := p.s
	begin := end - 1
	for {
		for end < len(s) && s[end] != '"' && s[end] != '\\' {
			if s[end] <= 0x1f {
				return 0, &pyJSONError{"Invalid control character at", end}
			}
			end++
		}
		if end >= len(s) {
			return 0, &pyJSONError{"Unterminated string starting at", begin}
		}
		if s[end] == '"' {
			return end + 1, nil
		}
		end++ // past the backslash
		if end >= len(s) {
			return 0, &pyJSONError{"Unterminated string starting at", begin}
		}
		if s[end] != 'u' {
			switch s[end] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				end++
				continue
			}
			return 0, &pyJSONError{`Invalid \escape`, end - 1}
		}
		hexStart := end + 1
		hexEnd := hexStart + 4
		if hexEnd >= len(s) {
			return 0, &pyJSONError{`Invalid \uXXXX escape`, hexStart - 1}
		}
		c, ok := hex4(s[hexStart:hexEnd])
		if !ok {
			return 0, &pyJSONError{`Invalid \uXXXX escape`, hexStart - 1}
		}
		end = hexEnd
		if c >= 0xd800 && c <= 0xdbff && end+6 < len(s) && s[end] == '\\' && s[end+1] == 'u' {
			c2, ok := hex4(s[end+2 : end+6])
			if !ok {
				return 0, &pyJSONError{`Invalid \uXXXX escape`, end + 1}
			}
			if c2 >= 0xdc00 && c2 <= 0xdfff {
				end += 6
			}
		}
	}
}

func (p *pyScanner) enter() error {
	p.depth++
	if p.depth > pyMaxDepth {
		return errJSONTooDeep
	}
	return nil
}

// object starts just after '{'.
func (p *pyScanner) object(idx int) (int, error) {
	if err := p.enter(); err != nil {
		return 0, err
	}
	defer func() { p.depth-- }()
	s := p.s
	idx = p.ws(idx)
	if idx < len(s) && s[idx] == '}' {
		return idx + 1, nil
	}
	for {
		if idx >= len(s) || s[idx] != '"' {
			return 0, &pyJSONError{"Expecting property name enclosed in double quotes", idx}
		}
		next, err := p.scanString(idx + 1)
		if err != nil {
			return 0, err
		}
		idx = p.ws(next)
		if idx >= len(s) || s[idx] != ':' {
			return 0, &pyJSONError{"Expecting ':' delimiter", idx}
		}
		idx = p.ws(idx + 1)
		if idx, err = p.scanOnce(idx); err != nil {
			return 0, err
		}
		idx = p.ws(idx)
		if idx < len(s) && s[idx] == '}' {
			return idx + 1, nil
		}
		if idx >= len(s) || s[idx] != ',' {
			return 0, &pyJSONError{"Expecting ',' delimiter", idx}
		}
		comma := idx
		idx = p.ws(idx + 1)
		if idx < len(s) && s[idx] == '}' {
			return 0, &pyJSONError{"Illegal trailing comma before end of object", comma}
		}
	}
}

// array starts just after '['.
func (p *pyScanner) array(idx int) (int, error) {
	if err := p.enter(); err != nil {
		return 0, err
	}
	defer func() { p.depth-- }()
	s := p.s
	idx = p.ws(idx)
	if idx < len(s) && s[idx] == ']' {
		return idx + 1, nil
	}
	for {
		var err error
		if idx, err = p.scanOnce(idx); err != nil {
			return 0, err
		}
		idx = p.ws(idx)
		if idx < len(s) && s[idx] == ']' {
			return idx + 1, nil
		}
		if idx >= len(s) || s[idx] != ',' {
			return 0, &pyJSONError{"Expecting ',' delimiter", idx}
		}
		comma := idx
		idx = p.ws(idx + 1)
		if idx < len(s) && s[idx] == ']' {
			return 0, &pyJSONError{"Illegal trailing comma before end of array", comma}
		}
	}
}
