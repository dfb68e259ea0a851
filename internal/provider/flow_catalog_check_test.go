package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// catalogTarget is a provider served in-process, configured against
// baseURL with extra provider attributes, and the emulator behind it.
type catalogTarget struct {
	t   *testing.T
	ps  tfprotov6.ProviderServer
	emu *emulator.Server
	key string
	typ tftypes.Object
}

func newCatalogTarget(t *testing.T, baseURL func(srvURL string) string, extra map[string]any, opts ...emulator.Option) *catalogTarget {
	t.Helper()
	key := "catalog-key-" + randomSuffix(t)
	emu := emulator.New(append([]emulator.Option{emulator.WithAPIKeys(key)}, opts...)...)
	srv := httptest.NewServer(contract.WrapRequests(t, recordImports(t, emu)))
	t.Cleanup(srv.Close)
	url := srv.URL
	if baseURL != nil {
		url = baseURL(srv.URL)
	}
	ps, schemas := configuredServer(t, key, url, extra)
	typ := schemas.ResourceSchemas["diga_flow"].ValueType().(tftypes.Object)
	return &catalogTarget{t: t, ps: ps, emu: emu, key: key, typ: typ}
}

// planCreate plans a new flow with the definition and returns the
// diagnostics.
func (c *catalogTarget) planCreate(name, definition string) []*tfprotov6.Diagnostic {
	c.t.Helper()
	vals := map[string]tftypes.Value{}
	for n, at := range c.typ.AttributeTypes {
		vals[n] = tftypes.NewValue(at, nil)
	}
	vals["name"] = tftypes.NewValue(tftypes.String, name)
	vals["definition"] = tftypes.NewValue(tftypes.String, definition)
	cfg, err := tfprotov6.NewDynamicValue(c.typ, tftypes.NewValue(c.typ, vals))
	if err != nil {
		c.t.Fatal(err)
	}
	prior, err := tfprotov6.NewDynamicValue(c.typ, tftypes.NewValue(c.typ, nil))
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := c.ps.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: "diga_flow", PriorState: &prior, ProposedNewState: &cfg, Config: &cfg,
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.Diagnostics
}

// pieceRequests counts the catalogue requests the emulator received, by
// piece.
func (c *catalogTarget) pieceRequests() map[string]int {
	out := map[string]int{}
	for _, r := range c.emu.Requests() {
		if name, ok := strings.CutPrefix(r.Path, "/v1/workflow/piece/"); ok {
			out[name]++
		}
	}
	return out
}

func diagsOf(diags []*tfprotov6.Diagnostic, severity tfprotov6.DiagnosticSeverity) []string {
	var out []string
	for _, d := range diags {
		if d.Severity == severity {
			out = append(out, d.Summary+": "+d.Detail)
		}
	}
	return out
}

// catalogFlow is a definition using the Diga trigger and the given
// actions, each "piece action input-json"; "piece=x.y.z" pins the
// piece's version.
func catalogFlow(steps ...string) string {
	next := "null"
	for i := len(steps) - 1; i >= 0; i-- {
		f := strings.SplitN(steps[i], " ", 3)
		piece, version, pinned := strings.Cut(f[0], "=")
		pin := ""
		if pinned {
			pin = fmt.Sprintf(`"pieceVersion":%q,`, version)
		}
		next = fmt.Sprintf(`{"name":"s%d","type":"PIECE","settings":{"pieceName":%q,%s"actionName":%q,"input":%s},"nextAction":%s}`, i, piece, pin, f[1], f[2], next)
	}
	return `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished","input":{}},"nextAction":` + next + `}`
}

const (
	slackOK = `@activepieces/piece-slack send_channel_message {"channel":"C1","text":"hi","sendAsBot":true,"auth":"{{connections['slack_bot']}}"}`
	httpOK  = `@activepieces/piece-http send_request {"method":"POST","url":"https://x.example.com","headers":{},"queryParams":{},"authType":"NONE"}`
)

