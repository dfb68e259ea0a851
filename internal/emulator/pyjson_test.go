package emulator

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Expected values come from CPython's json.loads (3.11 reference run, with the
// two trailing-comma messages introduced in 3.13).
func TestPyCheckJSONMatchesCPython(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in  string
		msg string // "" = valid
		pos int
	}{
		{` `, "Expecting value", 1},
		{`{`, "Expecting property name enclosed in double quotes", 1},
		{`[`, "Expecting value", 1},
		{`{"a"`, "Expecting ':' delimiter", 4},
		{`{"a" 1}`, "Expecting ':' delimiter", 5},
		{`{"a":}`, "Expecting value", 5},
		{`{"a":1 "b"}`, "Expecting ',' delimiter", 7},
		{`{"a":1,}`, "Illegal trailing comma before end of object", 6},
		{`[1,]`, "Illegal trailing comma before end of array", 2},
		{`[1 2]`, "Expecting ',' delimiter", 3},
		{`"abc`, "Unterminated string starting at", 0},
		{`"a\x"`, `Invalid \escape`, 2},
		{`"\u12"`, `Invalid \uXXXX escape`, 2},
		{`"\u12G4"`, `Invalid \uXXXX escape`, 2},
		{"\"a\nb\"", "Invalid control character at", 2},
		{`{"a":1}x`, "Extra data", 7},
		{`01`, "Extra data", 1},
		{`1.`, "Extra data", 1},
		{`-`, "Expecting value", 0},
		{`nul`, "Expecting value", 0},
		{`{,}`, "Expecting property name enclosed in double quotes", 1},
		{`{"a":"\ud800\uZZZZ"}`, `Invalid \uXXXX escape`, 13},
		{`tru`, "Expecting value", 0},
		{`  {"é": }`, "Expecting value", 8}, // character offset, not byte offset
		{`[1e]`, "Expecting ',' delimiter", 2},
		{`[-]`, "Expecting value", 1},
		{`{"a":[1,{"b":}]}`, "Expecting value", 13},
		{`NaN`, "Expecting value", 0},
		{`{"a":1}  `, "", 0},
		{` [1, -0.5e+3, "\ud83d\ude00", {"k": [true, false, null]}] `, "", 0},
		{`"\u00e9\/\b"`, "", 0},
	}
	for _, tc := range cases {
		err := pyCheckJSON([]rune(tc.in))
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%q: unexpected %v", tc.in, err)
			}
			var v any
			if jerr := json.Unmarshal([]byte(tc.in), &v); jerr != nil {
				t.Errorf("%q: accepted by scanner but not by encoding/json: %v", tc.in, jerr)
			}
			continue
		}
		var perr *pyJSONError
		if !errors.As(err, &perr) || perr.Msg != tc.msg || perr.Pos != tc.pos {
			t.Errorf("%q: got %#v, want %q at %d", tc.in, err, tc.msg, tc.pos)
		}
	}
	deep := strings.Repeat("[", 2000) + strings.Repeat("]", 2000)
	if err := pyCheckJSON([]rune(deep)); !errors.Is(err, errJSONTooDeep) {
		t.Errorf("deep nesting: %v", err)
	}
}

func TestDeepJSONIs400(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	rec := c.do("POST", "/v1/workflow/", `{"name":`+strings.Repeat("[", 2000)+strings.Repeat("]", 2000)+`}`)
	if got := expectJSON(t, rec, 400); got["detail"] != "There was an error parsing the body" {
		t.Fatal(got)
	}
}

func TestIsJSONContentType(t *testing.T) {
	t.Parallel()
	for ct, want := range map[string]bool{
		"application/json":                  true,
		"application/json; charset=utf-8":   true,
		"Application/JSON":                  true,
		"application/merge-patch+json":      true,
		"text/plain":                        false,
		"application/x-www-form-urlencoded": false,
		"json":                              false,
	} {
		if got := isJSONContentType(ct); got != want {
			t.Errorf("%q: %v", ct, got)
		}
	}
}
