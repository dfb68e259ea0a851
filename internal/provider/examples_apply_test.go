package provider

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// Every example directory and every README snippet that configures
// resources is run, not only validated: against an emulator of its own in
// the strictest modes (the engine's import, Diga's declared response models
// without loop bodies), with the piece catalogue checks on, terraform
// init, apply, a plan that must be empty, then destroy, which must leave no
// flow behind. No command may warn but as allowedWarnings, destroyWarnings
// and a run's warns allow, each with its reason. What an example reads
// must exist: each run seeds its emulator out of band first and gives every
// variable a value (secrets are placeholders). What an example documents
// besides apply runs too, before the destroy: `terraform import` lines of
// import.sh and of the README (the resource leaves state and is imported
// again by its id, and the plan after that must be empty), action
// invocations, a guide's next steps. Examples that need a newer CLI skip
// under older ones, saying why.
//
// Every import body the runs send goes through the engine check
// (recordImports), and every request and answer through the contract
// (contract.Wrap; answers are exempt, with the reason, for the one
// deviation the emulator documents).

// exampleRun is one run of TestAccExamplesApply.
type exampleRun struct {
	// dir is the example directory under examples/ (slash-separated);
	// README runs have readme instead.
	dir string
	// readme names the README sections whose hcl snippets make the
	// configuration, one file each; the sh snippets of those sections
	// with `terraform import` are run as import.sh is.
	readme []string
	// variant, when set, names a second run of the same directory.
	variant string
	// drop lists the files of dir left out of this run.
	drop []string
	// needs says why the CLI under test cannot run the example ("" when
	// it can).
	needs func(cliInfo) string
	// seed prepares the emulator and gives the variables their values.
	seed func(e *exampleEnv)
	// check runs after the apply (the outputs, what the emulator holds).
	check func(e *exampleEnv)
	// after runs between the clean plan and the destroy: the commands the
	// example documents besides apply.
	after func(e *exampleEnv)
	// offContractAnswers, when set, is why the emulator's answers are not
	// held to Diga's contract in this run (its requests still are).
	offContractAnswers string
	// warns lists the warnings this example's commands may show, by
	// title, each with why it is right.
	warns map[string]string
	// ownProcesses: the configuration has several provider
	// configurations, which need one plugin process each (builtProvider,
	// dev_overrides) instead of the one in-process server.
	ownProcesses bool
}

func (r exampleRun) name() string {
	n := r.dir
	if r.readme != nil {
		n = "README.md/" + strings.Join(r.readme, "+")
	}
	if r.variant != "" {
		n += " (" + r.variant + ")"
	}
	return n
}

// exampleEnv is what a run's seed, check and after functions work with.
type exampleEnv struct {
	t       *testing.T
	emu     *emulator.Server
	baseURL string
	key     string // the project the provider is configured with
	keys    []string
	client  *client.Client
	tf      tfRunner
	// vars are the values of the example's variables, written to a
	// .auto.tfvars.json file rather than given as -var flags: every
	// command (import and destroy too) reads it, and the API keys of
	// ownProcesses runs stay out of the command lines Terraform writes to
	// its TRACE log, which TestMain searches for keys.
	vars map[string]any
	// replace holds old, new pairs replaced in the example's files: the
	// placeholder ids of objects the example reads, by the seeded ones'.
	replace []string
	// memo carries what a seed made to the run's checks.
	memo map[string]string
	// warns are the run's own allowed warnings (exampleRun.warns).
	warns map[string]string
}

// allowedWarnings are the warnings any example's commands may show.
var allowedWarnings = map[string]string{
	// builtProvider points Terraform at the freshly built binary with
	// dev_overrides (ownProcesses); Terraform says so on every command.
	"Provider development overrides are in effect": "ownProcesses runs use dev_overrides",
	// Terraform's own notice on every plan -generate-config-out (the
	// bulk-import guide's option B).
	"Config generation is experimental": "Terraform's notice on -generate-config-out",
}

// destroyWarnings are the warnings a destroy may show besides those.
var destroyWarnings = map[string]string{
	// Diga's API has no connection delete: the provider says the
	// connection stays in Diga (the resource's documented behaviour).
	"Connection left in Diga": "Diga's API cannot delete connections",
}

func strictExampleEmulator(keys ...string) *emulator.Server {
	return emulator.New(emulator.WithAPIKeys(keys...),
		emulator.WithImportMode(emulator.ImportEngine),
		emulator.WithResponseMode(emulator.ResponseDeclaredNoLoopBodies),
		emulator.WithAgentFlowMode(emulator.AgentFlowsChecked))
}

func TestAccExamplesApply(t *testing.T) {
	if os.Getenv("TF_ACC") == "" || isLive() {
		t.Skip("runs with TF_ACC=1 against the emulator")
	}
	if strict := strings.ToLower(strings.TrimSpace(os.Getenv(emulator.EnvStrict))); (strict == "1" || strict == "true") &&
		os.Getenv(emulator.EnvImportMode) == "" && os.Getenv(emulator.EnvResponseMode) == "" {
		// make test's strict leg: these emulators are always in the
		// strictest modes, so the leg with the same CLI ran this already.
		t.Skipf("%s=1 changes nothing here: the runs' emulators are always in the strictest modes", emulator.EnvStrict)
	}
	cli := mustCLI(t)
	runs := exampleRuns()
	readme := readmeSnippets(t)
	checkEveryExampleRuns(t, runs, readme)
	for _, r := range runs {
		t.Run(r.name(), func(t *testing.T) {
			if r.needs != nil {
				if reason := r.needs(cli); reason != "" {
					t.Skip(reason)
				}
			}
			t.Parallel()
			runExample(t, r, readme)
		})
	}
}