// A misspelled action and a missing required input fail the plan, an
// unknown input and a piece outside the catalogue warn, each naming its
// step; the plan sends no write, and reads each piece once.
func TestCatalogCheck_findingsAtPlan(t *testing.T) {
	t.Parallel()
	c := newCatalogTarget(t, nil, nil)
	diags := c.planCreate("checked", catalogFlow(
		`@activepieces/piece-slack send_chanel_message {"channel":"C1","text":"x"}`,
		`@activepieces/piece-slack send_channel_message {"text":"x","chanel":"C1","sendAsBot":true,"auth":"{{connections['slack_bot']}}"}`,
		httpOK,
		`@acme/piece-private=1.0.0 do_it {}`,
	))
	errs, warns := diagsOf(diags, tfprotov6.DiagnosticSeverityError), diagsOf(diags, tfprotov6.DiagnosticSeverityWarning)
	wantErrs := []string{
		`Unknown piece action: trigger > s0: The piece "@activepieces/piece-slack" has no action "send_chanel_message"; did you mean "send_channel_message"?`,
		`Missing required piece input: trigger > s0 > s1: The action "send_channel_message" of "@activepieces/piece-slack" requires the input "channel" (Channel), which has no default: add it to settings.input`,
	}
	wantWarns := []string{
		`Unknown piece input: trigger > s0 > s1: Settings.input.chanel is not an input of the action "send_channel_message" of "@activepieces/piece-slack", which ignores it; did you mean "channel"?`,
		`Piece not in Diga's catalogue: trigger > s0 > s1 > s2 > s3: The piece "@acme/piece-private" is not in Diga's piece catalogue`,
	}
	check := func(kind string, got, want []string) {
		if len(got) != len(want) {
			t.Fatalf("%s = %q, want %d", kind, got, len(want))
		}
		for i := range want {
			if !strings.HasPrefix(got[i], want[i]) {
				t.Errorf("%s %d = %q\nwant %q…", kind, i, got[i], want[i])
			}
		}
	}
	check("errors", errs, wantErrs)
	check("warnings", warns, wantWarns)
	if n := c.emu.WriteCount(c.key); n != 0 {
		t.Errorf("a plan with catalogue errors sent %d write(s)", n)
	}
	got := c.pieceRequests()
	if len(got) != 4 {
		t.Errorf("catalogue requests = %v, want one for each of the 4 pieces", got)
	}
	for name, n := range got {
		if n != 1 {
			t.Errorf("%s was read %d times", name, n)
		}
	}
	// HTTP's required authType has a default ("NONE"): no finding.
	if d := c.planCreate("http-only", catalogFlow(httpOK)); len(d) != 0 {
		t.Errorf("a correct flow got diagnostics: %s", diagText(d))
	}
}

// 200 flows using 5 pieces, planned concurrently by one provider, make 5
// catalogue requests.
func TestCatalogCheck_onePerPieceAcrossConcurrentPlans(t *testing.T) {
	t.Parallel()
	c := newCatalogTarget(t, nil, nil)
	defs := []string{
		catalogFlow(slackOK, httpOK),
		catalogFlow(`@activepieces/piece-gmail send_email {"authentication":"{{connections['gmail']}}","receiver":"a@example.com","subject":"s","body_text":"b"}`),
		catalogFlow(`@activepieces/piece-openai ask_chatgpt {"model":"m","prompt":"p","maxTokens":2048,"auth":"{{connections['openai']}}"}`, slackOK),
		catalogFlow(httpOK),
	}
	var wg sync.WaitGroup
	var bad atomic.Int32
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if d := c.planCreate(fmt.Sprintf("flow-%d", i), defs[i%len(defs)]); len(d) != 0 {
				bad.Add(1)
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d plans had diagnostics", bad.Load())
	}
	got := c.pieceRequests()
	total := 0
	for _, n := range got {
		total += n
	}
	t.Logf("200 concurrent plans, 5 pieces: %d catalogue requests %v", total, got)
	if len(got) != 5 || total != 5 {
		t.Errorf("catalogue requests = %v (%d), want one for each of the 5 pieces", got, total)
	}
}

