package main

// The fault scenario at scale (make bench-faults).
//
// With -faults the bench runs, instead of its timing rounds, ONE apply, a
// plan and a destroy of the diga_defined configuration (N flows with a
// definition and enabled = true) against a separate emulator that answers
// 20 % of requests with an injected 429, 502 or 503 and loses the answer of
// 5 % of the writes it applies (-fault-seed picks the PRNG seed). Then it
// checks, through the emulator's HTTP API with the bench's key, that the one
// apply succeeded and left exactly the flows in state (none missing, no
// orphan, no name twice, every flow ENABLED with its definition), that the
// plan is clean and that destroy leaves nothing; and it reports per phase
// the seconds, the requests, the injected errors and lost answers (read from
// the emulator's request log, where a lost answer is logged as "lost" and
// 429/502/503 are only ever injected) and the extra requests the faults
// cost over the fault-free floor (apiFloor: 4, 1 and 2 per flow).

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The fault scenario (the same as TestAccFlow_underFaults).
const (
	faultErrorRate      = 0.2
	faultErrorStatuses  = "429,502,503"
	faultLostAnswerRate = 0.05
)

var (
	faultMode = flag.Bool("faults", false, "run the fault scenario instead of the timing rounds: one apply, plan and destroy of N defined, enabled flows "+
		"under 20 % injected 429/502/503 and 5 % lost answers (-n, -parallelism, -json, -markdown, -keep, -timeout and -cmd-timeout apply; the other flags do not)")
	faultSeed = flag.Int64("fault-seed", 1, "with -faults: the emulator's -fault-seed")
)

// FaultResult is what -faults writes as JSON.
type FaultResult struct {
	When           string        `json:"when"`
	N              int           `json:"n"`
	Parallelism    int           `json:"parallelism"`
	Terraform      string        `json:"terraform"`
	Go             string        `json:"go"`
	CPUs           int           `json:"cpus"`
	LoadBefore     string        `json:"load_before"`
	LoadAfter      string        `json:"load_after"`
	Seed           int64         `json:"fault_seed"`
	ErrorRate      float64       `json:"error_rate"`
	ErrorStatuses  string        `json:"error_statuses"`
	LostAnswerRate float64       `json:"lost_answer_rate"`
	Phases         []*FaultPhase `json:"phases"`
	Server         FaultServer   `json:"after_apply"`
	FlowsLeft      int           `json:"flows_left_after_destroy"`
	Warnings       []string      `json:"provider_warnings,omitempty"`
	Checks         []Target      `json:"checks"`
	Pass           bool          `json:"pass"`
}

// FaultPhase is one terraform command under faults. Requests and every
// count derived from it leave out the piece catalogue reads (as the timing
// bench does); PieceRequests counts those, their retries included.
type FaultPhase struct {
	Name           string         `json:"phase"`
	Seconds        float64        `json:"seconds"`
	ExitCode       int            `json:"exit_code"`
	Requests       int            `json:"requests"`
	Floor          int            `json:"fault_free_floor"`
	Extra          int            `json:"extra_requests"`
	ByKind         map[string]int `json:"requests_by_kind"`
	InjectedErrors int            `json:"injected_errors"`
	ByStatus       map[string]int `json:"injected_errors_by_status,omitempty"`
	LostAnswers    int            `json:"lost_answers"`
	LostByKind     map[string]int `json:"lost_answers_by_kind,omitempty"`
	PieceRequests  int            `json:"piece_requests"`
	Warnings       int            `json:"warnings"`
}

// FaultServer compares the server's flows with terraform.tfstate.
type FaultServer struct {
	Flows      int      `json:"flows_on_server"`
	InState    int      `json:"flows_in_state"`
	Missing    []string `json:"in_state_not_on_server,omitempty"`
	Orphans    []string `json:"orphans,omitempty"`
	Duplicates []string `json:"duplicate_names,omitempty"`
	NotReady   []string `json:"not_enabled_or_without_definition,omitempty"`
	Unexpected []string `json:"names_not_configured,omitempty"`
}

// faultsMain runs the fault scenario and returns the exit status: 0 when
// every check passed, 3 when one failed, 1 when the run itself broke.
func faultsMain(o options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	res, err := runFaults(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench -faults:", err)
		return 1
	}
	if !res.Pass {
		fmt.Println("\nbench -faults: some checks FAILED (see the table)")
		return 3
	}
	return 0
}

