// Command bench measures terraform-provider-diga against the floor every
// terraform-plugin-framework provider pays (make bench; see BENCHMARKS.md).
//
// It builds the provider, the floor provider in bench/floor and
// cmd/diga-emulator, starts the emulator on loopback, and for N resources
// runs apply, plan, a no-op apply and destroy (terraform on PATH, a
// dev_overrides CLI configuration in a temporary directory, -parallelism=10)
// for four configurations: terraform_data (no plugin), floor_item (the floor
// provider), diga_flow with a name only and diga_flow with a definition and
// enabled = true. Each phase is timed best of -rounds. The emulator's request
// log gives the requests per flow per phase, compared with the API's floor;
// /proc gives the provider processes' peak RSS (VmHWM). Optionally the same
// diga_flow runs are repeated against an emulator with -latency, and judged
// against requests × latency ÷ parallelism.
//
// It talks to nothing but the loopback emulator, bounds every wait, and stops
// by itself (-timeout). It prints a table, writes -json, and replaces the
// generated part of -markdown (between the bench:begin and bench:end
// markers).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	n             int
	rounds        int
	parallelism   int
	latencies     []time.Duration
	fewFlows      int
	fewProject    int
	latencyRounds int
	jsonPath      string
	mdPath        string
	timeout       time.Duration
	cmdTimeout    time.Duration
	keep          bool
	only          string
	judge         string
	profile       string
	dataFlows     int
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 200, "resources per configuration")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each phase's time is the best of them")
	flag.IntVar(&o.parallelism, "parallelism", 10, "terraform -parallelism")
	latency := flag.String("latency", "", "also run diga_flow, with batched refreshes on and off, against an emulator with each of these injected latencies (comma-separated, e.g. 50ms,100ms); empty skips")
	flag.IntVar(&o.fewFlows, "few", 5, "also count the requests of a plan of this many flows in a project of -few-project flows; 0 skips")
	flag.IntVar(&o.fewProject, "few-project", 1000, "flows in the project of the -few run")
	flag.IntVar(&o.latencyRounds, "latency-rounds", 1, "rounds of the latency runs")
	flag.StringVar(&o.jsonPath, "json", "", "write the results as JSON to this `file`")
	flag.StringVar(&o.mdPath, "markdown", "", "replace the generated section of this markdown `file` (BENCHMARKS.md)")
	flag.DurationVar(&o.timeout, "timeout", 60*time.Minute, "stop everything after this long")
	flag.DurationVar(&o.cmdTimeout, "cmd-timeout", 15*time.Minute, "stop one terraform command after this long")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (configurations, logs)")
	flag.StringVar(&o.only, "only", "", "comma-separated subset of configurations: terraform_data,floor,diga_empty,diga_defined,floor_schema_empty,floor_schema_defined")
	flag.StringVar(&o.judge, "judge", "all", "all: every target decides the exit status; requests: only the request counts do (for tiny smoke runs, where timings mean nothing)")
	flag.StringVar(&o.profile, "profile", "", "build the provider with -tags benchprofile and write CPU profiles of every provider process to `dir`/CONFIG/PHASE-ROUND/ (timings then include the profiler's cost)")
	flag.IntVar(&o.dataFlows, "data-flows", 1000, "also time a plan reading data.diga_flows over this many seeded flows (30 a page); 0 skips")
	flag.Parse()
	for _, f := range strings.Split(*latency, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil || d <= 0 {
			fmt.Fprintf(os.Stderr, "bench: -latency %q: want positive durations such as 50ms,100ms\n", *latency)
			os.Exit(2)
		}
		o.latencies = append(o.latencies, d)
	}
	if o.judge != "all" && o.judge != "requests" {
		fmt.Fprintln(os.Stderr, "bench: -judge must be all or requests")
		os.Exit(2)
	}
	if o.n < 1 || o.rounds < 1 || o.parallelism < 1 || o.latencyRounds < 1 {
		fmt.Fprintln(os.Stderr, "bench: -n, -rounds, -parallelism and -latency-rounds must be at least 1")
		os.Exit(2)
	}
	if *faultMode {
		os.Exit(faultsMain(o)) // bench/faults.go
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	res, err := run(ctx, o)
	cancel()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if !res.Pass {
		fmt.Println("\nbench: some targets FAILED (see the table)")
		os.Exit(3)
	}
}

