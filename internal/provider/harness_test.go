package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// This file is the test harness shared by the whole package: TestMain, the
// Diga API each acceptance test runs against, and the helpers of the three
// ways a test can drive the provider. Take the first that can express the
// test:
//
//  1. terraform-plugin-testing: resource.Test or resource.ParallelTest with
//     testAccProtoV6ProviderFactories, against an accTarget (newAccTarget:
//     an emulator of the test's own, or the live API under DIGA_ACC_LIVE,
//     every exchange checked against the contract). The default, for
//     anything a configuration and plan/apply/import/refresh show: plan
//     checks, state checks, ImportStateVerify, ExpectError.
//  2. Raw CLI runs: tfRunner in a working directory, with cliProvider
//     serving the provider in-process (or builtProvider's binary,
//     provider_binary_test.go, when a configuration has several provider
//     blocks). For what terraform-plugin-testing cannot drive: -invoke of
//     an action, `terraform query`, -generate-config-out and import blocks
//     in bulk, exit codes and the exact text Terraform prints. mustCLI
//     (cli_matrix_test.go) tells which CLI runs, for version gates.
//  3. Direct protocol calls: configuredServer or protocolProvider give the
//     provider server as main.go serves it, configured as Terraform would,
//     and the test calls its RPCs itself. For what the CLI on the machine
//     cannot do or show: RPCs newer than that CLI (identities, list
//     resources), the exact API requests one RPC makes, concurrency and
//     request contexts. It skips Terraform's own checks, so prefer 1 or 2
//     for behaviour a user sees.
//
// Pure logic (decideFlow, the field table, the definition type) needs none
// of them: plain unit tests beside the code.

// --- The suite: TestMain, and the check that no API key reaches a log ---

// envLive selects the real Diga API (make testacc-live) instead of a
// per-test emulator.
const envLive = "DIGA_ACC_LIVE"

func isLive() bool { return os.Getenv(envLive) != "" }

func TestMain(m *testing.M) {
	cliConfig := ""
	// Acceptance tests use the terraform CLI on PATH (or TF_ACC_TERRAFORM_PATH)
	// and must never download one.
	if os.Getenv("TF_ACC") != "" && os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		tf, err := exec.LookPath("terraform")
		if err != nil {
			fmt.Fprintln(os.Stderr, "acceptance tests need the terraform CLI: put it on PATH or set TF_ACC_TERRAFORM_PATH (tests never download it)")
			os.Exit(1)
		}
		_ = os.Setenv("TF_ACC_TERRAFORM_PATH", tf)
	}
	_ = os.Setenv("CHECKPOINT_DISABLE", "1")
	if cfg := os.Getenv("TF_CLI_CONFIG_FILE"); cfg == "" || !fileExists(cfg) {
		// No ~/.terraformrc on CI machines; an empty config keeps the
		// CLI's warning about it out of every test failure. A
		// TF_CLI_CONFIG_FILE naming a missing file is replaced too:
		// OpenTofu prints that warning on stdout, where it breaks
		// `tofu version` and `tofu output` parsing.
		if f, err := os.CreateTemp("", "diga-acc-*.tfrc"); err == nil {
			_ = f.Close()
			_ = os.Setenv("TF_CLI_CONFIG_FILE", f.Name())
			cliConfig = f.Name()
		}
	}
	// Every acceptance run logs at TRACE (terraform CLI and provider) into
	// per-test files, which are then searched for the API keys the tests
	// used: a key in any log line fails the run.
	logDir := ""
	if os.Getenv("TF_ACC") != "" && os.Getenv("TF_LOG_PATH_MASK") == "" && os.Getenv("TF_ACC_LOG_PATH") == "" {
		dir, err := os.MkdirTemp("", "diga-acc-logs")
		if err == nil {
			logDir = dir
			_ = os.Setenv("TF_LOG_PATH_MASK", filepath.Join(dir, "%s.log"))
			_ = os.Setenv("TF_LOG", "TRACE")
		}
	}
	if isLive() {
		if dir := os.Getenv("DIGA_RECORD_DIR"); dir != "" {
			// Record every exchange with the real API (secrets removed) so
			// `make contract-replay` can check Diga against the contract.
			http.DefaultTransport = contract.NewRecorder(dir, nil)
		}
	}
	code := m.Run()
	removeBuiltProvider()
	// Every import body the emulators received, against Activepieces' own
	// flow code (engine_check_test.go).
	if os.Getenv("TF_ACC") != "" && !runEngineCheck(os.Stderr) && code == 0 {
		code = 1
	}
	if testing.Verbose() {
		if v, err := contract.Load(); err == nil {
			fmt.Println(v.Coverage())
		}
	}
	if logDir != "" {
		if err := checkLogsForSecrets(logDir, usedSecrets()); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: secret found in TRACE logs:", err)
			if code == 0 {
				code = 1
			}
		}
		_ = os.RemoveAll(logDir)
	}
	if cliConfig != "" {
		_ = os.Remove(cliConfig)
	}
	os.Exit(code)
}

