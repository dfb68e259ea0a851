package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/enginecheck"
)

// The engine check. Every POST /v1/workflow/{id}/import body that reaches a
// test's emulator is recorded with the test's name; after the acceptance
// suite, TestMain checks them all against Activepieces' own flow code
// (internal/enginecheck: each pinned @activepieces/shared version's
// ImportFlowRequest schema and IMPORT_FLOW operation). A body rejected,
// making the import throw, losing a step or leaving a step invalid under
// any version fails the run, with a report naming the tests.
//
// DIGA_ENGINE_CHECK: "on" (the default) enforces; "report" prints the
// same report without failing the run; "off" skips the check.
// DIGA_ENGINE_CHECK_REPORT=file writes the report of every failing body
// there (the run's output shows the first engineReportBodies).
const (
	envEngineCheck       = "DIGA_ENGINE_CHECK"
	envEngineCheckReport = "DIGA_ENGINE_CHECK_REPORT"
	engineReportBodies   = 20
)

type recordedImport struct {
	test   string
	tg     *accTarget // nil for servers built without an accTarget
	body   []byte
	status int // the emulator's answer
}

var (
	importsMu sync.Mutex
	imports   []recordedImport
)

// skipEngineCheck keeps the import bodies sent to this target out of the
// engine check: for tests that send engine-invalid bodies on purpose
// (through the client, to exercise the emulator's or the provider's
// handling of them). reason is printed in the check's summary.
func (tg *accTarget) skipEngineCheck(reason string) {
	tg.hookMu.Lock()
	defer tg.hookMu.Unlock()
	tg.engineCheckSkipped = reason
}

func (tg *accTarget) engineCheckSkip() string {
	if tg == nil {
		return ""
	}
	tg.hookMu.Lock()
	defer tg.hookMu.Unlock()
	return tg.engineCheckSkipped
}

// recordImports records, for the engine check, the body of every import
// request reaching h, under t's name. Every test server in front of an
// emulator goes through it (newAccTargetChecked does that for accTarget).
func recordImports(t testing.TB, h http.Handler) http.Handler {
	return recordImportsFor(t, nil, h)
}

func recordImportsFor(t testing.TB, tg *accTarget, h http.Handler) http.Handler {
	name := t.Name()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !isImportPath(r.URL.Path) || r.Body == nil {
			h.ServeHTTP(w, r)
			return
		}
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(b))
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if err != nil {
			return
		}
		importsMu.Lock()
		imports = append(imports, recordedImport{test: name, tg: tg, body: b, status: sw.status})
		importsMu.Unlock()
	})
}