// checkEveryExampleRuns fails when an example directory or a README hcl
// snippet has no run, or a run names a directory that is not there.
func checkEveryExampleRuns(t *testing.T, runs []exampleRun, readme []readmeSnippet) {
	t.Helper()
	examples := filepath.Join("..", "..", "examples")
	dirs := map[string]bool{}
	err := filepath.WalkDir(examples, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".tf") || strings.HasSuffix(p, ".tfquery.hcl")) {
			rel, err := filepath.Rel(examples, filepath.Dir(p))
			if err != nil {
				return err
			}
			dirs[filepath.ToSlash(rel)] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	sections := map[string]bool{}
	for _, r := range runs {
		if r.dir != "" {
			if !dirs[r.dir] {
				t.Errorf("run %q: examples/%s holds no configuration", r.name(), r.dir)
			}
			covered[r.dir] = true
		}
		for _, s := range r.readme {
			sections[s] = true
		}
	}
	for d := range dirs {
		if !covered[d] {
			t.Errorf("examples/%s has no run in exampleRuns", d)
		}
	}
	for _, s := range readme {
		if s.lang == "hcl" && !sections[s.section] {
			t.Errorf("README.md section %q has an hcl snippet with no run in exampleRuns", s.section)
		}
	}
}

func runExample(t *testing.T, r exampleRun, readme []readmeSnippet) {
	key := "examples-" + randomSuffix(t)
	registerSecret(key)
	emu := strictExampleEmulator(key)
	wrap := contract.Wrap
	if r.offContractAnswers != "" {
		t.Logf("answers not checked against the contract: %s", r.offContractAnswers)
		wrap = contract.WrapRequests
	}
	srv := httptest.NewServer(wrap(t, recordImports(t, emu)))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: key, UserAgent: "terraform-provider-diga/acctest"})
	if err != nil {
		t.Fatal(err)
	}
	e := &exampleEnv{t: t, emu: emu, baseURL: srv.URL, key: key, keys: []string{key}, client: c, vars: map[string]any{}, memo: map[string]string{}, warns: r.warns}

	// The whole examples tree comes along: examples use modules of other
	// examples by relative paths.
	root := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples"), root, nil)
	work := filepath.Join(root, filepath.FromSlash(r.dir))
	var imports []string
	if r.readme != nil {
		work = filepath.Join(root, "readme")
		if err := os.MkdirAll(work, 0o700); err != nil {
			t.Fatal(err)
		}
		for i, section := range r.readme {
			for _, s := range readme {
				switch {
				case s.section != section:
				case s.lang == "hcl":
					writeFile(t, filepath.Join(work, fmt.Sprintf("readme_%d.tf", i)), s.text)
				case s.lang == "sh":
					imports = append(imports, importCommands(s.text)...)
				}
			}
		}
	} else if r.variant == "" {
		if b, err := os.ReadFile(filepath.Join(work, "import.sh")); err == nil {
			imports = importCommands(string(b))
		}
	}
	for _, f := range r.drop {
		if err := os.Remove(filepath.Join(work, f)); err != nil {
			t.Fatal(err)
		}
	}
	if r.seed != nil {
		r.seed(e)
	}
	seeded := map[string]map[string]bool{}
	for _, k := range e.keys {
		seeded[k] = map[string]bool{}
		for _, f := range emu.Flows(k) {
			seeded[k][f.ID] = true
		}
	}
	replaceInTree(t, work, e.replace)
	configureExampleProvider(t, work, e, r.ownProcesses)
	if len(e.vars) > 0 {
		b, err := json.MarshalIndent(e.vars, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(work, "examples_test.auto.tfvars.json"), string(b))
	}

	e.tf = tfRunner{t: t, dir: work}
	if r.ownProcesses {
		e.tf.env = builtProvider(t)
		// With dev_overrides Terraform must not look the provider up:
		// terraform get installs the modules instead of init.
		e.tf.mustRun("get")
	} else {
		e.tf.reattach = cliProvider(t)
		e.tf.mustRun("init", "-input=false")
	}
	e.noWarnings("apply", e.tf.mustRun("apply", "-auto-approve", "-input=false"))
	if r.check != nil {
		r.check(e)
	}
	e.planClean()
	if r.after != nil {
		r.after(e)
	}
	for _, cmd := range imports {
		e.reimport(cmd)
	}
	inState := e.stateIDs("diga_flow")
	e.noWarnings("destroy", e.tf.mustRun("destroy", "-auto-approve", "-input=false"))
	for _, k := range e.keys {
		for _, f := range emu.Flows(k) {
			switch {
			case slices.Contains(inState, f.ID):
				t.Errorf("flow %s (%q) is still there after destroy", f.ID, f.Name)
			case !seeded[k][f.ID]:
				t.Errorf("flow %s (%q) was made by the run but not in state: left behind", f.ID, f.Name)
			}
		}
	}
	// The catalogue checks were on: every run that imported a definition
	// had its pieces read at plan time.
	imported, pieces := false, false
	for _, req := range emu.Requests() {
		imported = imported || isImportPath(req.Path)
		pieces = pieces || strings.HasPrefix(req.Path, "/v1/workflow/piece/")
	}
	if imported && !pieces {
		t.Error("definitions were imported without a catalogue request: the catalogue checks did not run")
	}
}