var (
	secretsMu sync.Mutex
	secrets   = map[string]bool{}
)

// registerSecret records an API key a test hands to the provider, so the
// log check can look for it.
func registerSecret(s string) {
	secretsMu.Lock()
	defer secretsMu.Unlock()
	secrets[s] = true
}

func usedSecrets() []string {
	secretsMu.Lock()
	defer secretsMu.Unlock()
	out := make([]string, 0, len(secrets))
	for s := range secrets {
		out = append(out, s)
	}
	return out
}

// withoutConfigDumps drops the test harness's own dumps of the test
// configuration ("Setting Terraform configuration:" followed by "  | " lines):
// emulator-mode tests write the key into that configuration, which is the
// test's doing, not the provider's. Everything Terraform and the provider
// log stays in.
func withoutConfigDumps(data []byte) []byte {
	var out bytes.Buffer
	inDump := false
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if inDump {
			if bytes.HasPrefix(line, []byte("  | ")) || bytes.HasPrefix(line, []byte("  |\n")) ||
				bytes.HasPrefix(line, []byte("  test_terraform_configuration=")) {
				continue
			}
			inDump = false
		}
		if bytes.Contains(line, []byte("sdk.helper_resource: Setting Terraform configuration")) {
			inDump = true
		}
		out.Write(line)
	}
	return out.Bytes()
}

// checkLogsForSecrets fails when any log file under dir contains one of the
// secrets; it also fails when there are no logs at all, so a broken log
// setup cannot pass silently.
func checkLogsForSecrets(dir string, secrets []string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var bytesRead int
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		bytesRead += len(data)
		data = withoutConfigDumps(data)
		for _, s := range secrets {
			if i := bytes.Index(data, []byte(s)); i >= 0 {
				lineStart := bytes.LastIndexByte(data[:i], '\n') + 1
				lineEnd := bytes.IndexByte(data[i:], '\n')
				if lineEnd < 0 {
					lineEnd = len(data) - i
				}
				return fmt.Errorf("%s contains an API key used by the tests: %s", e.Name(),
					bytes.ReplaceAll(data[lineStart:i+lineEnd], []byte(s), []byte("<KEY>")))
			}
		}
	}
	if len(secrets) > 0 && bytesRead == 0 {
		return fmt.Errorf("no TRACE logs were written to %s", dir)
	}
	fmt.Fprintf(os.Stderr, "log check: %d API keys not found in %d TRACE log files (%d bytes)\n", len(secrets), len(entries), bytesRead)
	return nil
}

func TestCheckLogsForSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dump := "2026-01-01T00:00:00Z [TRACE] sdk.helper_resource: Setting Terraform configuration:\n" +
		"  test_terraform_configuration=\n  | provider \"diga\" {\n  |   api_key = \"k-123\"\n  | }\n  |\n" +
		"2026-01-01T00:00:01Z [DEBUG] provider: configured\n"
	if err := os.WriteFile(filepath.Join(dir, "a.log"), []byte(dump), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := checkLogsForSecrets(dir, []string{"k-123"}); err != nil {
		t.Fatalf("a key only in the harness's config dump must pass: %v", err)
	}
	leak := dump + "2026-01-01T00:00:02Z [DEBUG] provider.terraform-provider-diga: Authorization: Bearer k-123\n"
	if err := os.WriteFile(filepath.Join(dir, "b.log"), []byte(leak), 0o600); err != nil {
		t.Fatal(err)
	}
	err := checkLogsForSecrets(dir, []string{"k-123"})
	if err == nil || !strings.Contains(err.Error(), "Bearer <KEY>") {
		t.Fatalf("a key in a provider log line must fail, naming the line without the key: %v", err)
	}
	if strings.Contains(err.Error(), "k-123") {
		t.Fatalf("the failure message repeats the key: %v", err)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// --- 1. terraform-plugin-testing against an accTarget ---

// testAccProtoV6ProviderFactories serves the provider in-process to the
// terraform CLI that terraform-plugin-testing drives.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"diga": ProtocolServer("test"),
}

// accTarget is the Diga API one acceptance test runs against: its own
// emulator on a random loopback port, or the live API in live mode. Tests use
// client for out-of-band actions and checks so they hold for both.
type accTarget struct {
	baseURL string
	apiKey  string
	client  *client.Client
	emu     *emulator.Server // nil against the live API
	live    bool

	// beforeWrite, when set, runs once before the next write request
	// reaches the emulator: an edit made in the Diga UI after Terraform
	// planned and before it applies.
	hookMu      sync.Mutex
	beforeWrite func()

	// engineCheckSkipped, when set, is why the import bodies sent to this
	// target stay out of the engine check (skipEngineCheck); under hookMu.
	engineCheckSkipped string
}

// newAccTarget starts a fresh emulator for the test (or, in live mode, uses
// DIGA_API_KEY / DIGA_BASE_URL, skipping when they are not set).
//
// Every request the provider sends and every answer the emulator gives is
// checked against Diga's OpenAPI contract (internal/contract); a violation
// fails the test that caused it.
func newAccTarget(t *testing.T, opts ...emulator.Option) *accTarget {
	t.Helper()
	return newAccTargetChecked(t, contract.Wrap, opts...)
}

// newAccTargetOffContract is newAccTarget for emulators deliberately
// answering outside the contract (fault injection, servers that echo extra
// keys): only the provider's requests are checked.
func newAccTargetOffContract(t *testing.T, opts ...emulator.Option) *accTarget {
	t.Helper()
	return newAccTargetChecked(t, contract.WrapRequests, opts...)
}

func newAccTargetChecked(t *testing.T, wrap func(testing.TB, http.Handler) http.Handler, opts ...emulator.Option) *accTarget {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run with TF_ACC=1 (make test does that)")
	}
	tg := &accTarget{}
	if isLive() {
		tg.live = true
		tg.apiKey = os.Getenv(envAPIKey)
		tg.baseURL = os.Getenv(envBaseURL)
		if tg.apiKey == "" || tg.baseURL == "" {
			t.Skipf("live acceptance tests need %s and %s", envAPIKey, envBaseURL)
		}
		registerSecret(tg.apiKey)
	} else {
		tg.apiKey = "test-key-" + randomSuffix(t)
		registerSecret(tg.apiKey)
		// DIGA_EMULATOR_STRICT / _IMPORT_MODE / _RESPONSE_MODE pick the
		// emulator's modes for every test; a test's own options come later
		// and win.
		modes, err := emulator.ModeOptionsFromEnv(os.Getenv)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(append([]emulator.Option{emulator.WithAPIKeys(tg.apiKey)}, modes...), opts...)
		emu := emulator.New(opts...)
		srv := httptest.NewServer(tg.hooked(wrap(t, recordImportsFor(t, tg, emu))))
		t.Cleanup(srv.Close)
		tg.emu = emu
		tg.baseURL = srv.URL
	}
	c, err := client.New(client.Config{BaseURL: tg.baseURL, APIKey: tg.apiKey, UserAgent: "terraform-provider-diga/acctest"})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	tg.client = c
	return tg
}