// isImportPath: /v1/workflow/{flow_id}/import.
func isImportPath(p string) bool {
	parts := strings.Split(p, "/")
	return len(parts) == 5 && parts[0] == "" && parts[1] == "v1" && parts[2] == "workflow" && parts[3] != "" && parts[4] == "import"
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController (the emulator's dropped connections)
// reach the writer below.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// checkedBody is one distinct body and everything known about who sent it.
type checkedBody struct {
	body     []byte
	tests    []string
	sends    int
	statuses []int
}

// runEngineCheck checks the recorded import bodies (see the top of this
// file) and reports to out; it returns false when the run must fail.
func runEngineCheck(out io.Writer) bool {
	mode := os.Getenv(envEngineCheck)
	switch mode {
	case "", "on":
		mode = "on"
	case "report", "off":
	default:
		fmt.Fprintf(out, "engine check: %s=%q is not on, report or off\n", envEngineCheck, mode)
		return false
	}
	importsMu.Lock()
	recorded := slices.Clone(imports)
	importsMu.Unlock()
	if mode == "off" || len(recorded) == 0 {
		if mode == "off" && len(recorded) > 0 {
			fmt.Fprintf(out, "engine check: off (%s=off); %d import bodies not checked\n", envEngineCheck, len(recorded))
		}
		return true
	}

	bodies, skipped := distinctBodies(recorded)
	in := make([]enginecheck.Body, len(bodies))
	for i, b := range bodies {
		in[i] = enginecheck.Body{ID: b.tests[0], Body: b.body}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	results, err := enginecheck.Check(ctx, in)
	if err != nil {
		fmt.Fprintf(out, "FAIL: engine check could not run: %v\n", err)
		return mode != "on"
	}
	report := engineReport(bodies, results, skipped)
	failing := 0
	for _, r := range results {
		if !r.OK() {
			failing++
		}
	}
	fmt.Fprint(out, report.summary)
	if failing == 0 {
		return true
	}
	fmt.Fprint(out, report.details)
	if path := os.Getenv(envEngineCheckReport); path != "" {
		if err := os.WriteFile(path, []byte(report.summary+report.full), 0o644); err != nil {
			fmt.Fprintf(out, "engine check: writing %s: %v\n", path, err)
		} else {
			fmt.Fprintf(out, "engine check: the whole report is in %s\n", path)
		}
	}
	if mode == "report" {
		fmt.Fprintf(out, "engine check: %d failing bodies, not enforced (%s=report)\n", failing, envEngineCheck)
		return true
	}
	fmt.Fprintf(out, "FAIL: engine check: %d of %d distinct import bodies fail under Activepieces' own flow code (%s=report to only report)\n",
		failing, len(bodies), envEngineCheck)
	return false
}

// distinctBodies groups the recorded bodies by their compact JSON (retries
// and repeated applies send the same body), leaving out those of targets
// that opted out; skipped maps each such test to its reason.
func distinctBodies(recorded []recordedImport) ([]*checkedBody, map[string]string) {
	skipped := map[string]string{}
	byBody := map[string]*checkedBody{}
	var order []*checkedBody
	for _, r := range recorded {
		if reason := r.tg.engineCheckSkip(); reason != "" {
			skipped[r.test] = reason
			continue
		}
		key := r.body
		var c bytes.Buffer
		if json.Compact(&c, r.body) == nil {
			key = c.Bytes()
		}
		b, ok := byBody[string(key)]
		if !ok {
			b = &checkedBody{body: r.body}
			byBody[string(key)] = b
			order = append(order, b)
		}
		b.sends++
		if !slices.Contains(b.tests, r.test) {
			b.tests = append(b.tests, r.test)
		}
		if !slices.Contains(b.statuses, r.status) {
			b.statuses = append(b.statuses, r.status)
		}
	}
	for _, b := range order {
		slices.Sort(b.tests)
		slices.Sort(b.statuses)
	}
	slices.SortStableFunc(order, func(a, b *checkedBody) int { return strings.Compare(a.tests[0], b.tests[0]) })
	return order, skipped
}

type engineCheckReport struct {
	summary string // the counts, the reasons, the opt-outs
	details string // the first engineReportBodies failing bodies
	full    string // every failing body
}

func engineReport(bodies []*checkedBody, results []enginecheck.Result, skipped map[string]string) engineCheckReport {
	var versions []string
	accepted := map[string]int{}
	clean := map[string]int{}
	tests := map[string]bool{}
	reasons := map[string]int{}
	failing := 0
	for i, r := range results {
		for _, t := range bodies[i].tests {
			tests[t] = true
		}
		for _, v := range r.Versions {
			if !slices.Contains(versions, v.Version) {
				versions = append(versions, v.Version)
			}
			if v.Accepted {
				accepted[v.Version]++
			}
			if v.OK() {
				clean[v.Version]++
			}
		}
		if !r.OK() {
			failing++
			for _, reason := range r.Reasons() {
				reasons[reason]++
			}
		}
	}
	var s strings.Builder
	fmt.Fprintf(&s, "engine check: %d distinct import bodies from %d tests", len(bodies), len(tests))
	for _, v := range versions {
		fmt.Fprintf(&s, "; @activepieces/shared %s: %d accepted, %d imported cleanly", v, accepted[v], clean[v])
	}
	fmt.Fprintf(&s, "; %d pass every version\n", len(bodies)-failing)
	if len(skipped) > 0 {
		fmt.Fprintf(&s, "engine check: not checked (the test opted out):\n")
		for _, t := range slices.Sorted(maps.Keys(skipped)) {
			fmt.Fprintf(&s, "  %s: %s\n", t, skipped[t])
		}
	}
	if failing > 0 {
		fmt.Fprintf(&s, "engine check: why (failing bodies per reason):\n")
		keys := slices.Sorted(maps.Keys(reasons))
		slices.SortStableFunc(keys, func(a, b string) int { return reasons[b] - reasons[a] })
		for _, k := range keys {
			fmt.Fprintf(&s, "  %4d  %s\n", reasons[k], k)
		}
	}

	var details, full strings.Builder
	shown := 0
	for i, r := range results {
		if r.OK() {
			continue
		}
		var b strings.Builder
		b.WriteString("--- engine check FAIL: " + bodies[i].tests[0])
		if more := len(bodies[i].tests) - 1; more > 0 {
			fmt.Fprintf(&b, " (and %d more: %s)", more, strings.Join(bodies[i].tests[1:], ", "))
		}
		fmt.Fprintf(&b, "\n    sent %d× (the emulator's answers: %s): %s\n", bodies[i].sends, statusList(bodies[i].statuses), abbreviate(bodies[i].body, 240))
		for _, p := range r.Problems() {
			b.WriteString("    " + p + "\n")
		}
		full.WriteString(b.String())
		if shown < engineReportBodies {
			details.WriteString(b.String())
			shown++
		}
	}
	if shown < failing {
		fmt.Fprintf(&details, "--- … and %d more failing bodies (%s=file writes them all)\n", failing-shown, envEngineCheckReport)
	}
	return engineCheckReport{summary: s.String(), details: details.String(), full: full.String()}
}

func statusList(statuses []int) string {
	parts := make([]string, len(statuses))
	for i, st := range statuses {
		parts[i] = fmt.Sprint(st)
		if st == 0 {
			parts[i] = "none, connection dropped"
		}
	}
	return strings.Join(parts, ", ")
}

func abbreviate(body []byte, n int) string {
	var c bytes.Buffer
	if json.Compact(&c, body) == nil {
		body = c.Bytes()
	}
	if len(body) <= n {
		return string(body)
	}
	return string(body[:n]) + "…"
}

func TestIsImportPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/v1/workflow/abc/import":  true,
		"/v1/workflow//import":     false,
		"/v1/workflow/abc/publish": false,
		"/v1/workflow/import":      false,
		"/v1/workflow/a/b/import":  false,
	} {
		if got := isImportPath(p); got != want {
			t.Errorf("isImportPath(%q) = %v", p, got)
		}
	}
}

// Retries of one body count once, with every test and answer; the bodies
// of a target that opted out are left out and listed with the reason.
func TestDistinctBodies(t *testing.T) {
	skipped := &accTarget{}
	skipped.skipEngineCheck("sends engine-invalid bodies on purpose")
	checked := &accTarget{}
	got, skips := distinctBodies([]recordedImport{
		{test: "TestB", tg: checked, body: []byte(`{"displayName": "a"}`), status: http.StatusServiceUnavailable},
		{test: "TestB", tg: checked, body: []byte(`{"displayName":"a"}`), status: http.StatusOK},
		{test: "TestA", tg: nil, body: []byte(`{"displayName":"a"}`), status: http.StatusOK},
		{test: "TestC", tg: skipped, body: []byte(`{"displayName":"bad"}`), status: http.StatusOK},
		{test: "TestA", tg: nil, body: []byte(`{"displayName":"b"}`), status: 0},
	})
	if len(got) != 2 {
		t.Fatalf("got %d bodies", len(got))
	}
	a := got[0]
	if string(a.body) != `{"displayName": "a"}` || !slices.Equal(a.tests, []string{"TestA", "TestB"}) ||
		a.sends != 3 || !slices.Equal(a.statuses, []int{200, 503}) {
		t.Errorf("first body: %+v", a)
	}
	if b := got[1]; string(b.body) != `{"displayName":"b"}` || b.sends != 1 || !slices.Equal(b.statuses, []int{0}) {
		t.Errorf("second body: %+v", b)
	}
	if len(skips) != 1 || skips["TestC"] != "sends engine-invalid bodies on purpose" {
		t.Errorf("skipped: %v", skips)
	}
}
