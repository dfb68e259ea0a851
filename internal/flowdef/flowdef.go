// Package flowdef owns a flow definition: the trigger object of a Diga flow,
// with its chain of steps (trigger → nextAction → …; a router's branch
// heads in children, a loop's body in firstLoopAction). It parses
// definitions, validates them before anything is sent to Diga, turns the
// short form people write into the complete tree the Activepieces engine
// behind Diga imports (EngineTree, engine.go), decides whether what a user
// wrote and what Diga returns mean the same flow (compare.go), and renders
// the form kept in Terraform state.
//
// Three forms of one definition meet here:
//   - the user's: what `definition` holds, as written. Bookkeeping may be
//     left out (valid, displayName, pieceVersion, the trigger's name, …),
//     and a loop body may be written in firstLoopAction (canonical) or, as
//     older configurations do, in children[0];
//   - the engine's: the complete Activepieces flow-version tree sent to
//     POST …/import, every key the engine's ImportFlowRequest requires
//     filled in (engine.go);
//   - Diga's answer: either that whole tree, or only what Diga's declared
//     response models carry (compare.go says how both are read).
//
// Meaning, not text, is compared:
//   - key order and whitespace never matter, and numbers compare by value;
//   - null and absent are the same, and so are an empty object or array and
//     an absent key;
//   - bookkeeping never matters: `valid`, `lastUpdatedDate`, `skip: false`,
//     the trigger's name "trigger", error-handling options left at their
//     default (`{"value": false}`), a router's executionType left at
//     EXECUTE_FIRST_MATCH, a CODE step's packageJson left at "{}", empty
//     router branches at the end of children; a loop body means the same in
//     firstLoopAction and in children[0];
//   - on the trigger, on steps and in their settings, a key that the user did
//     not write is the server's to fill (displayName, pieceVersion,
//     propertySettings, sampleData, …) — unless it changes what the flow
//     does: the next step, branch and loop bodies, the piece, action and
//     trigger names, the step type and name, the step input, router branches
//     and execution type, code and loop items, `skip: true` and
//     error-handling options a user set in the Diga UI. Those are compared
//     whatever the user wrote, so a step added in the Diga UI is a
//     difference;
//   - a pieceVersion the user wrote is met by the exact version the engine
//     stores when that version is in the range the user gave ("^0.17.0"
//     holds "0.17.9");
//   - inside values (input, branches, …) everything is compared, so an edited
//     message text or an added input field is a difference;
//   - a key the user wrote that Diga's declared response models cannot carry
//     (a CODE step's settings.sourceCode, a loop's settings.items, a loop
//     body, …) is write-only when Diga answers through those models: its
//     absence from an answer is not a difference. An answer that carries
//     keys outside the models (the whole engine tree) is compared in full.
package flowdef

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Parse decodes definition text into its tree. The definition must be one
// JSON object; numbers keep their exact text. Errors read as the end of a
// sentence about the definition: "not valid JSON: …", "not a JSON object
// but an array".
func Parse(text string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w%s", err, nonNumberHint(text, err))
	}
	if dec.More() {
		return nil, errors.New("not valid JSON: unexpected data after the top-level object")
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("not valid JSON: unexpected data after the top-level object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object (the flow's trigger) but %s", kindOf(v))
	}
	return obj, nil
}

// nonNumberHint explains a syntax error at NaN or Infinity, which some JSON
// writers (Python's json.dumps among them) produce but JSON does not allow.
func nonNumberHint(text string, err error) string {
	var syn *json.SyntaxError
	if !errors.As(err, &syn) || syn.Offset < 1 || int(syn.Offset) > len(text) {
		return ""
	}
	at := int(syn.Offset) - 1
	for _, w := range []string{"NaN", "Infinity"} {
		if strings.HasPrefix(text[at:], w) {
			if at > 0 && text[at-1] == '-' {
				w = "-" + w
			}
			return fmt.Sprintf(" (%s is not a JSON number, and Diga could not store it; write it as a string, or a finite number)", w)
		}
	}
	return ""
}

// Canonical renders v as compact JSON with sorted keys: the form Terraform's
// jsonencode() produces, so a definition written with jsonencode and its
// canonical form are the same text.
func Canonical(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(v); err != nil {
		// Only values from Parse or plain Go JSON types reach here.
		panic(fmt.Sprintf("flowdef: cannot encode definition: %v", err))
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// equalValues compares two cleaned JSON values; numbers by value.
func equalValues(a, b any) bool {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok || !equalValues(x, y) {
				return false
			}
		}
		return true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !equalValues(av[i], bv[i]) {
				return false
			}
		}
		return true
	case json.Number, float64:
		x, okx := toRat(a)
		y, oky := toRat(b)
		return okx && oky && x.Cmp(y) == 0
	default:
		return a == b
	}
}

func toRat(v any) (*big.Rat, bool) {
	switch n := v.(type) {
	case json.Number:
		r, ok := new(big.Rat).SetString(string(n))
		return r, ok
	case float64:
		r := new(big.Rat)
		if r.SetFloat64(n) == nil {
			return nil, false
		}
		return r, true
	}
	return nil, false
}

// brief renders a value for a message, shortened.
func brief(v any) string {
	if v == nil {
		return "null"
	}
	s := Canonical(v)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func stepName(v any) string {
	if m, ok := v.(map[string]any); ok {
		if n, ok := m["name"].(string); ok {
			return fmt.Sprintf("%q", n)
		}
	}
	return brief(v)
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
