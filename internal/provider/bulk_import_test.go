package provider

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// The bulk-import guide (examples/guides/bulk-import) is run as written
// with the terraform CLI against an emulator holding 100 flows. Config
// generation for many import blocks is outside what terraform-plugin-testing
// drives, so this test serves the provider in-process and runs the CLI
// itself, the way terraform-plugin-testing does under the hood.

const bulkFlowCount = 100

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