// The phases of one round, in order.
// plan_no_refresh is `terraform plan -refresh=false`: Terraform plans from
// state alone and reads nothing.
var phases = []string{"apply", "plan", "plan_no_refresh", "noop_apply", "destroy"}

// config is one configuration under test.
type config struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	binary   string // provider binary whose processes' RSS is sampled; "" for none
	hcl      func(n int) string
	diga     bool
	defined  bool
	floorKey string // the configuration this one is judged against
	// schemaFloorKey is the floor_flow configuration with the same
	// configuration text: what Terraform and the framework pay for
	// diga_flow's schema, without our code and the API.
	schemaFloorKey string
	env            []string // added to every terraform command's environment
}

// Result is what the bench writes as JSON.
type Result struct {
	When        string          `json:"when"`
	N           int             `json:"n"`
	Rounds      int             `json:"rounds"`
	Parallelism int             `json:"parallelism"`
	Terraform   string          `json:"terraform"`
	Go          string          `json:"go"`
	CPUs        int             `json:"cpus"`
	LoadBefore  string          `json:"load_before"`
	LoadAfter   string          `json:"load_after"`
	Configs     []*ConfigResult `json:"configs"`
	Latency     []*ConfigResult `json:"latency,omitempty"`
	LatencyMS   float64         `json:"latency_ms,omitempty"`
	Data        *DataResult     `json:"data_diga_flows,omitempty"`
	Few         *FewResult      `json:"few_in_large_project,omitempty"`
	Targets     []Target        `json:"targets"`
	Pass        bool            `json:"pass"`
}

// ConfigResult holds one configuration's measurements.
type ConfigResult struct {
	Key     string                    `json:"key"`
	Label   string                    `json:"label"`
	Seconds map[string][]float64      `json:"seconds"` // every round
	Best    map[string]float64        `json:"best"`
	Ratio   map[string]float64        `json:"ratio_to_floor,omitempty"`
	PerFlow map[string]float64        `json:"requests_per_flow,omitempty"`
	Floor   map[string]float64        `json:"api_floor_per_flow,omitempty"`
	ByKind  map[string]map[string]int `json:"requests_by_kind,omitempty"`
	PeakRSS float64                   `json:"peak_rss_mib,omitempty"`
	// StateBytes is the size of terraform.tfstate after the first apply,
	// per resource: Terraform rewrites the whole file after every resource
	// it changes, so its own time grows with this times N.
	StateBytes float64 `json:"state_bytes_per_resource,omitempty"`
	// SchemaRatio is this configuration's time ÷ the floor_flow
	// configuration's (same schema, no API) per phase.
	SchemaRatio map[string]float64  `json:"schema_ratio,omitempty"`
	Bound       map[string]float64  `json:"network_bound_seconds,omitempty"`
	CPU         map[string]CPUSplit `json:"cpu_seconds_of_best_round"`
	// LatencyMS is the emulator's injected latency (0: none); Batch whether
	// batched refreshes were on (DIGA_BATCH_READS).
	LatencyMS float64 `json:"latency_ms,omitempty"`
	Batch     bool    `json:"batch_reads"`
	// Requests are the requests of each phase (piece reads left out).
	Requests map[string]int `json:"requests,omitempty"`
}

// CPUSplit is where a command's CPU time went: Terraform itself, the
// provider processes, the emulator.
type CPUSplit struct {
	Terraform float64 `json:"terraform"`
	Provider  float64 `json:"provider"`
	Emulator  float64 `json:"emulator"`
}

// DataResult is the data.diga_flows measurement: a plan that reads every
// flow of a project of Flows flows.
type DataResult struct {
	Flows    int       `json:"flows"`
	Seconds  []float64 `json:"seconds"`
	Best     float64   `json:"best"`
	Requests int       `json:"requests"`
	Floor    int       `json:"api_floor"` // pages of 30
	PeakRSS  float64   `json:"peak_rss_mib"`
	// Latency holds the same plan against an emulator with latency.
	Latency []DataLatency `json:"latency,omitempty"`
}

// DataLatency is the data.diga_flows plan with an injected latency.
type DataLatency struct {
	LatencyMS float64 `json:"latency_ms"`
	Best      float64 `json:"best"`
	Requests  int     `json:"requests"`
}

// Target is one pass/fail judgement.
type Target struct {
	Name   string `json:"name"`
	Detail string `json:"detail"`
	Pass   bool   `json:"pass"`
	Info   bool   `json:"informative,omitempty"` // reported, not judged
}