// onNextWrite arranges for edit to run just before the next write request
// (POST, PATCH, DELETE) reaches the emulator.
func (tg *accTarget) onNextWrite(edit func()) {
	tg.hookMu.Lock()
	defer tg.hookMu.Unlock()
	tg.beforeWrite = edit
}

// hooked runs the beforeWrite hook in front of h.
func (tg *accTarget) hooked(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			tg.hookMu.Lock()
			edit := tg.beforeWrite
			tg.beforeWrite = nil
			tg.hookMu.Unlock()
			if edit != nil {
				edit()
			}
		}
		h.ServeHTTP(w, r)
	})
}

// useUncheckedKey switches the target to a fresh emulator key that the
// TRACE log check does not look for.
func (tg *accTarget) useUncheckedKey(t *testing.T) {
	t.Helper()
	tg.apiKey = "unchecked-key-" + randomSuffix(t)
	tg.emu.AddAPIKey(tg.apiKey)
	c, err := client.New(client.Config{BaseURL: tg.baseURL, APIKey: tg.apiKey, UserAgent: "terraform-provider-diga/acctest"})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	tg.client = c
}

// emulatorOnly skips tests that need emulator internals in live mode.
func (tg *accTarget) emulatorOnly(t *testing.T) {
	t.Helper()
	if tg.emu == nil {
		t.Skip("needs the emulator")
	}
}

// providerBlock configures the provider for the target. In live mode the
// key comes from the environment so it is never written to disk.
func (tg *accTarget) providerBlock() string {
	if tg.live {
		return `provider "diga" {}` + "\n"
	}
	return fmt.Sprintf("provider \"diga\" {\n  api_key  = %q\n  base_url = %q\n}\n", tg.apiKey, tg.baseURL)
}

// name returns a flow name unique to this run, so live runs never collide.
func (tg *accTarget) name(t *testing.T, base string) string {
	return "tf-acc-" + base + "-" + randomSuffix(t)
}

func randomSuffix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// --- 2. Raw CLI runs ---

// cliProvider serves the provider for terraform CLI processes started by
// the test and returns the TF_REATTACH_PROVIDERS value that points at it.
func cliProvider(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfgCh := make(chan *plugin.ReattachConfig, 1)
	closeCh := make(chan struct{})
	server, err := ProtocolServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = tf6server.Serve(Address, func() tfprotov6.ProviderServer { return server },
			tf6server.WithDebug(ctx, cfgCh, closeCh),
			tf6server.WithoutLogStderrOverride(),
			tf6server.WithLoggingSink(t))
	}()
	cfg := <-cfgCh
	t.Cleanup(func() {
		cancel()
		<-closeCh
	})
	entry := map[string]any{
		"Protocol": string(cfg.Protocol), "ProtocolVersion": cfg.ProtocolVersion,
		"Pid": cfg.Pid, "Test": cfg.Test,
		"Addr": map[string]string{"Network": cfg.Addr.Network(), "String": cfg.Addr.String()},
	}
	reattach := map[string]any{}
	for _, addr := range cliProviderAddresses() {
		reattach[addr] = entry
	}
	b, err := json.Marshal(reattach)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cliProviderAddresses are the addresses under which cliProvider attaches
// the in-process provider. A configuration's source "diga-io/diga" means
// Address under Terraform and the same namespace and type on OpenTofu's
// default registry under OpenTofu; the CLI ignores the address it does not use.
func cliProviderAddresses() []string {
	return []string{Address, "registry.opentofu.org/diga-io/diga"}
}

// tfRunner runs terraform in one working directory, with the provider
// served in-process (reattach) or, with env from builtProvider, as a
// binary Terraform starts itself.
type tfRunner struct {
	t        *testing.T
	dir      string
	reattach string
	env      []string
}

