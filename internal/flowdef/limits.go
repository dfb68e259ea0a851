package flowdef

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Limits on a definition. Diga documents none; each one keeps out a
// definition that Diga's API would accept, or half accept, and then could
// not return, or that the provider could not read back — a flow that then
// fails every refresh and destroy until -refresh=false. They are checked at
// plan time, before anything is sent.
const (
	// MaxDefinitionBytes bounds the definition's compact JSON form (what
	// the provider sends, whitespace outside strings not counted). The
	// client reads at most 32 MiB of an answer. One flow's answer carries
	// the definition plus what Diga adds to each step (valid flags, piece
	// versions, sample data), and a page of the flow list — which the
	// provider reads for the diga_flows data source and to recover from a
	// lost create answer — carries up to 30 flows: 30 definitions of 1 MiB
	// still fit in 32 MiB. Real flows are tens of KiB.
	MaxDefinitionBytes = 1 << 20

	// MaxStepDepth bounds how deep steps nest: every step of a nextAction
	// chain, and the first step of a router branch or loop body, is one
	// level below the step before it, so a plain chain of n steps is n
	// levels deep. Diga's API (FastAPI with pydantic v2) validates the
	// recursive step model for every request and answer, and pydantic-core
	// stops recursing through a recursive model at 255 levels; 200 leaves
	// room for the levels above the steps (the request and trigger models)
	// and for Diga's own wrapping. A 999-step chain was seen to end in a
	// bare EOF after 32 s.
	MaxStepDepth = 200

	// MaxJSONDepth bounds the nesting of JSON objects and arrays anywhere
	// in the definition (the trigger object is level 1). Python's json
	// module, which parses requests in FastAPI and renders its answers,
	// recurses once per level and fails past the interpreter's recursion
	// limit (1000 by default, shared with the server's own call stack);
	// 512 stays well below it while leaving room for MaxStepDepth levels
	// of router branches (two JSON levels per step: children and the
	// branch's step) with values nested inside them.
	MaxJSONDepth = 512

	// maxIntegerDigits is CPython's default int_max_str_digits: its json
	// module refuses integer literals with more digits.
	maxIntegerDigits = 4300

	// maxLimitProblems caps the problems the limit checks report, so a
	// generated definition with thousands of bad numbers gives a readable
	// message.
	maxLimitProblems = 10
)

// CheckSize reports a definition whose compact JSON form is larger than
// MaxDefinitionBytes. It needs no parse, so it is cheap for huge texts.
func CheckSize(text string) error {
	if len(text) <= MaxDefinitionBytes {
		return nil
	}
	n := compactSize(text)
	if n <= MaxDefinitionBytes {
		return nil
	}
	return fmt.Errorf("the definition is %s as compact JSON, more than the limit of %s (MaxDefinitionBytes): "+
		"Diga's answers for a flow this large, and pages of the flow list holding it, would be too large for the "+
		"provider to read back. Split the flow into several smaller flows", formatBytes(n), formatBytes(MaxDefinitionBytes))
}

// compactSize counts the bytes of text without the whitespace outside
// strings (what json.Compact would keep).
func compactSize(text string) int {
	n, inString, escaped := 0, false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case inString:
			n++
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			n++
			inString = c == '"'
		}
	}
	return n
}

func formatBytes(n int) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.Itoa(n) + " bytes"
}

// values checks every value of a trigger or step object other than its
// nextAction and children (which the step walk visits): numbers must fit
// a 64-bit float and nesting must stay within MaxJSONDepth. depth is the
// JSON depth of obj.
func (v *validator) values(where *stepPath, obj map[string]any, depth int) {
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if k == "nextAction" || k == "children" || k == "firstLoopAction" {
			continue
		}
		v.value(where, []string{keySegment(k)}, obj[k], depth+1)
	}
}

// value checks one value at key path segs; depth is the JSON depth a
// container here would have.
func (v *validator) value(where *stepPath, segs []string, val any, depth int) {
	switch t := val.(type) {
	case map[string]any:
		if depth > MaxJSONDepth {
			v.limitProblem(where, "%s: objects and arrays nest deeper than %d levels here (MaxJSONDepth); Diga's API, "+
				"written in Python, cannot parse or return JSON much deeper. Flatten the value, or pass it as a string",
				keyPath(segs), MaxJSONDepth)
			return
		}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			v.value(where, append(segs, keySegment(k)), t[k], depth+1)
		}
	case []any:
		if depth > MaxJSONDepth {
			v.limitProblem(where, "%s: objects and arrays nest deeper than %d levels here (MaxJSONDepth); Diga's API, "+
				"written in Python, cannot parse or return JSON much deeper. Flatten the value, or pass it as a string",
				keyPath(segs), MaxJSONDepth)
			return
		}
		for i, e := range t {
			v.value(where, append(segs, indexSegment(i)), e, depth+1)
		}
	case json.Number:
		if msg := numberProblem(string(t)); msg != "" {
			v.limitProblem(where, "%s: %s", keyPath(segs), msg)
		}
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			v.limitProblem(where, "%s: %v is not a JSON number", keyPath(segs), t)
		}
	}
}

// numberProblem says why a JSON number literal cannot be stored and read
// back faithfully, or returns "". Diga's API parses numbers with Python's
// json module (a float for a literal with a fraction or an exponent, an int
// otherwise), and its workflow engine keeps them as 64-bit floats.
func numberProblem(lit string) string {
	shown := lit
	if len(shown) > 24 {
		// jsonencode(1e400) writes 1 and 400 zeros.
		if f, _, err := big.ParseFloat(lit, 10, 64, big.ToNearestEven); err == nil {
			shown = f.Text('g', 10)
		} else {
			shown = shown[:12] + "…" + shown[len(shown)-8:]
		}
	}
	isInt := !strings.ContainsAny(lit, ".eE")
	if isInt {
		digits := len(strings.TrimLeft(strings.TrimPrefix(lit, "-"), "0"))
		if digits > maxIntegerDigits {
			return fmt.Sprintf("the integer %s has %d digits, more than the %d that Diga's API (Python's json "+
				"module) accepts. Write it as a string", shown, digits, maxIntegerDigits)
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && math.IsInf(f, 0) {
		return fmt.Sprintf("the number %s is beyond the range of a 64-bit float (about ±1.8e308), the form in "+
			"which Diga keeps numbers: it would become infinity, which JSON cannot express, and the flow would no "+
			"longer read back. Write it as a string (\"%s\") or use a smaller number", shown, shown)
	}
	if f == 0 && !isInt {
		if r, ok := new(big.Rat).SetString(lit); ok && r.Sign() != 0 {
			return fmt.Sprintf("the number %s is too small for a 64-bit float (the smallest is about 4.9e-324); "+
				"Diga would store 0 and every plan would show a change. Write 0, or the value as a string", shown)
		}
	}
	return ""
}

// limitProblem adds a limit problem, up to maxLimitProblems of them.
func (v *validator) limitProblem(where *stepPath, format string, args ...any) {
	v.limitCount++
	switch {
	case v.limitCount <= maxLimitProblems:
		v.add(where, format, args...)
	case v.limitCount == maxLimitProblems+1:
		v.add(where, "more values are out of limits; fix the ones above and plan again")
	}
}