// configureExampleProvider points the example's provider at the run's
// emulator: an override file when the example has its own provider block
// (it reads DIGA_API_KEY, which the in-process provider would take from
// the test's environment), a provider block otherwise; and a
// required_providers block when the example has none (as tfplugindocs
// examples do not).
func configureExampleProvider(t *testing.T, work string, e *exampleEnv, fromVars bool) {
	t.Helper()
	entries, err := os.ReadDir(work)
	if err != nil {
		t.Fatal(err)
	}
	hasProviders, hasBlock := false, false
	for _, entry := range entries {
		if entry.IsDir() || !strings.HasSuffix(entry.Name(), ".tf") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(work, entry.Name()))
		if err != nil {
			t.Fatal(err)
		}
		hasProviders = hasProviders || strings.Contains(string(b), "required_providers")
		hasBlock = hasBlock || regexp.MustCompile(`(?m)^provider "diga" \{`).Match(b)
	}
	if !hasProviders {
		writeFile(t, filepath.Join(work, "versions_test_only.tf"),
			"terraform {\n  required_providers {\n    diga = { source = \"diga-io/diga\" }\n  }\n}\n")
	}
	if fromVars {
		return // the example's provider blocks take the key and URL from variables
	}
	provider := fmt.Sprintf("provider \"diga\" {\n  api_key  = %q\n  base_url = %q\n}\n", e.key, e.baseURL)
	name := "provider_test_only.tf"
	if hasBlock {
		name = "provider_test_override.tf"
	}
	writeFile(t, filepath.Join(work, name), provider)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// replaceInTree applies the old, new pairs to every configuration file