func runFaults(ctx context.Context, o options) (*FaultResult, error) {
	fmt.Println("building the provider and the emulator…")
	work, bin, rc, cleanup, err := setUp(ctx, o, "diga-bench-faults-", "", false)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	var defined config
	for _, c := range configs(bin) {
		if c.Key == "diga_defined" {
			defined = c
		}
	}
	res := &FaultResult{
		When: time.Now().UTC().Format(time.RFC3339), N: o.n, Parallelism: o.parallelism,
		Terraform: terraformVersion(ctx, rc), Go: runtime.Version(), CPUs: runtime.NumCPU(), LoadBefore: loadavg(),
		Seed: *faultSeed, ErrorRate: faultErrorRate, ErrorStatuses: faultErrorStatuses, LostAnswerRate: faultLostAnswerRate,
	}
	logPath := filepath.Join(work, "emulator-faults.log")
	emu, err := startEmulator(ctx, filepath.Join(bin, "diga-emulator"), logPath, 0,
		"-fault-seed", strconv.FormatInt(*faultSeed, 10),
		"-error-rate", strconv.FormatFloat(faultErrorRate, 'g', -1, 64),
		"-error-statuses", faultErrorStatuses,
		"-lost-answer-rate", strconv.FormatFloat(faultLostAnswerRate, 'g', -1, 64))
	if err != nil {
		return nil, err
	}
	defer emu.stop()

	dir := filepath.Join(work, "diga_defined-faults")
	if err := writeConfig(dir, defined.hcl(o.n)); err != nil {
		return nil, err
	}
	env := tfEnv(rc, []string{"DIGA_API_KEY=" + emu.key, "DIGA_BASE_URL=" + emu.url})
	par := "-parallelism=" + strconv.Itoa(o.parallelism)
	floor := apiFloor(true)
	check := func(name string, pass bool, format string, args ...any) {
		res.Checks = append(res.Checks, Target{Name: name, Detail: fmt.Sprintf(format, args...), Pass: pass})
	}
	warnings := map[string]bool{}

	runPhase := func(name string, args []string) (*FaultPhase, string, error) {
		from, err := markSeq(ctx, emu)
		if err != nil {
			return nil, "", err
		}
		start := time.Now()
		out, _, runErr := terraform(ctx, o.cmdTimeout, dir, env, args)
		secs := time.Since(start).Seconds()
		to, err := markSeq(ctx, emu)
		if err != nil {
			return nil, "", err
		}
		ph, err := countFaultLog(logPath, from, to)
		if err != nil {
			return nil, "", err
		}
		ph.Name, ph.Seconds = name, secs
		ph.ExitCode = exitCode(runErr)
		ph.Floor = int(floor[name]) * o.n
		ph.Extra = ph.Requests - ph.Floor
		for _, w := range warningSummaries(out) {
			ph.Warnings++
			warnings[name+": "+w] = true
		}
		res.Phases = append(res.Phases, ph)
		fmt.Printf("  %-8s %7.2f s  exit %d  %5d requests (floor %d, +%d)  %d injected errors, %d lost answers\n",
			name, secs, ph.ExitCode, ph.Requests, ph.Floor, ph.Extra, ph.InjectedErrors, ph.LostAnswers)
		return ph, out, nil
	}

	// One apply: it must succeed on its own.
	ph, out, err := runPhase("apply", []string{"apply", "-auto-approve", "-input=false", "-no-color", par})
	if err != nil {
		return nil, err
	}
	outcome := checkOutcome("apply", out, o.n)
	check("one apply succeeds (exit 0, all N added)", ph.ExitCode == 0 && outcome == nil, "exit %d%s", ph.ExitCode, errSuffix(outcome, out))

	// The server against the state.
	stateIDs, err := stateFlows(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		return nil, err
	}
	flows, err := emu.listFlows(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the flows after apply: %w", err)
	}
	res.Server = compareServer(flows, stateIDs, o.n)
	s := res.Server
	check("N flows on the server and in state", s.Flows == o.n && s.InState == o.n, "%d on the server, %d in state, want %d", s.Flows, s.InState, o.n)
	check("every flow in state exists on the server", len(s.Missing) == 0, "%d missing%s", len(s.Missing), listSuffix(s.Missing))
	check("no orphan (a flow on the server outside state)", len(s.Orphans) == 0, "%d orphans%s", len(s.Orphans), listSuffix(s.Orphans))
	check("no duplicate (a name used twice)", len(s.Duplicates) == 0, "%d duplicate names%s", len(s.Duplicates), listSuffix(s.Duplicates))
	check("only the configured names (bench-0 … bench-N−1)", len(s.Unexpected) == 0, "%d other names%s", len(s.Unexpected), listSuffix(s.Unexpected))
	check("every flow ENABLED (so published) with its definition", len(s.NotReady) == 0, "%d not ready%s", len(s.NotReady), listSuffix(s.NotReady))

	// A clean plan.
	ph, out, err = runPhase("plan", []string{"plan", "-input=false", "-no-color", "-detailed-exitcode", par})
	if err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("exit %d", ph.ExitCode)
	if ph.ExitCode != 0 {
		detail += ": " + planSummary(out)
	}
	check("plan after the apply is clean (-detailed-exitcode 0)", ph.ExitCode == 0, "%s", detail)

	// Destroy, and nothing left.
	ph, out, err = runPhase("destroy", []string{"destroy", "-auto-approve", "-input=false", "-no-color", par})
	if err != nil {
		return nil, err
	}
	outcome = checkOutcome("destroy", out, o.n)
	check("destroy succeeds (exit 0, all N destroyed)", ph.ExitCode == 0 && outcome == nil, "exit %d%s", ph.ExitCode, errSuffix(outcome, out))
	left, err := emu.listFlows(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the flows after destroy: %w", err)
	}
	res.FlowsLeft = len(left)
	check("no flow left after destroy", len(left) == 0, "%d left", len(left))

	var errs, lost int
	for _, p := range res.Phases {
		errs += p.InjectedErrors
		lost += p.LostAnswers
	}
	check("faults were injected (else this proves nothing)", errs > 0 && lost > 0, "%d injected errors, %d lost answers", errs, lost)
	for w := range warnings {
		res.Warnings = append(res.Warnings, w)
	}
	sort.Strings(res.Warnings)

	res.Pass = true
	for _, c := range res.Checks {
		res.Pass = res.Pass && c.Pass
	}
	res.LoadAfter = loadavg()
	fmt.Println()
	fmt.Print(faultsMarkdown(res))
	if err := writeResults(o, res, func(path string) error { return writeFaultsMarkdown(path, res) }); err != nil {
		return nil, err
	}
	return res, nil
}