// apiFloor is the fewest requests per flow each phase can take: create sends
// POST /v1/workflow/ (name in the body), a definition adds import, publish
// and status (a new flow is DISABLED); a refresh is one GET; destroy refreshes
// (GET) and deletes (DELETE).
func apiFloor(defined bool) map[string]float64 {
	create := 1.0
	if defined {
		create = 4
	}
	return map[string]float64{"apply": create, "plan": 1, "plan_no_refresh": 0, "noop_apply": 1, "destroy": 2}
}

const definitionHCL = `jsonencode({
    type     = "PIECE_TRIGGER"
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished" }
    nextAction = {
      name     = "post_to_slack"
      type     = "PIECE"
      settings = { pieceName = "@activepieces/piece-slack", actionName = "send_channel_message", input = { auth = "{{connections['bench_slack']}}", channel = "C0123456789", sendAsBot = true, text = "Call {{trigger.id}} finished" } }
    }
  })`

func configs(bin string) []config {
	floorBin := filepath.Join(bin, "floor", "terraform-provider-floor")
	return []config{
		{Key: "terraform_data", Label: "`terraform_data` (no plugin)", hcl: func(n int) string {
			return fmt.Sprintf("resource \"terraform_data\" \"r\" {\n  count = %d\n  input = \"bench-${count.index}\"\n}\n", n)
		}},
		{Key: "floor", Label: "floor provider (framework, no API)", binary: filepath.Join(bin, "floor", "terraform-provider-floor"), hcl: func(n int) string {
			return fmt.Sprintf("terraform {\n  required_providers {\n    floor = { source = \"bench/floor\" }\n  }\n}\n\nresource \"floor_item\" \"r\" {\n  count = %d\n  name  = \"bench-${count.index}\"\n}\n", n)
		}},
		{Key: "diga_empty", Label: "`diga_flow`, name only", binary: filepath.Join(bin, "diga", "terraform-provider-diga"), diga: true, floorKey: "floor", schemaFloorKey: "floor_schema_empty", hcl: func(n int) string {
			return digaHCL(n, "")
		}},
		{Key: "diga_defined", Label: "`diga_flow`, definition + enabled", binary: filepath.Join(bin, "diga", "terraform-provider-diga"), diga: true, defined: true, floorKey: "floor", schemaFloorKey: "floor_schema_defined", hcl: func(n int) string {
			return digaHCL(n, "  enabled    = true\n  definition = "+definitionHCL+"\n")
		}},
		{Key: "floor_schema_empty", Label: "`floor_flow` (diga_flow's schema, no API), name only", binary: floorBin, env: quietFloor, hcl: func(n int) string {
			return floorFlowHCL(n, "")
		}},
		{Key: "floor_schema_defined", Label: "`floor_flow` (diga_flow's schema, no API), definition + enabled", binary: floorBin, env: quietFloor, hcl: func(n int) string {
			return floorFlowHCL(n, "  enabled    = true\n  definition = "+definitionHCL+"\n")
		}},
	}
}

// quietFloor switches the floor provider's SDK and framework loggers off for
// the floor_flow configurations, as terraform-provider-diga does by itself
// when no logging variable is set, and has it serve the way
// terraform-provider-diga does (the releasing protocol server, go-plugin's
// logger at errors): diga_flow ÷ floor_flow then compares like with like. (floor_item keeps the framework's defaults: it is the
// floor any framework provider pays as it ships.) Terraform itself reads
// none of these.
var quietFloor = []string{"TF_LOG_SDK=off", "TF_LOG_SDK_PROTO=off", "TF_LOG_SDK_FRAMEWORK=off", "TF_LOG_PROVIDER_FLOOR=off", "FLOOR_SERVE_LIKE_DIGA=1"}

func floorFlowHCL(n int, extra string) string {
	return fmt.Sprintf("terraform {\n  required_providers {\n    floor = { source = \"bench/floor\" }\n  }\n}\n\nresource \"floor_flow\" \"r\" {\n  count = %d\n  name  = \"bench-${count.index}\"\n%s}\n", n, extra)
}

