package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// testKey must never appear in any output or report.
const testKey = "sk-probe-SENTINEL-4b1d-never-print-me"

// lockedBuffer collects output written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startEmulator serves an emulator in the given modes; every request the
// probe sends is checked against Diga's contract (the answers are not: the
// engine mode's 500 is off-contract on purpose). wrap, when given, sits in
// front of the emulator.
func startEmulator(t *testing.T, wrap func(http.Handler) http.Handler, opts ...emulator.Option) (*emulator.Server, string) {
	t.Helper()
	emu := emulator.New(append([]emulator.Option{emulator.WithAPIKeys(testKey)}, opts...)...)
	var h http.Handler = emu
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(contract.WrapRequests(t, h))
	t.Cleanup(srv.Close)
	return emu, srv.URL
}

func probeConfig(base string, out io.Writer) config {
	return config{
		BaseURL: base, APIKey: testKey, Out: out, MaxRetries: 2,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
	}
}

func verdict(t *testing.T, rep *Report, question string) Verdict {
	t.Helper()
	for _, v := range rep.Verdicts {
		if v.Question == question {
			return v
		}
	}
	t.Fatalf("no verdict %q in %+v", question, rep.Verdicts)
	return Verdict{}
}

// checkClean fails when a flow is left in the emulator or the key shows
// anywhere in the output or the report.
func checkClean(t *testing.T, emu *emulator.Server, rep *Report, out string) {
	t.Helper()
	if flows := emu.Flows(testKey); len(flows) != 0 {
		t.Errorf("%d flows left in the emulator, want 0 (report: deleted %v, leftovers %v)", len(flows), rep.Deleted, rep.Leftovers)
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, testKey) || strings.Contains(string(js), testKey) {
		t.Error("the API key appears in the output or the report")
	}
}

// TestProbeNamesEachEmulatorMode runs the probe against the emulator in
// every import mode × response mode and checks that the verdicts name
// exactly that combination.
func TestProbeNamesEachEmulatorMode(t *testing.T) {
	t.Parallel()
	// The probe's own mode names are the emulator's.
	if got := emulator.ImportModeNames(); strings.Join(got, ",") != modeLenient+","+modeEngine {
		t.Fatalf("emulator import modes %v; update the probe's names", got)
	}
	if got := emulator.ResponseModeNames(); strings.Join(got, ",") != modeDeclared+","+modeFull+","+modeDeclaredNoBodies {
		t.Fatalf("emulator response modes %v; update the probe's names", got)
	}
	// What each import mode's reading is, question by question.
	importAnswers := map[emulator.ImportMode]map[string]string{
		emulator.ImportLenient: {"import": ansFillsKeysIn, "loop_bodies": ansChildrenKept, "missing_piece_version": ansAcceptedNoVer, "piece_version_range": ansAsSent},
		emulator.ImportEngine:  {"import": ansEngineAsIs, "loop_bodies": ansFirstLoopOnly, "missing_piece_version": ans500, "piece_version_range": ansExact},
	}
	responseAnswers := map[emulator.ResponseMode]string{
		emulator.ResponseDeclared:             ansDeclared,
		emulator.ResponseFull:                 ansWholeTree,
		emulator.ResponseDeclaredNoLoopBodies: ansDeclaredNoBody,
	}
	for _, im := range []emulator.ImportMode{emulator.ImportLenient, emulator.ImportEngine} {
		for _, rm := range []emulator.ResponseMode{emulator.ResponseDeclared, emulator.ResponseFull, emulator.ResponseDeclaredNoLoopBodies} {
			t.Run(im.String()+"/"+rm.String(), func(t *testing.T) {
				t.Parallel()
				emu, base := startEmulator(t, nil, emulator.WithImportMode(im), emulator.WithResponseMode(rm))
				out := &lockedBuffer{}
				rep, err := run(context.Background(), probeConfig(base, out))
				if err != nil {
					t.Fatalf("run: %v\n%s", err, out)
				}
				if rep.ImportMode != im.String() || rep.ResponseMode != rm.String() {
					t.Errorf("modes = %q/%q, want %s/%s (note: %s)\n%s", rep.ImportMode, rep.ResponseMode, im, rm, rep.ModesNote, out)
				}
				for q, want := range importAnswers[im] {
					if v := verdict(t, rep, q); v.Answer != want || v.Mode != im.String() {
						t.Errorf("%s = %s (mode %q), want %s (%s); evidence: %s", q, v.Answer, v.Mode, want, im, v.Evidence)
					}
				}
				if v := verdict(t, rep, "get_answer"); v.Answer != responseAnswers[rm] || v.Mode != rm.String() {
					t.Errorf("get_answer = %s (mode %q), want %s (%s); evidence: %s", v.Answer, v.Mode, responseAnswers[rm], rm, v.Evidence)
				}
				if v := verdict(t, rep, "complete_tree"); v.Answer != ansImported || v.Mode != "" {
					t.Errorf("complete_tree = %s (mode %q), want imported; evidence: %s", v.Answer, v.Mode, v.Evidence)
				}
				if v := verdict(t, rep, "get_shows_draft"); v.Answer != ansDraft {
					t.Errorf("get_shows_draft = %s, want draft; evidence: %s", v.Answer, v.Evidence)
				}
				// The request count the help promises.
				want := requestsAtLeast
				if rm == emulator.ResponseDeclaredNoLoopBodies {
					want = requestsAtMost
				}
				if rep.Requests != want {
					t.Errorf("%d requests, want %d", rep.Requests, want)
				}
				for _, ex := range rep.Exchanges {
					if strings.HasSuffix(ex.Path, "/publish") || strings.HasSuffix(ex.Path, "/status") {
						t.Errorf("the probe sent %s %s", ex.Method, ex.Path)
					}
				}
				text := out.String()
				for _, s := range []string{
					"-import-mode " + im.String() + " -response-mode " + rm.String(),
					"Scratch flow " + rep.FlowID + " deleted.",
					"for the provider:",
				} {
					if !strings.Contains(text, s) {
						t.Errorf("output lacks %q:\n%s", s, text)
					}
				}
				checkClean(t, emu, rep, text)
			})
		}
	}
}