// markSeq sends a marker request and returns its number; the request log
// holds every earlier request before the marker's line.
func markSeq(ctx context.Context, emu *emulatorProc) (int, error) {
	if _, err := emu.mark(ctx); err != nil {
		return 0, err
	}
	emu.mu.Lock()
	defer emu.mu.Unlock()
	return emu.seq, nil
}

// countFaultLog counts the request-log lines between the markers from and
// to: `DATE TIME METHOD "TARGET" OUTCOME DURATION`, OUTCOME a status,
// "lost" or "canceled". The emulator itself never answers 429, 502 or 503:
// those are the injected errors.
func countFaultLog(path string, from, to int) (*FaultPhase, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ph := &FaultPhase{ByKind: map[string]int{}, ByStatus: map[string]int{}, LostByKind: map[string]int{}}
	inside := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		target, err := strconv.Unquote(f[3])
		if err != nil {
			continue
		}
		p, _, _ := strings.Cut(target, "?")
		if n, ok := strings.CutPrefix(p, "/v1/workflow/bench-mark-"); ok {
			switch n {
			case strconv.Itoa(from):
				inside = true
			case strconv.Itoa(to):
				inside = false
			}
			continue
		}
		if !inside {
			continue
		}
		kind := requestKind(f[2], p)
		if perProcess(kind) {
			ph.PieceRequests++
			continue
		}
		ph.Requests++
		ph.ByKind[kind]++
		switch outcome := f[4]; outcome {
		case "429", "502", "503":
			ph.InjectedErrors++
			ph.ByStatus[outcome]++
		case "lost":
			ph.LostAnswers++
			ph.LostByKind[kind]++
		}
	}
	return ph, nil
}

// listSuffix renders up to ten items as ": a, b, …".
func listSuffix(items []string) string {
	if len(items) == 0 {
		return ""
	}
	more := ""
	if len(items) > 10 {
		items, more = items[:10], ", …"
	}
	return ": " + strings.Join(items, ", ") + more
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func errSuffix(err error, out string) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error() + "; " + strings.ReplaceAll(tail(out, 6), "\n", " ⏎ ")
}

// warningSummaries returns the summary line of every warning in a
// terraform command's output ("│ Warning: …" or "Warning: …") but
// Terraform's own about the bench's dev_overrides.
func warningSummaries(out string) []string {
	var ws []string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "│"))
		if s, ok := strings.CutPrefix(line, "Warning: "); ok && s != "Provider development overrides are in effect" {
			ws = append(ws, s)
		}
	}
	return ws
}

// planSummary is the "Plan: …" line of a non-empty plan, or its last lines.
func planSummary(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Plan: ") {
			return line
		}
	}
	return strings.ReplaceAll(tail(out, 6), "\n", " ⏎ ")
}