func (r tfRunner) run(args ...string) (string, int) {
	r.t.Helper()
	cmd := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "TF_LOG=", "NO_COLOR=1")
	if r.reattach != "" {
		cmd.Env = append(cmd.Env, "TF_REATTACH_PROVIDERS="+r.reattach)
	}
	cmd.Env = append(cmd.Env, r.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		r.t.Fatalf("terraform %v: %v", args, err)
	}
	if code != 0 {
		return stdout.String() + stderr.String(), code
	}
	return stdout.String(), code
}

func (r tfRunner) mustRun(args ...string) string {
	r.t.Helper()
	out, code := r.run(args...)
	if code != 0 {
		r.t.Fatalf("terraform %s failed (exit %d):\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// planSummary counts a saved plan's resource changes.
func (r tfRunner) planSummary(planFile string) (imports, changes int) {
	r.t.Helper()
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions   []string        `json:"actions"`
				Importing json.RawMessage `json:"importing"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(r.mustRun("show", "-json", planFile)), &plan); err != nil {
		r.t.Fatal(err)
	}
	for _, rc := range plan.ResourceChanges {
		if len(rc.Change.Importing) > 0 && string(rc.Change.Importing) != "null" {
			imports++
		}
		if len(rc.Change.Actions) != 1 || rc.Change.Actions[0] != "no-op" {
			changes++
			r.t.Logf("change planned for %s: %v", rc.Address, rc.Change.Actions)
		}
	}
	return imports, changes
}

// --- 3. Direct protocol calls ---

// configuredServer is the provider's protocol server (as main.go serves
// it), configured like Terraform would with api_key, base_url and the extra
// provider attributes given (the others null); it also returns the schemas.
func configuredServer(t *testing.T, key, baseURL string, extra map[string]any) (tfprotov6.ProviderServer, *tfprotov6.GetProviderSchemaResponse) {
	t.Helper()
	ctx := context.Background()
	ps, err := ProtocolServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(schemas.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	cfgType := schemas.Provider.ValueType().(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, typ := range cfgType.AttributeTypes {
		vals[name] = tftypes.NewValue(typ, extra[name])
	}
	vals["api_key"] = tftypes.NewValue(tftypes.String, key)
	vals["base_url"] = tftypes.NewValue(tftypes.String, baseURL)
	cfg, err := tfprotov6.NewDynamicValue(cfgType, tftypes.NewValue(cfgType, vals))
	if err != nil {
		t.Fatal(err)
	}
	conf, err := ps.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.14.0", Config: &cfg})
	if err != nil || hasErrors(conf.Diagnostics) {
		t.Fatalf("ConfigureProvider: %v %v", err, diagText(conf.Diagnostics))
	}
	return ps, schemas
}

// protocolProvider starts an emulator with n seeded flows and returns a
// configured provider server pointing at it.
func protocolProvider(t *testing.T, n int) (tfprotov6.ProviderServer, *emulator.Server, string, []string) {
	t.Helper()
	key := "proto-key-" + randomSuffix(t)
	emu := emulator.New(emulator.WithAPIKeys(key))
	srv := httptest.NewServer(contract.Wrap(t, recordImports(t, emu)))
	t.Cleanup(srv.Close)
	ids := emu.SeedFlows(key, n, "listed-")

	ps, _ := configuredServer(t, key, srv.URL, nil)
	return ps, emu, key, ids
}

// hasErrors reports whether diags hold an error.
func hasErrors(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

// diagText is diags as text, one "summary: detail" line each, for failure
// messages.
func diagText(diags []*tfprotov6.Diagnostic) string {
	s := ""
	for _, d := range diags {
		s += d.Summary + ": " + d.Detail + "\n"
	}
	return s
}

// configValue is a configuration of typ with the given string attributes
// set and every other attribute null.
func configValue(t *testing.T, typ tftypes.Type, attrs map[string]string) *tfprotov6.DynamicValue {
	t.Helper()
	obj := typ.(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range obj.AttributeTypes {
		if v, ok := attrs[name]; ok {
			vals[name] = tftypes.NewValue(at, v)
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}