// TestProbeReportsAnHTMLGatewayPageAndStillDeletes: the first import is
// answered 500 with a gateway's HTML page. The probe shows the status and
// the page's text, goes on, and deletes the flow.
func TestProbeReportsAnHTMLGatewayPageAndStillDeletes(t *testing.T) {
	t.Parallel()
	var imports atomic.Int32
	gateway := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/import") && imports.Add(1) == 1 {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, "<html><head><title>500 Internal Server Error</title><style>body{color:red}</style></head>"+
					"<body><center><h1>500 Internal Server Error</h1></center><hr><center>cloudfront-gw</center></body></html>")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	emu, base := startEmulator(t, gateway)
	out := &lockedBuffer{}
	rep, err := run(context.Background(), probeConfig(base, out))
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	text := out.String()
	for _, s := range []string{
		"/import → 500 (text/html",
		"500 Internal Server Error 500 Internal Server Error cloudfront-gw",
		"import refused (500 text/html)",
		"Scratch flow " + rep.FlowID + " deleted.",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("output lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "color:red") {
		t.Errorf("the page's style shows in the output:\n%s", text)
	}
	d := rep.step(stepD)
	if d.Import.OK || d.Import.Status != 500 || !strings.HasPrefix(d.Import.ContentType, "text/html") {
		t.Errorf("step d import = %+v, want the 500 HTML page", d.Import)
	}
	// d told nothing; the other imports still decide what they can.
	if v := verdict(t, rep, "import"); v.Answer != ansFillsKeysIn {
		t.Errorf("import = %s, want %s", v.Answer, ansFillsKeysIn)
	}
	// Without d, b's body (sent in children, shown as children[0]) still
	// shows that GET shows loop bodies.
	if v := verdict(t, rep, "get_answer"); v.Answer != ansDeclared || !strings.Contains(v.Evidence, "after b") {
		t.Errorf("get_answer = %s (%s), want %s from b", v.Answer, v.Evidence, ansDeclared)
	}
	if v := verdict(t, rep, "complete_tree"); v.Answer != ansRefused {
		t.Errorf("complete_tree = %s (%s), want %s", v.Answer, v.Evidence, ansRefused)
	}
	checkClean(t, emu, rep, text)
}

// TestProbeDeletesOnInterrupt: the probe's context ends (Ctrl-C) during
// the second import; the flow is deleted with the cleanup context and the
// run reports the interruption.
func TestProbeDeletesOnInterrupt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var imports atomic.Int32
	interrupt := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/import") && imports.Add(1) == 2 {
				cancel()
			}
			next.ServeHTTP(w, r)
		})
	}
	emu, base := startEmulator(t, interrupt)
	out := &lockedBuffer{}
	rep, err := run(ctx, probeConfig(base, out))
	if err == nil {
		t.Fatalf("run succeeded after the interrupt:\n%s", out)
	}
	if rep == nil || len(rep.Deleted) != 1 || rep.Deleted[0] != rep.FlowID {
		t.Fatalf("report %+v: want the flow deleted", rep)
	}
	for _, ex := range rep.Exchanges {
		if ex.Step == stepA1 || ex.Step == stepA2 {
			t.Errorf("step %s ran after the interrupt", ex.Step)
		}
	}
	checkClean(t, emu, rep, out.String())
}