func digaHCL(n int, extra string) string {
	return fmt.Sprintf("terraform {\n  required_providers {\n    diga = { source = \"diga-io/diga\" }\n  }\n}\n\nprovider \"diga\" {}\n\nresource \"diga_flow\" \"r\" {\n  count = %d\n  name  = \"bench-${count.index}\"\n%s}\n", n, extra)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func run(ctx context.Context, o options) (*Result, error) {
	tags := ""
	if o.profile != "" {
		tags = "benchprofile"
		var err error
		if o.profile, err = filepath.Abs(o.profile); err != nil {
			return nil, err
		}
	}
	fmt.Println("building the provider, the floor provider and the emulator…")
	work, bin, rc, cleanup, err := setUp(ctx, o, "diga-bench-", tags, true)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	tfVersion := terraformVersion(ctx, rc)

	res := &Result{
		When: time.Now().UTC().Format(time.RFC3339), N: o.n, Rounds: o.rounds, Parallelism: o.parallelism,
		Terraform: tfVersion, Go: runtime.Version(), CPUs: runtime.NumCPU(), LoadBefore: loadavg(),
	}
	emu, err := startEmulator(ctx, filepath.Join(bin, "diga-emulator"), filepath.Join(work, "emulator.log"), 0)
	if err != nil {
		return nil, err
	}
	defer emu.stop()

	var only []string
	if o.only != "" {
		only = strings.Split(o.only, ",")
	}
	all := configs(bin)
	for _, c := range all {
		if only != nil && !slices.Contains(only, c.Key) {
			continue
		}
		cr, err := runConfig(ctx, o, work, rc, emu, c, o.rounds, "")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Key, err)
		}
		res.Configs = append(res.Configs, cr)
	}
	emu.stop()

	for _, lat := range o.latencies {
		crs, err := runLatency(ctx, o, work, rc, bin, all, only, lat)
		if err != nil {
			return nil, err
		}
		res.Latency = append(res.Latency, crs...)
		res.LatencyMS = max(res.LatencyMS, float64(lat)/float64(time.Millisecond))
	}
	if o.dataFlows > 0 {
		d, err := runData(ctx, o, work, rc, bin, o.rounds)
		if err != nil {
			return nil, fmt.Errorf("data.diga_flows: %w", err)
		}
		res.Data = d
	}
	if o.fewFlows > 0 {
		f, err := runFew(ctx, o, work, rc, bin)
		if err != nil {
			return nil, fmt.Errorf("%d flows in a project of %d: %w", o.fewFlows, o.fewProject, err)
		}
		res.Few = f
	}
	res.LoadAfter = loadavg()
	judge(res, o)
	printTable(os.Stdout, res)
	if err := writeResults(o, res, func(path string) error { return writeMarkdown(path, res) }); err != nil {
		return nil, err
	}
	return res, nil
}

// writeConfig makes the configuration directory dir holding main.tf.
func writeConfig(dir, hcl string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(hcl), 0o644)
}