// stateFlows returns the ids of the diga_flow instances in a state file.
func stateFlows(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				Attributes struct {
					ID string `json:"id"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var ids []string
	for _, r := range st.Resources {
		if r.Type != "diga_flow" {
			continue
		}
		for _, in := range r.Instances {
			ids = append(ids, in.Attributes.ID)
		}
	}
	return ids, nil
}

// serverFlow is what the checks read of a listed flow.
type serverFlow struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Status  string `json:"status"`
	Trigger struct {
		Type       string `json:"type"`
		NextAction *struct {
			Name string `json:"name"`
		} `json:"nextAction"`
	} `json:"trigger"`
}

// compareServer checks the listed flows against the state. A flow counts as
// ready when it is ENABLED and its trigger is the configured one: the API
// shows no "published" flag, but a status change is ignored while a flow
// was never published, so ENABLED implies published.
func compareServer(flows []serverFlow, stateIDs []string, n int) FaultServer {
	s := FaultServer{Flows: len(flows), InState: len(stateIDs)}
	onServer := map[string]bool{}
	names := map[string]int{}
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		want["bench-"+strconv.Itoa(i)] = true
	}
	inState := map[string]bool{}
	for _, id := range stateIDs {
		inState[id] = true
	}
	if len(inState) != len(stateIDs) {
		s.Duplicates = append(s.Duplicates, "(an id twice in state)")
	}
	for _, f := range flows {
		onServer[f.ID] = true
		names[f.Name]++
		if !inState[f.ID] {
			s.Orphans = append(s.Orphans, f.ID+" ("+f.Name+")")
		}
		if !want[f.Name] {
			s.Unexpected = append(s.Unexpected, f.Name)
		}
		if f.Status != "ENABLED" || f.Trigger.Type != "PIECE_TRIGGER" || f.Trigger.NextAction == nil || f.Trigger.NextAction.Name != "post_to_slack" {
			s.NotReady = append(s.NotReady, fmt.Sprintf("%s (%s, %s, %s)", f.ID, f.Name, f.Status, f.Trigger.Type))
		}
	}
	for _, id := range stateIDs {
		if !onServer[id] {
			s.Missing = append(s.Missing, id)
		}
	}
	for name, c := range names {
		if c > 1 {
			s.Duplicates = append(s.Duplicates, fmt.Sprintf("%s ×%d", name, c))
		}
	}
	slices.Sort(s.Duplicates)
	return s
}

// listFlows walks every page of GET /v1/workflow/ (30 a page, cursor after
// the last id) with the bench's key, retrying what fault injection does to
// its requests.
func (e *emulatorProc) listFlows(ctx context.Context) ([]serverFlow, error) {
	var all []serverFlow
	after := ""
	for range 1000 {
		q := url.Values{"limit": {"30"}}
		if after != "" {
			q.Set("after", after)
		}
		var page struct {
			Data    []serverFlow `json:"data"`
			LastID  *string      `json:"last_id"`
			HasMore bool         `json:"has_more"`
		}
		if err := e.getJSON(ctx, "/v1/workflow/?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		all = append(all, page.Data...)
		if !page.HasMore || page.LastID == nil {
			return all, nil
		}
		after = *page.LastID
	}
	return nil, errors.New("more than 1000 pages of flows")
}

var checkClient = &http.Client{Timeout: 30 * time.Second}

// getJSON GETs path and decodes a 200 answer, retrying injected errors
// (429 after its Retry-After, 502, 503) and transport errors.
func (e *emulatorProc) getJSON(ctx context.Context, path string, v any) error {
	var last error
	for attempt := 0; attempt < 50; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+e.key)
		wait := 50 * time.Millisecond
		resp, err := checkClient.Do(req)
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case rerr != nil:
				last = rerr
			case resp.StatusCode == http.StatusOK:
				return json.Unmarshal(body, v)
			case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable:
				last = fmt.Errorf("GET %s: %s", path, resp.Status)
				if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
					wait = time.Duration(s) * time.Second
				}
			default:
				return fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
			}
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return fmt.Errorf("gave up after 50 attempts: %w", last)
}

// faultsMarkdown renders the -faults section of BENCHMARKS.md.
func faultsMarkdown(res *FaultResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s: one `terraform apply`, then `plan -detailed-exitcode` and `destroy`, of N=%d `diga_flow` with definition + enabled (the `diga_defined` configuration), -parallelism=%d, "+
		"against an emulator injecting %.0f %% errors (%s) and losing the answer of %.0f %% of the writes it applies (-fault-seed %d); %s, %s, %d CPUs, load average %s before and %s after.\n\n",
		res.When, res.N, res.Parallelism, res.ErrorRate*100, res.ErrorStatuses, res.LostAnswerRate*100, res.Seed,
		res.Terraform, res.Go, res.CPUs, res.LoadBefore, res.LoadAfter)
	b.WriteString("Requests are counted in the emulator's request log between marker requests, piece catalogue reads left out; " +
		"the fault-free floor is 4 per flow for apply, 1 for plan, 2 for destroy; extra = requests − floor. " +
		"The seed fixes the emulator's PRNG, not which request draws which fault: with -parallelism the arrival order, and so the counts, vary from run to run.\n\n")
	b.WriteString("| phase | seconds | exit | requests | fault-free floor | extra requests | injected errors | lost answers | warnings |\n|---|---|---|---|---|---|---|---|---|\n")
	var t FaultPhase
	for _, p := range res.Phases {
		fmt.Fprintf(&b, "| %s | %.2f | %d | %d | %d | %d (%.2f per flow) | %d%s | %d%s | %d |\n", p.Name, p.Seconds, p.ExitCode,
			p.Requests, p.Floor, p.Extra, float64(p.Extra)/float64(res.N), p.InjectedErrors, fmtCounts(p.ByStatus), p.LostAnswers, fmtCounts(p.LostByKind), p.Warnings)
		t.Seconds += p.Seconds
		t.Requests += p.Requests
		t.Floor += p.Floor
		t.Extra += p.Extra
		t.InjectedErrors += p.InjectedErrors
		t.LostAnswers += p.LostAnswers
		t.Warnings += p.Warnings
	}
	fmt.Fprintf(&b, "| **total** | %.2f | | %d | %d | %d (%.2f per flow) | %d | %d | %d |\n\n", t.Seconds, t.Requests, t.Floor, t.Extra,
		float64(t.Extra)/float64(res.N), t.InjectedErrors, t.LostAnswers, t.Warnings)
	b.WriteString("Requests by kind (injected errors and lost answers included):\n\n")
	for _, p := range res.Phases {
		fmt.Fprintf(&b, "- %s:%s", p.Name, fmtCounts(p.ByKind))
		if p.PieceRequests > 0 {
			fmt.Fprintf(&b, "; piece catalogue reads, not counted above: %d", p.PieceRequests)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	s := res.Server
	fmt.Fprintf(&b, "After the apply: %d flows on the server, %d in state; %d missing, %d orphans, %d duplicate names, %d not ENABLED with their definition. After destroy: %d flows left.\n",
		s.Flows, s.InState, len(s.Missing), len(s.Orphans), len(s.Duplicates), len(s.NotReady), res.FlowsLeft)
	if len(res.Warnings) > 0 {
		b.WriteString("\nProvider warnings shown:\n\n")
		for _, w := range res.Warnings {
			fmt.Fprintf(&b, "- %s\n", w)
		}
	}
	b.WriteString("\nChecks:\n\n| check | measured | |\n|---|---|---|\n")
	for _, c := range res.Checks {
		verdict := "pass"
		if !c.Pass {
			verdict = "**FAIL**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.Name, strings.ReplaceAll(c.Detail, "|", "\\|"), verdict)
	}
	return b.String()
}

// fmtCounts renders {"429": 3, "502": 1} as "(429: 3, 502: 1)".
func fmtCounts(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

const (
	faultsBeginMarker = "<!-- bench-faults:begin"
	faultsEndMarker   = "<!-- bench-faults:end -->"
)

// writeFaultsMarkdown replaces the section between "<!-- bench-faults:begin
// N=… -->" and "<!-- bench-faults:end -->" for this N, appending it (under
// its own heading) when there is none.
func writeFaultsMarkdown(path string, res *FaultResult) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	text := string(old)
	begin := fmt.Sprintf("%s N=%d -->", faultsBeginMarker, res.N)
	section := begin + "\n" + faultsMarkdown(res) + faultsEndMarker
	if i := strings.Index(text, begin); i >= 0 {
		if j := strings.Index(text[i:], faultsEndMarker); j >= 0 {
			text = text[:i] + section + text[i+j+len(faultsEndMarker):]
			return os.WriteFile(path, []byte(text), 0o644)
		}
	}
	if text != "" && !strings.HasSuffix(text, "\n\n") {
		text = strings.TrimRight(text, "\n") + "\n\n"
	}
	text += fmt.Sprintf("## Under faults, N=%d\n\n", res.N) + section + "\n"
	return os.WriteFile(path, []byte(text), 0o644)
}
