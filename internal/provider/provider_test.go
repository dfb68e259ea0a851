package provider

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// testAccProtoV6ProviderFactories serves the provider in-process to the
// terraform CLI that terraform-plugin-testing drives.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"diga": providerserver.NewProtocol6WithError(New("test")()),
}

// envLive selects the real Diga API (make testacc-live) instead of a
// per-test emulator.
const envLive = "DIGA_ACC_LIVE"

func TestMain(m *testing.M) {
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
	if os.Getenv("TF_CLI_CONFIG_FILE") == "" {
		// No ~/.terraformrc on CI machines; an empty config keeps the
		// CLI's warning about it out of every test failure.
		_ = os.Setenv("TF_CLI_CONFIG_FILE", os.DevNull)
	}
	os.Exit(m.Run())
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
}

func isLive() bool { return os.Getenv(envLive) != "" }

// newAccTarget starts a fresh emulator for the test (or, in live mode, uses
// DIGA_API_KEY / DIGA_BASE_URL, skipping when they are not set).
func newAccTarget(t *testing.T, opts ...emulator.Option) *accTarget {
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
	} else {
		tg.apiKey = "test-key-" + randomSuffix(t)
		emu := emulator.New(append([]emulator.Option{emulator.WithAPIKeys(tg.apiKey)}, opts...)...)
		srv := httptest.NewServer(emu)
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
		"https://api.diga.io":       "",
		"https://api.diga.io/":      "",
		"http://127.0.0.1:8787":     "",
		"http://127.1.2.3":          "",
		"http://localhost:1234":     "",
		"http://[::1]:8787":         "",
		"http://api.diga.io":        "https is required",
		"http://10.0.0.1":           "https is required",
		"http://localhost.evil.com": "https is required",
		"ftp://api.diga.io":         "not an absolute http(s) URL",
		"api.diga.io":               "not an absolute http(s) URL",
		"":                          "not an absolute http(s) URL",
	}
	for in, want := range cases {
		err := checkBaseURL(in)
		switch {
		case want == "" && err != nil:
			t.Errorf("checkBaseURL(%q) = %v, want ok", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("checkBaseURL(%q) = %v, want error containing %q", in, err, want)
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