// TestProbePrintsTheFlowWhenTheDeleteFails: every DELETE is refused; the
// output names the flow and how to delete it, and the run fails.
func TestProbePrintsTheFlowWhenTheDeleteFails(t *testing.T) {
	t.Parallel()
	refuse := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `{"status":"error","error_code":"FORBIDDEN","message":"no delete permission"}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	emu, base := startEmulator(t, refuse)
	out := &lockedBuffer{}
	rep, err := run(context.Background(), probeConfig(base, out))
	if err == nil || !strings.Contains(err.Error(), rep.FlowID) {
		t.Fatalf("run error = %v, want one naming the flow %s", err, rep.FlowID)
	}
	text := out.String()
	for _, s := range []string{
		"COULD NOT DELETE flow " + rep.FlowID,
		"/v1/workflow/" + rep.FlowID,
		"The scratch flow was NOT deleted",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("output lacks %q:\n%s", s, text)
		}
	}
	if len(rep.Leftovers) != 1 || rep.Leftovers[0] != rep.FlowID {
		t.Errorf("leftovers = %v", rep.Leftovers)
	}
	if len(emu.Flows(testKey)) != 1 {
		t.Errorf("emulator holds %d flows, want the 1 left over", len(emu.Flows(testKey)))
	}
}

// TestMainWithoutKey: no DIGA_API_KEY → exit 2 with a message, nothing sent.
func TestMainWithoutKey(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := realMain(nil, func(string) string { return "" }, &stdout, &stderr, nil)
	if code != 2 || !strings.Contains(stderr.String(), "DIGA_API_KEY is not set") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// TestMainRefusesPlainHTTP: plain http only to loopback, as the provider.
func TestMainRefusesPlainHTTP(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DIGA_API_KEY": testKey, "DIGA_BASE_URL": "http://api.diga.io"}
	var stdout, stderr bytes.Buffer
	code := realMain(nil, func(k string) string { return env[k] }, &stdout, &stderr, nil)
	if code != 2 || !strings.Contains(stderr.String(), "https is required") || strings.Contains(stderr.String(), testKey) {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// TestMainWritesTheJSONReport runs the whole command against the emulator
// in its strictest pair.
func TestMainWritesTheJSONReport(t *testing.T) {
	t.Parallel()
	emu, base := startEmulator(t, nil, emulator.WithImportMode(emulator.ImportEngine), emulator.WithResponseMode(emulator.ResponseDeclaredNoLoopBodies))
	path := filepath.Join(t.TempDir(), "probe.json")
	env := map[string]string{"DIGA_API_KEY": testKey, "DIGA_BASE_URL": base}
	var stdout, stderr bytes.Buffer
	code := realMain([]string{"-json", path}, func(k string) string { return env[k] }, &stdout, &stderr, make(chan os.Signal))
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.ImportMode != modeEngine || rep.ResponseMode != modeDeclaredNoBodies || rep.Requests != len(rep.Exchanges) {
		t.Errorf("report: modes %s/%s, %d requests, %d exchanges", rep.ImportMode, rep.ResponseMode, rep.Requests, len(rep.Exchanges))
	}
	if strings.Contains(string(data), testKey) {
		t.Error("the report contains the API key")
	}
	checkClean(t, emu, &rep, stdout.String())
}

// TestProbeWithARefusedKey: the create is refused (401); nothing was
// created, so nothing is deleted and no verdict is printed.
func TestProbeWithARefusedKey(t *testing.T) {
	t.Parallel()
	emu, base := startEmulator(t, nil)
	out := &lockedBuffer{}
	cfg := probeConfig(base, out)
	cfg.APIKey = "sk-not-a-key-of-this-emulator"
	rep, err := run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("run error = %v, want the 401", err)
	}
	text := out.String()
	if !strings.Contains(text, "Nothing was imported") || !strings.Contains(text, "No scratch flow was created.") ||
		strings.Contains(text, "What holds") || strings.Contains(text, cfg.APIKey) {
		t.Errorf("output:\n%s", text)
	}
	if rep.Requests != 2 {
		t.Errorf("%d requests, want the piece look-up and the create", rep.Requests)
	}
	checkClean(t, emu, rep, text)
}

// TestProbeAfterALostCreateAnswer: the create is applied but its answer
// lost; the client finds the flow by listing. The listing (which shows the
// project's other flows) is neither printed nor kept, and the adopted flow
// is deleted.
func TestProbeAfterALostCreateAnswer(t *testing.T) {
	t.Parallel()
	var creates atomic.Int32
	lose := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/v1/workflow/" && creates.Add(1) == 1 {
				next.ServeHTTP(httptest.NewRecorder(), r)
				conn, _, err := w.(http.Hijacker).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				_ = conn.Close()
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	emu, base := startEmulator(t, lose)
	other := emu.CreateFlow(testKey, "someone-elses-private-flow")
	out := &lockedBuffer{}
	rep, err := run(context.Background(), probeConfig(base, out))
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	listed := false
	for _, ex := range rep.Exchanges {
		if ex.Method == http.MethodGet && strings.HasPrefix(ex.Path, "/v1/workflow/?") {
			listed = true
			if ex.Body != listNotKept {
				t.Errorf("listing kept: %s", ex.Body)
			}
		}
	}
	if !listed {
		t.Fatalf("no listing after the lost answer:\n%s", out)
	}
	js, _ := json.Marshal(rep)
	if text := out.String(); strings.Contains(text, "someone-elses") || strings.Contains(string(js), "someone-elses") {
		t.Errorf("another flow's name shows in the output or the report:\n%s", text)
	}
	flows := emu.Flows(testKey)
	if len(flows) != 1 || flows[0].ID != other {
		t.Errorf("flows left: %+v, want only the other one", flows)
	}
}

// rewriteImports hands every import body to next after edit has changed
// its trigger: a Diga that transforms bodies on their way to the engine.
func rewriteImports(t *testing.T, edit func(trigger map[string]any)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/import") {
				var body map[string]any
				data, _ := io.ReadAll(r.Body)
				if err := json.Unmarshal(data, &body); err != nil {
					t.Errorf("import body: %v", err)
				}
				if tr, ok := body["trigger"].(map[string]any); ok {
					edit(tr)
				}
				data, _ = json.Marshal(body)
				r.Body = io.NopCloser(bytes.NewReader(data))
				r.ContentLength = int64(len(data))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// TestProbeSeesFirstLoopActionDroppedOnImport: a Diga reading import bodies
// through its declared models drops firstLoopAction (and the other
// undeclared keys) before the engine. The complete tree then loses its loop
// body, which the probe reports as no emulator mode's reading.
func TestProbeSeesFirstLoopActionDroppedOnImport(t *testing.T) {
	t.Parallel()
	drop := rewriteImports(t, func(tr map[string]any) {
		walkTree(tr, func(s map[string]any) {
			delete(s, "firstLoopAction")
			delete(s, "lastUpdatedDate")
		})
	})
	emu, base := startEmulator(t, drop)
	out := &lockedBuffer{}
	rep, err := run(context.Background(), probeConfig(base, out))
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if v := verdict(t, rep, "complete_tree"); v.Answer != ansBodyLost || v.Axis != "import" {
		t.Errorf("complete_tree = %s (axis %q), want %s; evidence: %s", v.Answer, v.Axis, ansBodyLost, v.Evidence)
	}
	if v := verdict(t, rep, "loop_bodies"); v.Answer != ansChildrenKept {
		t.Errorf("loop_bodies = %s, want %s; evidence: %s", v.Answer, ansChildrenKept, v.Evidence)
	}
	if v := verdict(t, rep, "get_answer"); v.Answer != ansDeclared {
		t.Errorf("get_answer = %s, want %s; evidence: %s", v.Answer, ansDeclared, v.Evidence)
	}
	if rep.ImportMode != "" || !strings.Contains(rep.ModesNote, "complete_tree") {
		t.Errorf("import mode %q, note %q: want none, naming complete_tree", rep.ImportMode, rep.ModesNote)
	}
	if !strings.Contains(out.String(), "LOST") {
		t.Errorf("output does not shout the lost body:\n%s", out)
	}
	checkClean(t, emu, rep, out.String())
}

// TestProbeWhenSampleDataTellsNothing: GET hides loop bodies and the
// sample-data read answers alike for any step name. The probe says what
// it can (the response mode, unconfirmed) and leaves the rest unknown.
func TestProbeWhenSampleDataTellsNothing(t *testing.T) {
	t.Parallel()
	same := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/sample-data") {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"data":null}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	emu, base := startEmulator(t, same, emulator.WithResponseMode(emulator.ResponseDeclaredNoLoopBodies))
	out := &lockedBuffer{}
	rep, err := run(context.Background(), probeConfig(base, out))
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for q, want := range map[string]string{"complete_tree": ansUnknown, "loop_bodies": ansUnknown, "get_answer": ansDeclaredNoBody} {
		if v := verdict(t, rep, q); v.Answer != want {
			t.Errorf("%s = %s, want %s; evidence: %s", q, v.Answer, want, v.Evidence)
		}
	}
	if v := verdict(t, rep, "get_answer"); !strings.Contains(v.Evidence, "not confirmed") {
		t.Errorf("get_answer evidence %q does not say it is unconfirmed", v.Evidence)
	}
	if rep.ImportMode != modeLenient || rep.ResponseMode != modeDeclaredNoBodies {
		t.Errorf("modes %q/%q (note %s)", rep.ImportMode, rep.ResponseMode, rep.ModesNote)
	}
	checkClean(t, emu, rep, out.String())
}
