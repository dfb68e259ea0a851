package provider

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// A provider served in-process (TF_REATTACH_PROVIDERS) is one plugin for
// every provider block: Terraform configures that one server once per
// alias, and the last configuration wins. Tests of configurations with
// several aliases (two API keys) need what Terraform does outside tests,
// one plugin process per provider configuration, so they build the
// provider and point Terraform at the binary with dev_overrides.

var (
	builtOnce sync.Once
	builtDir  string
	builtErr  error
)

// builtProvider builds the provider binary (once per test run) and returns
// the environment that makes terraform use it. With dev_overrides,
// terraform init must not run (it would look the provider up in the
// registry): terraform get installs the modules.
func builtProvider(t *testing.T) []string {
	t.Helper()
	builtOnce.Do(buildProvider)
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	env := []string{"TF_CLI_CONFIG_FILE=" + filepath.Join(builtDir, "dev.tfrc")}
	if mask := os.Getenv("TF_LOG_PATH_MASK"); mask != "" {
		// TRACE logs of terraform and the provider binary go where
		// TestMain looks for leaked API keys.
		env = append(env, "TF_LOG=TRACE", "TF_LOG_PATH="+strings.Replace(mask, "%s", strings.ReplaceAll(t.Name(), "/", "_"), 1))
	}
	return env
}

// buildProvider builds the binary into a directory that outlives any one
// test (TestMain removes it) and writes the CLI configuration using it.
func buildProvider() {
	builtDir, builtErr = os.MkdirTemp("", "diga-provider-bin")
	if builtErr != nil {
		return
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(builtDir, "terraform-provider-diga"), "../..")
	if out, err := cmd.CombinedOutput(); err != nil {
		builtErr = fmt.Errorf("go build: %w\n%s", err, out)
		return
	}
	cfg := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"diga-io/diga\" = %q\n  }\n  direct {}\n}\n", builtDir)
	builtErr = os.WriteFile(filepath.Join(builtDir, "dev.tfrc"), []byte(cfg), 0o600)
}

// removeBuiltProvider deletes what builtProvider made; TestMain calls it.
func removeBuiltProvider() {
	if builtDir != "" {
		_ = os.RemoveAll(builtDir)
	}
}