// When the catalogue cannot be read, plans go on: one warning for the
// whole run, no error, and no fetch repeated by later plans.
func TestCatalogCheck_unreachableWarnsOnce(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	// A proxy or base path that routes nowhere: FastAPI's own 404.
	noRoute := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"detail":"Not Found"}`))
	}))
	t.Cleanup(noRoute.Close)
	cases := []struct {
		name    string
		baseURL func(string) string
		opts    []emulator.Option
		want    string
	}{
		{name: "network", baseURL: func(string) string { return closedURL }, want: "connect"},
		{name: "5xx after retries", opts: []emulator.Option{emulator.WithFaults(emulator.Faults{
			Seed: 1, ErrorRate: 1, ErrorStatuses: []int{http.StatusServiceUnavailable}, FaultUnauthenticated: true,
		})}, want: "gave up after 2 attempts: last answer 503"},
		{name: "route not found", baseURL: func(string) string { return noRoute.URL }, want: "404 Not Found: Not Found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCatalogTarget(t, tc.baseURL, map[string]any{"max_retries": 1}, tc.opts...)
			var warns []string
			for i := range 3 {
				d := c.planCreate(fmt.Sprintf("flow-%d", i), catalogFlow(slackOK, `@activepieces/piece-slack no_such_action {}`))
				if errs := diagsOf(d, tfprotov6.DiagnosticSeverityError); len(errs) > 0 {
					t.Fatalf("plan %d failed: %q", i, errs)
				}
				warns = append(warns, diagsOf(d, tfprotov6.DiagnosticSeverityWarning)...)
			}
			if len(warns) != 1 || !strings.HasPrefix(warns[0], "Piece catalogue checks skipped: ") ||
				!strings.Contains(warns[0], tc.want) || !strings.Contains(warns[0], "catalog_checks = false") {
				t.Fatalf("warnings = %q, want one that checks were skipped, naming %q and the setting", warns, tc.want)
			}
			if tc.baseURL == nil {
				// Each piece was tried once (two attempts), not once per plan.
				if got := c.pieceRequests(); len(got) != 2 || got["@diga/piece-diga"] != 2 || got["@activepieces/piece-slack"] != 2 {
					t.Errorf("catalogue requests = %v, want 2 attempts for each of the 2 pieces", got)
				}
			}
		})
	}
}

// catalog_checks = false: no catalogue request, no finding.
func TestCatalogCheck_off(t *testing.T) {
	t.Parallel()
	c := newCatalogTarget(t, nil, map[string]any{"catalog_checks": false})
	if d := c.planCreate("unchecked", catalogFlow(`@activepieces/piece-slack send_chanel_message {}`)); len(d) != 0 {
		t.Errorf("diagnostics with the checks off: %s", diagText(d))
	}
	if got := c.pieceRequests(); len(got) != 0 {
		t.Errorf("catalogue requests with the checks off: %v", got)
	}
}

// The cache itself: concurrent lookups of one piece share one fetch, a
// failure is remembered too, and a waiter that gives up does not cancel
// the fetch for the others.
func TestPieceCatalog_singleFetch(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	release := make(chan struct{})
	pc := &pieceCatalog{entries: map[string]*pieceEntry{}, fetch: func(ctx context.Context, name string) (*client.PieceDetail, error) {
		fetches.Add(1)
		<-release
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if name == "down" {
			return nil, errors.New("connection refused")
		}
		return &client.PieceDetail{Actions: []client.PieceOperation{{Name: "a"}}}, nil
	}}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := pc.lookup(canceled, "p"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a canceled waiter got %v", err)
	}
	var started, done sync.WaitGroup
	results := make([]error, 50)
	for i := range results {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			spec, err := pc.lookup(context.Background(), "p")
			if err == nil && (spec == nil || len(spec.Actions) != 1) {
				err = fmt.Errorf("spec = %+v", spec)
			}
			results[i] = err
		}()
	}
	started.Wait()
	close(release)
	done.Wait()
	for i, err := range results {
		if err != nil {
			t.Errorf("lookup %d: %v (the first waiter's cancellation must not fail the fetch)", i, err)
		}
	}
	for range 2 {
		if _, err := pc.lookup(context.Background(), "down"); err == nil {
			t.Error("an unreachable piece gave no error")
		}
	}
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches for 51 lookups of one piece and 2 of a failing one, want 2", n)
	}
}

// A piece name that can never be sent ("." or "..") is the definition's
// error, not a catalogue that could not be read.
func TestCatalogCheck_unsendablePieceNameIsADefinitionError(t *testing.T) {
	t.Parallel()
	c := newCatalogTarget(t, nil, nil)
	for _, name := range []string{".", ".."} {
		d := c.planCreate("dots", catalogFlow(name+` do_it {}`))
		errs := diagsOf(d, tfprotov6.DiagnosticSeverityError)
		warns := diagsOf(d, tfprotov6.DiagnosticSeverityWarning)
		if len(errs) != 1 || !strings.Contains(errs[0], "Invalid piece name") || len(warns) != 0 {
			t.Errorf("pieceName %q: errors %q, warnings %q", name, errs, warns)
		}
	}
	if got := c.pieceRequests(); got["."]+got[".."] != 0 {
		t.Errorf("catalogue requests %v", got)
	}
}
