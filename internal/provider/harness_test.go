package provider

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// testAccProtoV6ProviderFactories serves the provider in-process to the
// terraform CLI that terraform-plugin-testing drives.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"diga": ProtocolServer("test"),
}

// envLive selects the real Diga API (make testacc-live) instead of a
// per-test emulator.
const envLive = "DIGA_ACC_LIVE"

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

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// cliProviderAddresses are the addresses under which cliProvider attaches
// the in-process provider. A configuration's source "diga-io/diga" means
// Address under Terraform and the same namespace and type on OpenTofu's
// default registry under OpenTofu; the CLI ignores the address it does not use.
func cliProviderAddresses() []string {
	return []string{Address, "registry.opentofu.org/diga-io/diga"}
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

func isLive() bool { return os.Getenv(envLive) != "" }

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

func TestCheckBaseURL(t *testing.T) {
	t.Parallel()
	cases := map[string]string{ // url → expected error substring ("" = ok)
		"https://api.diga.io":            "",
		"https://api.diga.io/":           "",
		"http://127.0.0.1:8787":          "",
		"http://127.1.2.3":               "",
		"http://localhost:1234":          "",
		"http://[::1]:8787":              "",
		"http://api.diga.io":             "https is required",
		"http://10.0.0.1":                "https is required",
		"http://localhost.evil.com":      "https is required",
		"http://localhost.:8787":         "trailing dot",
		"http://LocalHost.":              "trailing dot",
		"http://api.localhost":           "https is required",
		"ftp://api.diga.io":              "not an absolute http(s) URL",
		"api.diga.io":                    "not an absolute http(s) URL",
		"":                               "not an absolute http(s) URL",
		"mailto:x@api.diga.io":           "not an absolute http(s) URL",
		" https://api.diga.io\n":         "",
		"HTTPS://api.diga.io/base":       "",
		"https://me:s3cret@api.diga.io":  "contains user information",
		"https://me@api.diga.io":         "contains user information",
		"https://api.diga.io/?region=eu": "has a query string",
		"https://api.diga.io/?":          "has a query string",
		"https://api.diga.io/#top":       "has a fragment",
		"https://api.diga.io#":           "has a fragment",
		"http://me:s3cret@10.0.0.1":      "contains user information",
		"https://exa mple.com@x":         "not an absolute http(s) URL",
	}
	for in, want := range cases {
		err := checkBaseURL(in)
		switch {
		case want == "" && err != nil:
			t.Errorf("checkBaseURL(%q) = %v, want ok", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("checkBaseURL(%q) = %v, want error containing %q", in, err, want)
		case err != nil && strings.Contains(err.Error(), "s3cret"):
			t.Errorf("checkBaseURL(%q) repeats the password: %v", in, err)
		}
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	if got, want := userAgent("1.2.3", "1.11.4"), "terraform-provider-diga/1.2.3 Terraform/1.11.4"; got != want {
		t.Errorf("userAgent = %q, want %q", got, want)
	}
	if got, want := userAgent("dev", ""), "terraform-provider-diga/dev"; got != want {
		t.Errorf("userAgent = %q, want %q", got, want)
	}
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
