package enginecheck

import (
	"fmt"
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

// Problems lists what is wrong with the body, one readable line each,
// prefixed with the version: "0.96.2: step loop_body: dropped (sent at
// loop_1.children[0]; absent after the import)". Empty when r.OK().
func (r Result) Problems() []string {
	if r.Error != "" {
		return []string{r.Error}
	}
	if len(r.Versions) == 0 {
		return []string{"not checked"}
	}
	var out []string
	for _, v := range r.Versions {
		out = append(out, v.Problems()...)
	}
	return out
}

// Problems is Result.Problems for one version.
func (v Verdict) Problems() []string {
	p := v.Version + ": "
	if v.CheckError != "" {
		return []string{p + "the checker failed: " + v.CheckError}
	}
	var out []string
	for _, is := range v.SchemaErrors {
		out = append(out, p+"ImportFlowRequest rejects "+is.Path+": "+is.Message)
	}
	if v.ImportError != "" {
		at := ""
		if v.ImportOperation != "" {
			at = " at " + v.ImportOperation
		}
		out = append(out, p+"IMPORT_FLOW throws"+at+": "+v.ImportError)
	}
	for _, d := range v.Dropped {
		out = append(out, fmt.Sprintf("%sstep %s: dropped (sent at %s; absent after the import)", p, d.Step, d.At))
	}
	for _, s := range v.Invalid {
		kind := "step"
		if s.Trigger {
			kind = "trigger"
		}
		out = append(out, fmt.Sprintf("%s%s %s: invalid after the import: %s", p, kind, s.Step, issues(s.Issues)))
	}
	return out
}

// Reasons lists r's problems without step names, each once, for counting
// why many bodies fail: "0.96.2: ImportFlowRequest rejects
// trigger.valid: missing (boolean)", "0.96.2: a step is dropped",
// "0.96.2: a step is invalid: settings.input: missing (record)".
func (r Result) Reasons() []string {
	if r.Error != "" {
		return []string{"not JSON"}
	}
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, v := range r.Versions {
		p := v.Version + ": "
		if v.CheckError != "" {
			add(p + "the checker failed")
		}
		for _, is := range v.SchemaErrors {
			add(p + "ImportFlowRequest rejects " + is.Path + ": " + is.Message)
		}
		if v.ImportError != "" {
			op, _, _ := strings.Cut(v.ImportOperation, " ")
			add(p + "IMPORT_FLOW throws at " + op + ": " + v.ImportError)
		}
		if len(v.Dropped) > 0 {
			add(p + "a step is dropped")
		}
		for _, s := range v.Invalid {
			kind := "a step"
			if s.Trigger {
				kind = "the trigger"
			}
			for _, is := range s.Issues {
				add(p + kind + " is invalid: " + is.Path + ": " + is.Message)
			}
		}
	}
	return out
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
