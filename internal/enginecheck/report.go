package enginecheck

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// OK reports whether every pinned version accepts the body, imports it
// without throwing, keeps every step sent and leaves none invalid.
func (r Result) OK() bool {
	if r.Error != "" || len(r.Versions) == 0 {
		return false
	}
	for _, v := range r.Versions {
		if !v.OK() {
			return false
		}
	}
	return true
}

// OK is Result.OK for one version.
func (v Verdict) OK() bool {
	return v.CheckError == "" && v.Accepted && v.ImportError == "" && len(v.Dropped) == 0 && len(v.Invalid) == 0
}

// replayNote marks what a replay past the throwing operations found.
const replayNote = " (past the operations that threw)"

// Problems lists what is wrong with the body, one readable line each,
// prefixed with the versions it holds for: "0.96.2: step loop_body:
// dropped (sent at loop_1.children[0]; absent after the import)", or
// "0.96.2, 0.37.0: …" when both versions say the same. Empty when r.OK().
func (r Result) Problems() []string {
	if r.Error != "" {
		return []string{r.Error}
	}
	if len(r.Versions) == 0 {
		return []string{"not checked"}
	}
	return r.grouped(func(v Verdict) []string { return v.problems(true) })
}

// Problems is Result.Problems for one version.
func (v Verdict) Problems() []string {
	list := v.problems(true)
	for i, p := range list {
		list[i] = v.Version + ": " + p
	}
	return list
}

// Reasons lists r's problems without step names, each once, for counting
// why many bodies fail: "0.96.2, 0.37.0: ImportFlowRequest rejects
// trigger.valid: missing (boolean)", "0.37.0: a step is dropped",
// "0.96.2: a step is invalid: settings.input: missing (record)".
func (r Result) Reasons() []string {
	if r.Error != "" {
		return []string{"not JSON"}
	}
	return r.grouped(func(v Verdict) []string { return v.problems(false) })
}

// grouped joins the lines of every version, each line once, prefixed with
// the versions that gave it, in the order first seen.
func (r Result) grouped(lines func(Verdict) []string) []string {
	var order []string
	versions := map[string][]string{}
	for _, v := range r.Versions {
		for _, l := range lines(v) {
			if _, ok := versions[l]; !ok {
				order = append(order, l)
			}
			if !slices.Contains(versions[l], v.Version) {
				versions[l] = append(versions[l], v.Version)
			}
		}
	}
	out := make([]string, len(order))
	for i, l := range order {
		out[i] = strings.Join(versions[l], ", ") + ": " + l
	}
	return out
}

// problems lists v's problems without the version; with named false, the
// step names are left out (and each line is given once).
func (v Verdict) problems(named bool) []string {
	if v.CheckError != "" {
		return []string{"the checker failed: " + v.CheckError}
	}
	var out []string
	add := func(s string) {
		if named || !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, is := range v.SchemaErrors {
		add("ImportFlowRequest rejects " + is.Path + ": " + is.Message)
	}
	if v.ImportError != "" {
		if len(v.ImportErrors) == 0 {
			at := ""
			if v.ImportOperation != "" {
				at = " at " + operation(v.ImportOperation, named)
			}
			add("IMPORT_FLOW throws" + at + ": " + v.ImportError)
		}
		for i, e := range v.ImportErrors {
			verb := "IMPORT_FLOW throws at "
			if i > 0 {
				verb = "IMPORT_FLOW also throws" + replayNote + " at "
			}
			add(verb + operation(e.Operation, named) + ": " + e.Error)
		}
	}
	note := ""
	if v.Partial {
		note = replayNote
	}
	for _, d := range v.Dropped {
		if named {
			add(fmt.Sprintf("step %s: dropped (sent at %s; absent after the import%s)", d.Step, d.At, note))
		} else {
			add("a step is dropped" + note)
		}
	}
	for _, s := range v.Invalid {
		kind := "step"
		if s.Trigger {
			kind = "trigger"
		}
		if named {
			add(fmt.Sprintf("%s %s: invalid after the import%s: %s", kind, s.Step, note, issues(s.Issues)))
			continue
		}
		if kind == "step" {
			kind = "a step"
		} else {
			kind = "the trigger"
		}
		for _, is := range s.Issues {
			add(kind + " is invalid" + note + ": " + is.Path + ": " + is.Message)
		}
	}
	return out
}

// operation is an expanded operation as reported, or only its type.
func operation(op string, named bool) string {
	if named {
		return op
	}
	t, _, _ := strings.Cut(op, " ")
	return t
}

func issues(list []Issue) string {
	parts := make([]string, len(list))
	for i, is := range list {
		parts[i] = is.Path + ": " + is.Message
	}
	return strings.Join(parts, "; ")
}

// AssertImportable fails t unless every body passes every pinned version
// of the engine (Result.OK), listing each problem under the body's ID. All
// bodies are checked in one node run; a checker that cannot run fails t.
func AssertImportable(t testing.TB, bodies ...Body) {
	t.Helper()
	results, err := Check(t.Context(), bodies)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if !r.OK() {
			t.Errorf("engine check of %s:\n  %s", r.ID, strings.Join(r.Problems(), "\n  "))
		}
	}
}