// writeResults writes res as JSON to -json and its section into -markdown
// (through md), each when asked for.
func writeResults(o options, res any, md func(path string) error) error {
	if o.jsonPath != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(o.jsonPath, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if o.mdPath != "" {
		return md(o.mdPath)
	}
	return nil
}

// setUp makes the bench's temporary directory (kept with -keep; cleanup
// removes it otherwise), builds the provider and the emulator (and the floor
// provider when floor is set) into its bin/ with the given build tags, and
// writes the dev_overrides CLI configuration rc pointing Terraform at them.
func setUp(ctx context.Context, o options, prefix, tags string, floor bool) (work, bin, rc string, cleanup func(), err error) {
	if _, err := exec.LookPath("terraform"); err != nil {
		return "", "", "", nil, errors.New("terraform CLI not found on PATH (the bench never downloads it)")
	}
	root, err := repoRoot()
	if err != nil {
		return "", "", "", nil, err
	}
	if work, err = os.MkdirTemp("", prefix); err != nil {
		return "", "", "", nil, err
	}
	cleanup = func() { _ = os.RemoveAll(work) }
	if o.keep {
		fmt.Println("work directory:", work)
		cleanup = func() {}
	}
	fail := func(err error) (string, string, string, func(), error) {
		cleanup()
		return "", "", "", nil, err
	}
	bin = filepath.Join(work, "bin")
	builds := [][2]string{
		{filepath.Join(bin, "diga", "terraform-provider-diga"), "."},
		{filepath.Join(bin, "diga-emulator"), "./cmd/diga-emulator"},
	}
	overrides := fmt.Sprintf("    \"diga-io/diga\" = %q\n", filepath.Join(bin, "diga"))
	if floor {
		builds = append(builds, [2]string{filepath.Join(bin, "floor", "terraform-provider-floor"), "./bench/floor"})
		overrides += fmt.Sprintf("    \"bench/floor\" = %q\n", filepath.Join(bin, "floor"))
	}
	for _, b := range builds {
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags="+tags, "-o", b[0], b[1])
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fail(fmt.Errorf("go build %s: %w\n%s", b[1], err, out))
		}
	}
	rc = filepath.Join(work, "terraformrc")
	rcText := "provider_installation {\n  dev_overrides {\n" + overrides + "  }\n  direct {}\n}\n"
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		return fail(err)
	}
	return work, bin, rc, cleanup, nil
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func terraformVersion(ctx context.Context, rc string) string {
	cmd := exec.CommandContext(ctx, "terraform", "version")
	cmd.Env = tfEnv(rc, nil)
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

// tfEnv is the environment of every terraform command: the process
// environment without any logging variable (the bench measures the default,
// no-log case), plus the CLI configuration and extra.
func tfEnv(rc string, extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_LOG") || strings.HasPrefix(name, "TF_ACC_LOG") || strings.HasPrefix(name, "DIGA_") ||
			name == "TF_CLI_CONFIG_FILE" || name == "TF_CLI_ARGS" || strings.HasPrefix(name, "TF_CLI_ARGS_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	return append(env, extra...)
}

func runConfig(ctx context.Context, o options, work, rc string, emu *emulatorProc, c config, rounds int, suffix string) (*ConfigResult, error) {
	dir := filepath.Join(work, c.Key+suffix)
	if err := writeConfig(dir, c.hcl(o.n)); err != nil {
		return nil, err
	}
	env := tfEnv(rc, append([]string{"DIGA_API_KEY=" + emu.key, "DIGA_BASE_URL=" + emu.url}, c.env...))
	cr := &ConfigResult{Key: c.Key + suffix, Label: c.Label, Seconds: map[string][]float64{}, Best: map[string]float64{}}
	if c.diga {
		cr.PerFlow = map[string]float64{}
		cr.Floor = apiFloor(c.defined)
		cr.ByKind = map[string]map[string]int{}
		cr.Requests = map[string]int{}
		cr.Batch = !slices.Contains(c.env, batchOff)
	}
	var peak int64
	cpu := map[string][]float64{}
	par := "-parallelism=" + strconv.Itoa(o.parallelism)
	for round := 1; round <= rounds; round++ {
		for _, p := range phases {
			var args []string
			switch p {
			case "apply", "noop_apply":
				args = []string{"apply", "-auto-approve", "-input=false", "-no-color", par}
			case "plan":
				args = []string{"plan", "-input=false", "-no-color", "-detailed-exitcode", par}
			case "plan_no_refresh":
				args = []string{"plan", "-refresh=false", "-input=false", "-no-color", "-detailed-exitcode", par}
			case "destroy":
				args = []string{"destroy", "-auto-approve", "-input=false", "-no-color", par}
			}
			before, err := emu.mark(ctx)
			if err != nil {
				return nil, err
			}
			cmdEnv := env
			if o.profile != "" && c.diga {
				pdir := filepath.Join(o.profile, cr.Key, fmt.Sprintf("%s-%d", p, round))
				if err := os.MkdirAll(pdir, 0o755); err != nil {
					return nil, err
				}
				cmdEnv = append(slices.Clip(env), "DIGA_BENCH_PROFILE_DIR="+pdir)
			}
			sampler := startRSSSampler(c.binary)
			emuBefore := procCPU(strconv.Itoa(emu.cmd.Process.Pid))
			start := time.Now()
			out, tfCPU, err := terraform(ctx, o.cmdTimeout, dir, cmdEnv, args)
			secs := time.Since(start).Seconds()
			smp := sampler.stop()
			emuCPU := float64(procCPU(strconv.Itoa(emu.cmd.Process.Pid))-emuBefore) / clockTicks
			peak = max(peak, smp.peakKB)
			// tfCPU includes the plugin processes Terraform waited for.
			cpu[p] = append(cpu[p], max(tfCPU-smp.cpu, 0), smp.cpu, emuCPU)
			if err != nil {
				return nil, fmt.Errorf("round %d %s: %w\n%s", round, p, err, tail(out, 40))
			}
			if err := checkOutcome(p, out, o.n); err != nil {
				return nil, fmt.Errorf("round %d %s: %w\n%s", round, p, err, tail(out, 40))
			}
			after, err := emu.mark(ctx)
			if err != nil {
				return nil, err
			}
			cr.Seconds[p] = append(cr.Seconds[p], secs)
			if p == "apply" && round == 1 {
				if fi, err := os.Stat(filepath.Join(dir, "terraform.tfstate")); err == nil {
					cr.StateBytes = float64(fi.Size()) / float64(o.n)
				}
			}
			if c.diga {
				kinds := diffCounts(before, after)
				total := 0
				for k, v := range kinds {
					if !perProcess(k) {
						total += v
					}
				}
				cr.Requests[p] = max(cr.Requests[p], total)
				if round == 1 {
					cr.PerFlow[p] = float64(total) / float64(o.n)
					cr.ByKind[p] = kinds
				} else if pf := float64(total) / float64(o.n); pf != cr.PerFlow[p] {
					// Report the worst round.
					cr.PerFlow[p] = math.Max(cr.PerFlow[p], pf)
				}
				if p == "destroy" {
					if left := after["flows"]; left != 0 {
						return nil, fmt.Errorf("round %d: %d flow(s) left after destroy", round, left)
					}
				}
			}
			fmt.Printf("  %-22s round %d %-10s %6.2f s\n", cr.Key, round, p, secs)
		}
	}
	cr.CPU = map[string]CPUSplit{}
	for p, s := range cr.Seconds {
		cr.Best[p] = slices.Min(s)
		i := slices.Index(s, cr.Best[p]) * 3
		cr.CPU[p] = CPUSplit{Terraform: cpu[p][i], Provider: cpu[p][i+1], Emulator: cpu[p][i+2]}
	}
	if c.binary != "" {
		cr.PeakRSS = float64(peak) / 1024 // VmHWM is in kB
	}
	return cr, nil
}

// checkOutcome makes sure each phase did what it should, so a fast failure is
// never taken for a fast run.
func checkOutcome(phase, out string, n int) error {
	switch phase {
	case "apply":
		if want := fmt.Sprintf("Apply complete! Resources: %d added, 0 changed, 0 destroyed.", n); !strings.Contains(out, want) {
			return fmt.Errorf("apply did not report %q", want)
		}
	case "plan", "plan_no_refresh":
		if !strings.Contains(out, "No changes.") {
			return errors.New("plan after apply was not empty")
		}
	case "noop_apply":
		if !strings.Contains(out, "Apply complete! Resources: 0 added, 0 changed, 0 destroyed.") {
			return errors.New("the second apply changed something")
		}
	case "destroy":
		if want := fmt.Sprintf("Destroy complete! Resources: %d destroyed.", n); !strings.Contains(out, want) {
			return fmt.Errorf("destroy did not report %q", want)
		}
	}
	return nil
}

// terraform runs one command and returns its output and its CPU time
// (user + system, its reaped children included).
func terraform(ctx context.Context, limit time.Duration, dir string, env, args []string) (string, float64, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "terraform", args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	var cpu float64
	if cmd.ProcessState != nil {
		cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	return string(out), cpu, err
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// --- the emulator -----------------------------------------------------------

type emulatorProc struct {
	cmd  *exec.Cmd
	url  string
	key  string
	done chan struct{}

	mu     sync.Mutex
	counts map[string]int // by request kind; "flows" = flows the bench's key holds
	marks  map[string]bool
	seq    int
	once   sync.Once
}

func startEmulator(ctx context.Context, path, logPath string, latency time.Duration, extra ...string) (*emulatorProc, error) {
	e := &emulatorProc{key: "bench-key", counts: map[string]int{}, marks: map[string]bool{}, done: make(chan struct{})}
	args := append([]string{"-listen", "127.0.0.1:0", "-api-key", e.key}, extra...)
	if latency > 0 {
		args = append(args, "-latency", latency.String())
	}
	e.cmd = exec.Command(path, args...)
	stdout, err := e.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := e.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	if err := e.cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	go func() {
		defer close(e.done)
		defer logFile.Close()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			e.record(line)
		}
	}()
	urlCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "diga-emulator listening on "); ok {
				urlCh <- strings.Fields(u)[0]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case e.url = <-urlCh:
	case <-time.After(20 * time.Second):
		e.stop()
		return nil, errors.New("the emulator did not start within 20 s")
	case <-ctx.Done():
		e.stop()
		return nil, ctx.Err()
	}
	return e, nil
}

func (e *emulatorProc) stop() {
	e.once.Do(func() {
		if e.cmd.Process != nil {
			_ = e.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-e.done:
			case <-time.After(10 * time.Second):
				_ = e.cmd.Process.Kill()
			}
			_ = e.cmd.Wait()
		}
	})
}

// record counts one request-log line: `DATE TIME METHOD "TARGET" STATUS DURATION`.
func (e *emulatorProc) record(line string) {
	f := strings.Fields(line)
	if len(f) < 5 {
		return
	}
	method := f[2]
	target, err := strconv.Unquote(f[3])
	if err != nil {
		return
	}
	path, _, _ := strings.Cut(target, "?")
	status := f[4]
	e.mu.Lock()
	defer e.mu.Unlock()
	if name, ok := strings.CutPrefix(path, "/v1/workflow/bench-mark-"); ok {
		e.marks[name] = true
		return
	}
	kind := requestKind(method, path)
	e.counts[kind]++
	e.counts["total"]++
	switch {
	case kind == "create" && status == "201":
		e.counts["flows"]++
	case kind == "delete" && status == "204":
		e.counts["flows"]--
	}
}

// perProcess reports the kinds of request a provider process makes once,
// whatever the number of flows: they stay out of the per-flow figures.
func perProcess(kind string) bool { return kind == "piece" || kind == "agents" }

// requestKind names a request by its operation.
func requestKind(method, path string) string {
	if strings.HasPrefix(path, "/v1/agent/") && method == http.MethodGet {
		// A plan that destroys flows looks once per provider process for
		// the agents that run them: not per flow.
		return "agents"
	}
	rest, ok := strings.CutPrefix(path, "/v1/workflow/")
	if !ok {
		return method + " other"
	}
	parts := strings.Split(rest, "/")
	switch {
	case parts[0] == "piece" && method == http.MethodGet:
		// The plan's catalogue check and the apply's piece versions: once
		// per piece per provider process, not per flow.
		return "piece"
	case rest == "" && method == http.MethodPost:
		return "create"
	case rest == "" && method == http.MethodGet:
		return "list"
	case len(parts) == 1 && method == http.MethodGet:
		return "get"
	case len(parts) == 1 && method == http.MethodDelete:
		return "delete"
	case len(parts) == 2:
		return parts[1] // import, publish, status, rename, draft, trigger, action, branch
	}
	return method + " other"
}

// mark sends a request the emulator logs and the counters skip, waits until
// its log line is read (so every earlier request has been counted), and
// returns a copy of the counters.
func (e *emulatorProc) mark(ctx context.Context) (map[string]int, error) {
	e.mu.Lock()
	e.seq++
	name := strconv.Itoa(e.seq)
	e.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/v1/workflow/bench-mark-"+name, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("emulator mark: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e.mu.Lock()
		seen := e.marks[name]
		var snap map[string]int
		if seen {
			snap = make(map[string]int, len(e.counts))
			for k, v := range e.counts {
				snap[k] = v
			}
		}
		e.mu.Unlock()
		if seen {
			return snap, nil
		}
		if time.Now().After(deadline) {
			return nil, errors.New("the emulator's request log did not show the mark within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func diffCounts(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if k == "total" || k == "flows" {
			continue
		}
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// --- peak RSS ---------------------------------------------------------------

type rssSampler struct {
	stopCh chan struct{}
	done   chan sample
}

// sample is what the sampler saw of the provider processes of one command:
// the largest VmHWM (kB) and their CPU time (utime + stime at the last
// look, so up to 50 ms of each process's end is missed).
type sample struct {
	peakKB int64
	cpu    float64 // seconds
}

// startRSSSampler polls /proc every 50 ms for processes running binary. VmHWM
// is a high-water mark, so a sample at any time of a process's life sees its
// peak so far.
func startRSSSampler(binary string) *rssSampler {
	s := &rssSampler{stopCh: make(chan struct{}), done: make(chan sample, 1)}
	go func() {
		var peak int64
		ticks := map[string]int64{}
		if binary == "" {
			<-s.stopCh
			s.done <- sample{}
			return
		}
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, sampleProcs(binary, ticks))
			select {
			case <-s.stopCh:
				var total int64
				for _, v := range ticks {
					total += v
				}
				s.done <- sample{peakKB: peak, cpu: float64(total) / clockTicks}
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) stop() sample {
	close(s.stopCh)
	return <-s.done
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// procCPU returns utime + stime of a process in clock ticks.
func procCPU(pid string) int64 {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; fields after it are
	// counted from the closing parenthesis.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b)[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}

func sampleProcs(binary string, ticks map[string]int64) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var peak int64
	for _, ent := range entries {
		if _, err := strconv.Atoi(ent.Name()); err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", ent.Name(), "exe"))
		if err != nil || exe != binary {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "status"))
		if err != nil {
			continue
		}
		if c := procCPU(ent.Name()); c > 0 {
			ticks[ent.Name()] = c
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				peak = max(peak, kb)
			}
		}
	}
	return peak
}

// runData times a plan whose only work is data.diga_flows reading all
// o.dataFlows flows of a seeded emulator.
func runData(ctx context.Context, o options, work, rc, bin string, rounds int) (*DataResult, error) {
	d, err := runDataAt(ctx, o, work, rc, bin, rounds, 0)
	if err != nil {
		return nil, err
	}
	for _, lat := range o.latencies {
		l, err := runDataAt(ctx, o, work, rc, bin, rounds, lat)
		if err != nil {
			return nil, fmt.Errorf("with %s latency: %w", lat, err)
		}
		d.Latency = append(d.Latency, DataLatency{LatencyMS: float64(lat) / float64(time.Millisecond), Best: l.Best, Requests: l.Requests})
	}
	return d, nil
}

// runDataAt is runData against an emulator with the given latency.
func runDataAt(ctx context.Context, o options, work, rc, bin string, rounds int, latency time.Duration) (*DataResult, error) {
	emu, err := startEmulator(ctx, filepath.Join(bin, "diga-emulator"), filepath.Join(work, fmt.Sprintf("emulator-data-%s.log", latency)), latency,
		"-seed-flows", strconv.Itoa(o.dataFlows))
	if err != nil {
		return nil, err
	}
	defer emu.stop()
	dir := filepath.Join(work, "data-"+latency.String())
	hcl := "terraform {\n  required_providers {\n    diga = { source = \"diga-io/diga\" }\n  }\n}\n\nprovider \"diga\" {}\n\n" +
		"data \"diga_flows\" \"all\" {}\n\noutput \"flow_count\" {\n  value = length(data.diga_flows.all.ids)\n}\n"
	if err := writeConfig(dir, hcl); err != nil {
		return nil, err
	}
	env := tfEnv(rc, []string{"DIGA_API_KEY=" + emu.key, "DIGA_BASE_URL=" + emu.url})
	binary := filepath.Join(bin, "diga", "terraform-provider-diga")
	d := &DataResult{Flows: o.dataFlows, Floor: (o.dataFlows + 29) / 30}
	var peak int64
	for round := 1; round <= rounds; round++ {
		before, err := emu.mark(ctx)
		if err != nil {
			return nil, err
		}
		sampler := startRSSSampler(binary)
		start := time.Now()
		out, _, err := terraform(ctx, o.cmdTimeout, dir, env, []string{"plan", "-input=false", "-no-color", "-parallelism=" + strconv.Itoa(o.parallelism)})
		secs := time.Since(start).Seconds()
		peak = max(peak, sampler.stop().peakKB)
		if err != nil {
			return nil, fmt.Errorf("round %d plan: %w\n%s", round, err, tail(out, 40))
		}
		if want := fmt.Sprintf("flow_count = %d", o.dataFlows); !strings.Contains(out, want) {
			return nil, fmt.Errorf("round %d: the plan does not show %q\n%s", round, want, tail(out, 20))
		}
		after, err := emu.mark(ctx)
		if err != nil {
			return nil, err
		}
		total := 0
		for _, v := range diffCounts(before, after) {
			total += v
		}
		d.Requests = max(d.Requests, total)
		d.Seconds = append(d.Seconds, secs)
		fmt.Printf("  %-22s round %d %-10s %6.2f s (latency %s)\n", "data.diga_flows", round, "plan", secs, latency)
	}
	d.Best = slices.Min(d.Seconds)
	d.PeakRSS = float64(peak) / 1024
	return d, nil
}
