package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// The bulk-import guide (examples/guides/bulk-import) is run as written
// with the terraform CLI against an emulator holding 100 flows. Config
// generation for many import blocks is outside what terraform-plugin-testing
// drives, so this test serves the provider in-process and runs the CLI
// itself, the way terraform-plugin-testing does under the hood.

const bulkFlowCount = 100

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

// guideDir copies an example directory of the guide and adds a provider
// block for the emulator (the guide itself uses DIGA_API_KEY/DIGA_BASE_URL).
func guideDir(t *testing.T, example, key, baseURL string) string {
	t.Helper()
	src := filepath.Join("..", "..", "examples", "guides", "bulk-import", example)
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	provider := fmt.Sprintf("provider \"diga\" {\n  api_key  = %q\n  base_url = %q\n}\n", key, baseURL)
	if err := os.WriteFile(filepath.Join(dst, "provider_test_only.tf"), []byte(provider), 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// seedBulkFlows fills the emulator with flows like a project that grew in
// the Diga UI: empty drafts, and published, enabled post-call flows.
func seedBulkFlows(t *testing.T, emu *emulator.Server, key string) {
	t.Helper()
	ids := emu.SeedFlows(key, bulkFlowCount, "ui-flow-")
	for i, id := range ids {
		if i%3 != 0 {
			continue
		}
		emu.EditFlow(key, id, func(tree map[string]any) {
			for k := range tree {
				delete(tree, k)
			}
			tree["name"] = "trigger"
			tree["type"] = "PIECE_TRIGGER"
			tree["displayName"] = "Call finished"
			tree["settings"] = map[string]any{"pieceName": "@diga/piece-diga", "triggerName": "call_finished", "input": map[string]any{}}
			tree["nextAction"] = map[string]any{
				"name": "post_slack", "type": "PIECE", "displayName": "Post to Slack",
				"settings": map[string]any{
					"pieceName": "@activepieces/piece-slack", "actionName": "send_channel_message",
					"input": map[string]any{"channel": "C42", "sendAsBot": true, "auth": "{{connections['slack_bot']}}",
						"text": fmt.Sprintf("flow %d: <<done>> & {{trigger.call_id}}", i)},
				},
			}
		})
		if i%2 == 0 {
			emu.SetStatus(key, id, "ENABLED")
		}
	}
}

func TestAccBulkImportGuide(t *testing.T) {
	if os.Getenv("TF_ACC") == "" || isLive() {
		t.Skip("runs with TF_ACC=1 against the emulator")
	}
	for _, option := range []string{"for-each", "generate-config"} {
		t.Run(option, func(t *testing.T) {
			t.Parallel()
			key := "bulk-key-" + randomSuffix(t)
			registerSecret(key)
			emu := emulator.New(emulator.WithAPIKeys(key))
			srv := httptest.NewServer(contract.Wrap(t, recordImports(t, emu)))
			t.Cleanup(srv.Close)
			seedBulkFlows(t, emu, key)

			tf := tfRunner{t: t, dir: guideDir(t, option, key, srv.URL), reattach: cliProvider(t)}
			tf.mustRun("init", "-input=false")
			if option == "generate-config" {
				tf.mustRun("apply", "-auto-approve", "-input=false")
				blocks := tf.mustRun("output", "-raw", "diga_import_blocks")
				if err := os.WriteFile(filepath.Join(tf.dir, "imports.tf"), []byte(blocks), 0o600); err != nil {
					t.Fatal(err)
				}
				tf.mustRun("plan", "-input=false", "-generate-config-out=generated.tf", "-out=import.plan")
			} else {
				tf.mustRun("plan", "-input=false", "-out=import.plan")
			}
			imports, changes := tf.planSummary("import.plan")
			if imports != bulkFlowCount || changes != 0 {
				t.Fatalf("the import plan has %d imports and %d other changes, want %d imports only", imports, changes, bulkFlowCount)
			}
			writesBefore := emu.WriteCount(key)
			tf.mustRun("apply", "-input=false", "import.plan")
			if out, code := tf.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
				t.Fatalf("plan after the import is not clean (exit %d):\n%s", code, out)
			}
			if n := emu.WriteCount(key) - writesBefore; n != 0 {
				t.Errorf("importing made %d write calls", n)
			}
			if got := len(emu.Flows(key)); got != bulkFlowCount {
				t.Errorf("emulator holds %d flows after the import, want %d", got, bulkFlowCount)
			}
		})
	}
}