// below dir, failing when an old string is found nowhere.
func replaceInTree(t *testing.T, dir string, pairs []string) {
	t.Helper()
	if len(pairs) == 0 {
		return
	}
	r := strings.NewReplacer(pairs...)
	found := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (!strings.HasSuffix(p, ".tf") && !strings.HasSuffix(p, ".hcl")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i := 0; i < len(pairs); i += 2 {
			found[pairs[i]] = found[pairs[i]] || strings.Contains(string(b), pairs[i])
		}
		return os.WriteFile(p, []byte(r.Replace(string(b))), 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(pairs); i += 2 {
		if !found[pairs[i]] {
			t.Fatalf("the example no longer holds %q, which the run replaces with a seeded object's id", pairs[i])
		}
	}
}

var warningTitle = regexp.MustCompile(`(?m)^[│ ]*Warning: (.+?)\s*$`)

// noWarnings fails on any warning in a command's output but the allowed ones.
func (e *exampleEnv) noWarnings(command, out string) {
	e.t.Helper()
	out = ansiCode.ReplaceAllString(out, "")
	titles := warningTitle.FindAllStringSubmatch(out, -1)
	if n := strings.Count(out, "Warning:"); n != len(titles) {
		e.t.Errorf("terraform %s warns %d times, %d of them in a form this test does not read:\n%s", command, n, n-len(titles), out)
	}
	for _, m := range titles {
		_, ok := allowedWarnings[m[1]]
		if _, own := e.warns[m[1]]; own {
			ok = true
		}
		if _, gone := destroyWarnings[m[1]]; gone && command == "destroy" {
			ok = true
		}
		if !ok {
			e.t.Errorf("terraform %s warns %q:\n%s", command, m[1], out)
		}
	}
}

// planClean: the plan after the apply is empty and warns of nothing.
func (e *exampleEnv) planClean() {
	e.t.Helper()
	out, code := e.tf.run("plan", "-input=false", "-detailed-exitcode")
	if code != 0 {
		e.t.Fatalf("the plan after the apply is not empty (exit %d):\n%s", code, out)
	}
	e.noWarnings("plan", out)
}

// outputs are the root module's output values.
func (e *exampleEnv) outputs() map[string]any {
	e.t.Helper()
	var raw map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal([]byte(e.tf.mustRun("output", "-json")), &raw); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]any{}
	for k, v := range raw {
		out[k] = v.Value
	}
	return out
}

// wantOutput compares an output's value, as JSON, with want.
func (e *exampleEnv) wantOutput(name string, want any) {
	e.t.Helper()
	got, _ := json.Marshal(e.outputs()[name])
	w, _ := json.Marshal(want)
	if string(got) != string(w) {
		e.t.Errorf("output %s = %s, want %s", name, got, w)
	}
}

// stateResources maps every resource address in state (child modules
// included) to its id; of the given type only, when typ is set.
func (e *exampleEnv) stateResources(typ string) map[string]string {
	e.t.Helper()
	type res struct {
		Address string `json:"address"`
		Type    string `json:"type"`
		Mode    string `json:"mode"`
		Values  struct {
			ID string `json:"id"`
		} `json:"values"`
	}
	type module struct {
		Resources    []res    `json:"resources"`
		ChildModules []module `json:"child_modules"`
	}
	var state struct {
		Values struct {
			RootModule module `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(e.tf.mustRun("show", "-json")), &state); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(m module)
	walk = func(m module) {
		for _, r := range m.Resources {
			if r.Mode == "managed" && (typ == "" || r.Type == typ) {
				out[r.Address] = r.Values.ID
			}
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(state.Values.RootModule)
	return out
}

// wantInState checks that state holds addr with the given id (an object
// the seed made, adopted by the example).
func (e *exampleEnv) wantInState(addr, id string) {
	e.t.Helper()
	if got, ok := e.stateResources("")[addr]; !ok || got != id {
		e.t.Errorf("state holds %s with id %q, want the seeded %q", addr, got, id)
	}
}

// stateIDs are the ids of the resources of type typ in state.
func (e *exampleEnv) stateIDs(typ string) []string {
	var ids []string
	for _, id := range e.stateResources(typ) {
		ids = append(ids, id)
	}
	return ids
}

// importCommands are the `terraform import ADDRESS ID` lines of a script.
func importCommands(script string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(script))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "terraform import ") {
			out = append(out, line)
		}
	}
	return out
}

// reimport runs a documented `terraform import ADDRESS ID`: the resource,
// applied before, leaves state and is imported again by its id (the
// documented id's placeholder flow id replaced by the real one), then an
// apply settles what an import cannot read (write-only values) and the
// plan must be empty.
func (e *exampleEnv) reimport(command string) {
	e.t.Helper()
	fields := strings.Fields(command)
	if len(fields) != 4 {
		e.t.Fatalf("%q is not terraform import ADDRESS ID", command)
	}
	addr, documented := fields[2], fields[3]
	id, ok := e.stateResources("")[addr]
	if !ok {
		e.t.Fatalf("%q: the example's configuration has no %s in state", command, addr)
	}
	// The documented id has the real one's form: the same parts after the
	// object's own id (e.g. <flow_id>/trigger/OUTPUT).
	_, docRest, _ := strings.Cut(documented, "/")
	_, realRest, _ := strings.Cut(id, "/")
	if docRest != realRest {
		e.t.Fatalf("%q: the documented id does not have the form of %s's id %q", command, addr, id)
	}
	e.t.Logf("%s: %s imported again by its id %s", command, addr, id)
	e.tf.mustRun("state", "rm", addr)
	e.noWarnings("import", e.tf.mustRun("import", "-input=false", addr, id))
	e.noWarnings("apply", e.tf.mustRun("apply", "-auto-approve", "-input=false"))
	if got := e.stateResources("")[addr]; got != id {
		e.t.Errorf("after %q the state holds %s with id %q, want %q", command, addr, got, id)
	}
	e.planClean()
}

// ---- seeding ---------------------------------------------------------------

// project adds another API key (another Diga project) to the emulator.
func (e *exampleEnv) project(prefix string) string {
	k := prefix + randomSuffix(e.t)
	registerSecret(k)
	e.emu.AddAPIKey(k)
	e.keys = append(e.keys, k)
	return k
}

// uiFlow is an empty flow made in the Diga UI.
func (e *exampleEnv) uiFlow(name string) string {
	return e.emu.CreateFlow(e.key, name)
}

// liveFlow is a published, enabled post-call flow made in the Diga UI
// (seedDefinedFlow: the engine's complete tree of Call finished → HTTP
// notify_crm → Slack post_slack), named prefix+"1".
func (e *exampleEnv) liveFlow(prefix string) string {
	e.t.Helper()
	return seedDefinedFlow(e.t, e.emu, e.baseURL, e.key, prefix, "made in the UI")
}

// agent makes, as the Diga dashboard does, a single-prompt agent named
// name whose published version v1 (and draft) runs flows, answering on
// +34910000001, and returns its id.
func (e *exampleEnv) agent(name string, flows ...string) string {
	e.t.Helper()
	id := e.emu.AddAgent(e.key, emulator.AgentSeed{Name: name, FlowIDs: flows})
	e.emu.AddPhone(e.key, emulator.PhoneSeed{Number: "+34910000001", Nickname: name, InboundAgentID: id})
	if _, ok := e.emu.LaunchAndPublish(e.key, id, "v1"); !ok {
		e.t.Fatalf("publishing agent %q failed", name)
	}
	return id
}

// wantReleased checks that the agent's draft and published version run
// exactly the flows in state at the given addresses, that the published
// version is a second one (released by the apply), and that the agent
// still answers on its number.
func (e *exampleEnv) wantReleased(agentID string, flowAddrs ...string) {
	e.t.Helper()
	ids := e.stateResources("diga_flow")
	var want []string
	for _, addr := range flowAddrs {
		want = append(want, ids[addr])
	}
	slices.Sort(want)
	a, ok := e.emu.Agent(e.key, agentID)
	if !ok {
		e.t.Fatal("the seeded agent is gone")
	}
	draft := slices.Sorted(slices.Values(a.Draft.FlowIDs))
	if !slices.Equal(draft, want) {
		e.t.Errorf("the agent's draft runs %v, want %v", draft, want)
	}
	if len(a.Versions) != 2 || a.PublishedVersionID != a.Versions[1].ID {
		e.t.Fatalf("the agent has %d versions, published %q: want v2, released by the apply", len(a.Versions), a.PublishedVersionID)
	}
	if live := slices.Sorted(slices.Values(a.Versions[1].FlowIDs)); !slices.Equal(live, want) {
		e.t.Errorf("the published version runs %v, want %v", live, want)
	}
	for _, p := range e.emu.Phones(e.key) {
		if p.InboundAgentID != agentID {
			e.t.Errorf("phone %s answers for %q after the release, want the agent", p.Number, p.InboundAgentID)
		}
	}
}

// agentFlowsDestroyWarnings: destroying an example that assigns and
// releases flows warns twice, as the guide says it does.
var agentFlowsDestroyWarnings = map[string]string{
	"Destroying the assignment releases the agent without these flows": "diga_agent_flows with release = true says what its destroy does",
	"Flow runs on live agents": "diga_flow's destroy plan names the agents running the flow (the assignment is removed first)",
}

// connection upserts a connection as the Diga UI does; a nil value leaves
// it without credentials (status ERROR).
func (e *exampleEnv) connection(piece, name string, typ client.ConnectionType, value string) *client.Connection {
	e.t.Helper()
	req := client.CreateConnectionRequest{PieceName: piece, DisplayName: name, Type: typ}
	if value != "" {
		req.Value = json.RawMessage(value)
	}
	c, err := e.client.UpsertConnection(context.Background(), req)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// run tests the whole flow, as the Diga UI's test button does, and returns
// the run's id; failStep, when set, fails that step with message.
func (e *exampleEnv) run(flowID, failStep, message string) string {
	e.t.Helper()
	if failStep != "" {
		e.emu.FailStep(e.key, flowID, failStep, message)
		defer e.emu.ClearStepFailures(e.key, flowID)
	}
	res, err := e.client.TestFlow(context.Background(), flowID)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Success == (failStep != "") {
		e.t.Fatalf("the seeded run %s is %s", res.RunID, res.Status)
	}
	return res.RunID
}

// ---- README ----------------------------------------------------------------

type readmeSnippet struct {
	section, lang, text string
}

// readmeSnippets are the fenced code blocks of README.md, each with the
// "## " section it is in.
func readmeSnippets(t *testing.T) []readmeSnippet {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []readmeSnippet
	section := ""
	var cur *readmeSnippet
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case cur != nil && strings.HasPrefix(line, "```"):
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		case strings.HasPrefix(line, "```"):
			cur = &readmeSnippet{section: section, lang: strings.TrimPrefix(line, "```")}
		case strings.HasPrefix(line, "## "):
			section = strings.TrimPrefix(line, "## ")
		}
	}
	return out
}

// ---- the runs --------------------------------------------------------------

func needsActions(c cliInfo) string {
	switch {
	case c.openTofu:
		return c.String() + ": no actions (Terraform ≥ 1.14 has them)"
	case !c.atLeast(1, 14):
		return c.String() + ": actions need Terraform 1.14 or later"
	}
	return ""
}

// needsCaller: the examples that use `caller` in an action, -invoke with
// -target and destroy-time action triggers (Terraform 1.16).
func needsCaller(c cliInfo) string {
	switch {
	case c.openTofu:
		return c.String() + ": no actions (Terraform ≥ 1.14 has them)"
	case !c.atLeast(1, 16):
		return c.String() + ": caller, -invoke with -target and destroy events need Terraform 1.16 or later"
	}
	return ""
}

// needsDestroyFalse: `lifecycle { destroy = false }` in a resource block
// (Terraform 1.16, OpenTofu 1.12).
func needsDestroyFalse(c cliInfo) string {
	if !c.openTofu && !c.atLeast(1, 16) {
		return c.String() + ": lifecycle destroy = false needs Terraform 1.16 or later (OpenTofu 1.12)"
	}
	return ""
}

// wantRuns checks how many test runs each flow of e.memo (by its memo
// name) has had.
func (e *exampleEnv) wantRuns(want map[string]int, when string) {
	e.t.Helper()
	for name, n := range want {
		if got := e.emu.RunCount(e.key, e.memo[name]); got != n {
			e.t.Errorf("%s: flow %q has %d test runs, want %d", when, name, got, n)
		}
	}
}

func needsIdentity(c cliInfo) string {
	if !c.atLeast(1, 12) {
		return c.String() + ": no resource identity (1.12+)"
	}
	return ""
}

func needsQuery(c cliInfo) string {
	switch {
	case c.openTofu:
		return c.String() + ": " + noQueryInOpenTofu
	case !c.atLeast(1, 14):
		return c.String() + ": no `terraform query` and no list resources (1.14+)"
	}
	return ""
}

// emptyBranch: Diga answers a router's empty branch as a null item of
// children, as Activepieces stores it, and the contract's
// StepResponse.children cannot express it (the emulator's documented
// deviation, internal/emulator/BEHAVIOUR.md).
const emptyBranch = "the flow has an empty router branch (a null item of children, which the contract cannot express)"

// placeholder is a secret's stand-in: the emulator stores it and never
// calls Slack.
const placeholderToken = "xoxb-placeholder"

func exampleRuns() []exampleRun {
	return []exampleRun{
		// ---- actions
		{dir: "actions/diga_flow_test", needs: needsActions, after: func(e *exampleEnv) {
			// As the example's comment says.
			e.noWarnings("apply -invoke", e.tf.mustRun("apply", "-auto-approve", "-input=false", "-invoke=action.diga_flow_test.post_call"))
			id := e.stateResources("diga_flow")["diga_flow.post_call"]
			if n := e.emu.RunCount(e.key, id); n != 1 {
				e.t.Errorf("invoking the action made %d runs, want 1", n)
			}
		}},
		{dir: "actions/diga_step_test", needs: needsActions, after: func(e *exampleEnv) {
			e.noWarnings("apply -invoke", e.tf.mustRun("apply", "-auto-approve", "-input=false", "-invoke=action.diga_step_test.trigger"))
			id := e.stateResources("diga_flow")["diga_flow.post_call"]
			if _, ok := e.emu.SampleData(e.key, id, "trigger", "OUTPUT"); !ok {
				e.t.Error("invoking the trigger's test stored no sample output")
			}
		}},

		// ---- data sources
		{dir: "data-sources/diga_agent", seed: func(e *exampleEnv) {
			live := e.liveFlow("Post-call summary ")
			e.memo["agent"] = e.agent("Reception", live)
			e.emu.AssignAgentFlows(e.key, e.memo["agent"], []string{live, e.uiFlow("Book appointment")})
		}, check: func(e *exampleEnv) {
			e.wantOutput("reception_live_flows", []string{"Post-call summary 1"})
			e.wantOutput("reception_draft_flows", []string{"Post-call summary 1", "Book appointment"})
			e.wantOutput("reception_numbers", []string{"+34910000001"})
		}},
		{dir: "data-sources/diga_agents", seed: func(e *exampleEnv) {
			live := e.liveFlow("Post-call summary ")
			e.memo["support"] = e.agent("Support", live)
			e.emu.AssignAgentFlows(e.key, e.memo["support"], nil) // a draft change not released
			e.memo["night"] = e.agent("Night support", live)
			e.agent("Sales", live)
			e.emu.AddAgent(e.key, emulator.AgentSeed{Name: "Support paths", Mode: "path"})
		}, check: func(e *exampleEnv) {
			e.wantOutput("support_agent_ids", map[string]string{"Night support": e.memo["night"], "Support": e.memo["support"]})
			e.wantOutput("support_agents_with_unreleased_flows", []string{"Support"})
		}},
		{dir: "data-sources/diga_connections", seed: func(e *exampleEnv) {
			e.connection("@activepieces/piece-slack", "Support Slack bot", client.ConnectionTypeCustomAuth, `{"props":{"botToken":"xoxb-placeholder"}}`)
			e.connection("@activepieces/piece-hubspot", "Old HubSpot", client.ConnectionTypeOAuth2, "")
		}, check: func(e *exampleEnv) {
			e.wantOutput("broken_connections", []string{"Old HubSpot"})
		}},
		{dir: "data-sources/diga_flow", seed: func(e *exampleEnv) {
			e.replace = append(e.replace, "lod6JEdKyPlvrnErdnrGa", e.liveFlow("Post-call summary "))
		}, check: func(e *exampleEnv) {
			e.wantOutput("existing_flow_status", "ENABLED")
		}},
		{dir: "data-sources/diga_flow_execution", seed: func(e *exampleEnv) {
			id := e.liveFlow("Post-call summary ")
			e.replace = append(e.replace, "5xVpF0D1ezWX7WqK2aoZP", e.run(id, "post_slack", "channel_not_found"))
		}, check: func(e *exampleEnv) {
			e.wantOutput("failed_steps", map[string]string{"post_slack": "channel_not_found"})
		}},
		{dir: "data-sources/diga_flow_executions", seed: func(e *exampleEnv) {
			id := e.liveFlow("Post-call summary ")
			e.run(id, "", "")
			failed := e.run(id, "post_slack", "channel_not_found")
			e.run(id, "", "")
			e.replace = append(e.replace, "lod6JEdKyPlvrnErdnrGa", id)
			e.memo["failed"] = failed
		}, check: func(e *exampleEnv) {
			e.wantOutput("failed_run_ids", []string{e.memo["failed"]})
		}},
		{dir: "data-sources/diga_flow_template", seed: func(e *exampleEnv) {
			e.vars["slack_bot_token"] = placeholderToken
		}},
		{dir: "data-sources/diga_flow_templates", check: func(e *exampleEnv) {
			e.wantOutput("template_names", []string{"Send call results to your CRM"})
		}},
		{dir: "data-sources/diga_flows", seed: func(e *exampleEnv) {
			e.uiFlow("CRM sync")
			e.uiFlow("Invoice reminder")
			e.liveFlow("Post-call summary ")
		}, check: func(e *exampleEnv) {
			e.wantOutput("flow_count", 3)
		}},
		{dir: "data-sources/diga_piece"},
		{dir: "data-sources/diga_pieces"},

		// ---- the demo, the flows and the functions
		{dir: "demo"},
		{dir: "flows/from-json-file"},
		{dir: "flows/router"},
		{dir: "functions/flow", offContractAnswers: emptyBranch},
		{dir: "functions/mermaid", offContractAnswers: emptyBranch},

		// ---- guides
		{dir: "guides/bulk-import/for-each", seed: func(e *exampleEnv) {
			e.uiFlow("CRM sync (draft)")
			e.uiFlow("Invoice reminder")
			e.liveFlow("Post-call summary ")
		}, check: func(e *exampleEnv) {
			if n := len(e.stateIDs("diga_flow")); n != 3 {
				e.t.Errorf("the apply adopted %d flows, want the 3 seeded", n)
			}
		}},
		{dir: "guides/bulk-import/generate-config", seed: func(e *exampleEnv) {
			e.uiFlow("CRM sync (draft)")
			e.liveFlow("Post-call summary ")
		}, after: func(e *exampleEnv) {
			// The steps main.tf lists after the apply: the import blocks into
			// imports.tf, configuration generated for them, the import.
			writeFile(e.t, filepath.Join(e.tf.dir, "imports.tf"), e.tf.mustRun("output", "-raw", "diga_import_blocks"))
			out := e.tf.mustRun("plan", "-input=false", "-generate-config-out=generated.tf", "-out=import.plan")
			e.noWarnings("plan -generate-config-out", out)
			if imports, changes := e.tf.planSummary("import.plan"); imports != 2 || changes != 0 {
				e.t.Errorf("the import plan has %d imports and %d other changes, want the 2 seeded flows imported only", imports, changes)
			}
			e.noWarnings("apply", e.tf.mustRun("apply", "-input=false", "import.plan"))
			e.planClean()
		}},
		{dir: "guides/bulk-import/inside-module", needs: noImportInModule, seed: func(e *exampleEnv) {
			support := e.uiFlow("Post-call summary")
			e.emu.SetStatus(e.key, support, "ENABLED")
			billing := e.uiFlow("Invoice reminder")
			e.replace = append(e.replace, "lod6JEdKyPlvrnErdnrGa", support, "Qm3vB8nTzK1wXp4sLd7Ra", billing)
			e.memo["support"], e.memo["billing"] = support, billing
		}, check: func(e *exampleEnv) {
			e.wantInState(`module.flow["support"].diga_flow.this`, e.memo["support"])
			e.wantInState(`module.flow["billing"].diga_flow.this`, e.memo["billing"])
		}},
		{dir: "guides/bulk-import/inside-module/modules/adopted-flow", needs: func(c cliInfo) string {
			// Run as a root module it needs no newer CLI for its import
			// block, but it declares required_version >= 1.16 for the
			// guide's use inside a module.
			if noImportInModule(c) != "" {
				return c.String() + ": the module declares required_version >= 1.16 (Terraform's import blocks inside a module)"
			}
			return ""
		}, seed: func(e *exampleEnv) {
			e.memo["id"] = e.uiFlow("Invoice reminder")
			e.vars["flow_id"] = e.memo["id"]
			e.vars["name"] = "Invoice reminder"
		}, check: func(e *exampleEnv) {
			e.wantInState("diga_flow.this", e.memo["id"])
		}},
		{dir: "guides/bulk-import/into-module", seed: func(e *exampleEnv) {
			// The Slack connection made in the Diga UI; the moved block's
			// flow is not in this run's state, so the module makes its flow.
			conn := e.connection("@activepieces/piece-slack", "Support Slack (staging)", client.ConnectionTypeCustomAuth, `{"props":{"botToken":"xoxb-made-in-the-ui"}}`)
			e.replace = append(e.replace, "Xy7PqR2sT9uVwZ1aB3cDe", conn.ID)
			e.memo["conn"] = conn.ID
		}, check: func(e *exampleEnv) {
			e.wantInState("module.staging.diga_connection.slack", e.memo["conn"])
		}},
		{dir: "guides/promotion", ownProcesses: true, seed: func(e *exampleEnv) {
			e.vars["staging_api_key"] = e.key
			e.vars["production_api_key"] = e.project("examples-production-")
			e.vars["staging_slack_token"] = placeholderToken
			e.vars["production_slack_token"] = placeholderToken
			e.vars["diga_base_url"] = e.baseURL
		}},
		{dir: "guides/promotion/modules/support-flow", seed: func(e *exampleEnv) {
			e.vars["environment"] = "staging"
			e.vars["slack_channel"] = "C0STAGING"
			e.vars["summary_text"] = "Call {{trigger.call_id}} finished: {{trigger.summary}}"
			e.vars["slack_bot_token"] = placeholderToken
			e.vars["token_version"] = "1"
			e.vars["escalate_vip"] = true
			e.vars["vip_channel"] = "C0STAGINGVIP"
		}},
		{dir: "guides/testing-flows/actions", needs: needsActions, warns: map[string]string{
			// Terraform 1.16 prefers `caller` in an action that a resource's
			// action_trigger runs; the guide names the flow, as 1.14 and
			// 1.15 (which have no caller) need, and its comment says so.
			"Reference to triggering resource": "the guide supports Terraform 1.14 and 1.15, which have no caller",
		}, check: func(e *exampleEnv) {
			id := e.stateResources("diga_flow")["diga_flow.post_call"]
			if n := e.emu.RunCount(e.key, id); n != 1 {
				e.t.Errorf("the create ran the flow's test %d times, want once (action_trigger after_create)", n)
			}
		}, after: func(e *exampleEnv) {
			// The invocations the example's comment lists.
			e.noWarnings("apply -invoke", e.tf.mustRun("apply", "-auto-approve", "-input=false", "-invoke=action.diga_flow_test.post_call"))
			e.noWarnings("apply -invoke", e.tf.mustRun("apply", "-auto-approve", "-input=false", "-invoke=action.diga_step_test.notify"))
			id := e.stateResources("diga_flow")["diga_flow.post_call"]
			if n := e.emu.RunCount(e.key, id); n != 2 {
				e.t.Errorf("the flow has %d test runs after invoking diga_flow_test.post_call, want 2", n)
			}
			if _, ok := e.emu.SampleData(e.key, id, "notify", "OUTPUT"); !ok {
				e.t.Error("invoking diga_step_test.notify stored no sample output for the step")
			}
		}},
		{dir: "guides/testing-flows/caller", needs: needsCaller, check: func(e *exampleEnv) {
			flows := e.stateResources("diga_flow")
			for _, addr := range []string{`diga_flow.post_call["support"]`, `diga_flow.post_call["sales"]`, "diga_flow.legacy[0]"} {
				if flows[addr] == "" {
					e.t.Fatalf("%s is not in state: %v", addr, flows)
				}
			}
			e.memo["support"], e.memo["sales"], e.memo["legacy"] = flows[`diga_flow.post_call["support"]`], flows[`diga_flow.post_call["sales"]`], flows["diga_flow.legacy[0]"]
			e.wantRuns(map[string]int{"support": 1, "sales": 1, "legacy": 0}, "after the create (after_create, caller)")
		}, after: func(e *exampleEnv) {
			// The invocations and the retirement the example's comment lists.
			e.noWarnings("apply -invoke -target", e.tf.mustRun("apply", "-auto-approve", "-input=false",
				"-invoke=action.diga_flow_test.changed", `-target=diga_flow.post_call["support"]`))
			e.wantRuns(map[string]int{"support": 2, "sales": 1, "legacy": 0}, "after -invoke with -target of the support flow")
			e.noWarnings("apply -invoke", e.tf.mustRun("apply", "-auto-approve", "-input=false", "-invoke=action.diga_flow_test.changed"))
			e.wantRuns(map[string]int{"support": 3, "sales": 2, "legacy": 0}, "after -invoke without -target (every caller)")
			// A failing test of the successor stops the retirement before
			// the delete (on_failure halt): the legacy flow stays.
			e.emu.FailStep(e.key, e.memo["support"], "notify", "channel_not_found")
			if out, code := e.tf.run("apply", "-auto-approve", "-input=false", "-var=retire_legacy=true"); code == 0 || !strings.Contains(out, "channel_not_found") {
				e.t.Errorf("retiring the legacy flow while its successor's test fails: exit %d, want a failure naming the step's error:\n%s", code, out)
			}
			e.emu.ClearStepFailures(e.key, e.memo["support"])
			if _, ok := e.emu.Flow(e.key, e.memo["legacy"]); !ok {
				e.t.Fatal("the legacy flow was deleted although its successor's test failed")
			}
			e.wantRuns(map[string]int{"support": 4, "sales": 2}, "after the halted retirement (before_destroy)")
			e.noWarnings("apply retire_legacy", e.tf.mustRun("apply", "-auto-approve", "-input=false", "-var=retire_legacy=true"))
			e.wantRuns(map[string]int{"support": 5, "sales": 2}, "after retiring the legacy flow (before_destroy)")
			if _, ok := e.emu.Flow(e.key, e.memo["legacy"]); ok {
				e.t.Error("the legacy flow is still in Diga after retire_legacy = true")
			}
		}},
		{dir: "guides/testing-flows/gate"},
		{dir: "guides/from-a-flow-to-a-call", warns: agentFlowsDestroyWarnings, seed: func(e *exampleEnv) {
			e.memo["agent"] = e.agent("Reception")
		}, check: func(e *exampleEnv) {
			e.wantReleased(e.memo["agent"], "diga_flow.call_summary", "diga_flow.check_availability")
			for _, addr := range []string{"diga_flow.call_summary", "diga_flow.check_availability"} {
				if n := e.emu.RunCount(e.key, e.stateResources("diga_flow")[addr]); n != 1 {
					e.t.Errorf("%s was tested %d times before its publish, want once (test_before_publish)", addr, n)
				}
			}
			e.wantOutput("live_version", "v2")
		}},

		// ---- list resources
		{dir: "list-resources/diga_flow", needs: needsQuery, seed: func(e *exampleEnv) {
			e.liveFlow("Support summary ")
			e.liveFlow("Sales summary ")
			e.uiFlow("Support draft")
		}, check: func(e *exampleEnv) {
			out := e.tf.mustRun("query")
			e.noWarnings("query", out)
			for _, want := range []string{"Support summary 1", "Sales summary 1", "Support draft"} {
				if !strings.Contains(out, want) {
					e.t.Errorf("terraform query does not list %q:\n%s", want, out)
				}
			}
		}},

		// ---- the provider
		{dir: "provider"},

		// ---- resources
		{dir: "resources/diga_connection", warns: map[string]string{
			// adopt.tf's point: the connection made in the Diga UI is taken
			// over, and the plan says so.
			"Existing connection will be adopted": "adopt.tf adopts the seeded UI connection",
		}, seed: func(e *exampleEnv) {
			e.vars["slack_bot_token"] = placeholderToken
			e.vars["crm_slack_token"] = placeholderToken
			// adopt.tf takes over the connection made in the Diga UI.
			e.memo["crm"] = e.connection("@activepieces/piece-slack", "CRM Slack bot", client.ConnectionTypeCustomAuth, `{"props":{"botToken":"xoxb-made-in-the-ui"}}`).ID
		}, check: func(e *exampleEnv) {
			e.wantInState("diga_connection.crm_slack", e.memo["crm"])
		}},
		{dir: "resources/diga_connection/keep-on-destroy", needs: needsDestroyFalse, warns: map[string]string{
			// Terraform's notice on every plan that forgets an object: the
			// example's point.
			"Some objects will no longer be managed by Terraform": "destroy = false forgets the connection instead of deleting it",
		}, seed: func(e *exampleEnv) {
			e.vars["slack_bot_token"] = placeholderToken
		}, check: func(e *exampleEnv) {
			conns := e.stateResources("diga_connection")
			if conns["diga_connection.slack"] == "" {
				e.t.Fatalf("diga_connection.slack is not in state: %v", conns)
			}
			e.memo["conn"] = conns["diga_connection.slack"]
		}, after: func(e *exampleEnv) {
			// destroy = false: the destroy plan forgets the connection
			// instead of deleting it, and the provider is not asked to (its
			// delete would warn "Connection left in Diga").
			out := e.tf.mustRun("plan", "-destroy", "-input=false")
			// Both CLIs say so for a forgotten object ("… but will not be
			// destroyed").
			if !strings.Contains(ansiCode.ReplaceAllString(out, ""), "will not be destroyed") {
				e.t.Errorf("the destroy plan does not forget the connection:\n%s", out)
			}
			e.noWarnings("plan -destroy", out)
			destroy := []string{"destroy", "-auto-approve", "-input=false"}
			if cli, err := testCLI(); err == nil && cli.openTofu {
				// OpenTofu ends a destroy that forgot objects with an
				// error unless told that was the point.
				destroy = append(destroy, "-suppress-forget-errors")
			}
			e.noWarnings("destroy", e.tf.mustRun(destroy...))
			if ids := e.stateIDs("diga_connection"); len(ids) != 0 {
				e.t.Errorf("the connection is still in state after destroy: %v", ids)
			}
			kept := false
			for _, c := range e.emu.Connections(e.key) {
				kept = kept || c.ID == e.memo["conn"]
			}
			if !kept {
				e.t.Error("the connection is gone from Diga after a destroy that should only forget it")
			}
		}},
		{dir: "resources/diga_flow", drop: []string{"import-identity-block.tf"}, seed: func(e *exampleEnv) {
			e.vars["template_slack_token"] = placeholderToken
			e.memo["id"] = e.uiFlow("Post-call summary (UI)")
			e.replace = append(e.replace, "lod6JEdKyPlvrnErdnrGa", e.memo["id"])
		}, check: func(e *exampleEnv) {
			e.wantInState("diga_flow.post_call_summary", e.memo["id"])
		}},
		{dir: "resources/diga_flow", variant: "identity import", drop: []string{"import-by-string-id.tf"}, needs: needsIdentity, seed: func(e *exampleEnv) {
			e.vars["template_slack_token"] = placeholderToken
			e.memo["id"] = e.liveFlow("Post-call summary ")
			e.replace = append(e.replace, "lod6JEdKyPlvrnErdnrGa", e.memo["id"])
		}, check: func(e *exampleEnv) {
			e.wantInState("diga_flow.post_call_summary", e.memo["id"])
		}},
		{dir: "resources/diga_flow_sample_data"},
		{dir: "resources/diga_agent_flows", warns: agentFlowsDestroyWarnings, seed: func(e *exampleEnv) {
			e.memo["agent"] = e.agent("Reception")
		}, check: func(e *exampleEnv) {
			e.wantReleased(e.memo["agent"], "diga_flow.call_summary", "diga_flow.check_availability")
			e.wantOutput("reception_live_version", 2)
		}},

		// ---- README.md
		{readme: []string{"Using the real Diga API"}},
		{readme: []string{"Using the real Diga API", "Importing existing flows"}, seed: func(e *exampleEnv) {
			e.memo["id"] = e.uiFlow("Post-call summary to Slack")
			e.replace = append(e.replace, "<flow_id>", e.memo["id"])
		}, check: func(e *exampleEnv) {
			e.wantInState("diga_flow.summary", e.memo["id"])
		}},
	}
}
