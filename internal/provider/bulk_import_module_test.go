package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// The bulk-import guide's step from generated configuration to the
// module (examples/guides/bulk-import/into-module), run as written: a
// project whose support flow and Slack connection were made in the Diga
// UI is imported with option B, then the generated resource gives way to
// the promotion guide's module through a moved block, and the connection
// is imported into the module's address. The flow moves without a write.

// uiSupportFlow is the tree a user built in the Diga UI: what the module
// makes with the into-module example's values.
func uiSupportFlow(t *testing.T, externalID string) map[string]any {
	t.Helper()
	text, problems := flowdef.FromSteps(
		map[string]any{"displayName": "Call finished", "settings": map[string]any{
			"pieceName": "@diga/piece-diga", "triggerName": "call_finished", "input": map[string]any{}}},
		[]any{map[string]any{"name": "post_summary", "displayName": "Post the summary", "settings": map[string]any{
			"pieceName": "@activepieces/piece-slack", "actionName": "send_channel_message",
			"input": map[string]any{
				"auth":      "{{connections['" + externalID + "']}}",
				"channel":   "C0STAGING",
				"sendAsBot": true,
				"text":      "Call {{trigger.call_id}} finished: {{trigger.summary}}",
			}}}},
	)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	var tree map[string]any
	if err := json.Unmarshal([]byte(text), &tree); err != nil {
		t.Fatal(err)
	}
	return tree
}

// cutBlock removes the block that starts with header (through its closing
// brace at the start of a line) from the file.
func cutBlock(t *testing.T, path, header string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, header)
	if start < 0 {
		t.Fatalf("%s has no %q", path, header)
	}
	end := start + strings.Index(text[start:], "\n}\n") + len("\n}\n")
	if err := os.WriteFile(path, []byte(text[:start]+text[end:]), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAccBulkImportGuide_intoModule(t *testing.T) {
	if os.Getenv("TF_ACC") == "" || isLive() {
		t.Skip("runs with TF_ACC=1 against the emulator")
	}
	t.Parallel()
	key := "bulk-module-" + randomSuffix(t)
	registerSecret(key)
	emu := emulator.New(emulator.WithAPIKeys(key))
	srv := httptest.NewServer(contract.Wrap(t, recordImports(t, emu)))
	t.Cleanup(srv.Close)

	// The project as the Diga UI left it: the Slack connection, the support
	// flow using it (published and enabled), and a few other flows.
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.UpsertConnection(context.Background(), client.CreateConnectionRequest{
		PieceName: "@activepieces/piece-slack", DisplayName: "Support Slack (staging)",
		Type: client.ConnectionTypeCustomAuth, Value: json.RawMessage(`{"props":{"botToken":"xoxb-made-in-the-ui"}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := emu.SeedFlows(key, 4, "ui-flow-")
	support := ids[0]
	emu.RenameFlow(key, support, "Post-call summary (staging)")
	emu.EditFlow(key, support, func(tree map[string]any) {
		for k := range tree {
			delete(tree, k)
		}
		for k, v := range uiSupportFlow(t, conn.ExternalID) {
			tree[k] = v
		}
	})
	if _, err := c.PublishFlow(context.Background(), support); err != nil {
		t.Fatal(err)
	}
	emu.SetStatus(key, support, "ENABLED")

	// Option B of the guide, in a copy of the examples tree (the module
	// is the promotion guide's, by a relative path).
	root := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples"), root, nil)
	dir := filepath.Join(root, "guides", "bulk-import", "generate-config")
	provider := fmt.Sprintf("provider \"diga\" {\n  api_key  = %q\n  base_url = %q\n}\n", key, srv.URL)
	if err := os.WriteFile(filepath.Join(dir, "provider_test_only.tf"), []byte(provider), 0o600); err != nil {
		t.Fatal(err)
	}
	tf := tfRunner{t: t, dir: dir, reattach: cliProvider(t)}
	tf.mustRun("init", "-input=false")
	tf.mustRun("apply", "-auto-approve", "-input=false")
	blocks := tf.mustRun("output", "-raw", "diga_import_blocks")
	if err := os.WriteFile(filepath.Join(dir, "imports.tf"), []byte(blocks), 0o600); err != nil {
		t.Fatal(err)
	}
	tf.mustRun("plan", "-input=false", "-generate-config-out=generated.tf", "-out=import.plan")
	tf.mustRun("apply", "-input=false", "import.plan")
	tf.mustPlanClean()

	// Step 3: the generated resource gives way to the module.
	if err := os.Remove(filepath.Join(dir, "imports.tf")); err != nil {
		t.Fatal(err)
	}
	cutBlock(t, filepath.Join(dir, "generated.tf"), fmt.Sprintf("resource \"diga_flow\" \"flow_%s\" {", support))
	step, err := os.ReadFile(filepath.Join(root, "guides", "bulk-import", "into-module", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("flow_lod6JEdKyPlvrnErdnrGa", "flow_"+support, "Xy7PqR2sT9uVwZ1aB3cDe", conn.ID).Replace(string(step))
	if err := os.WriteFile(filepath.Join(dir, "into_module.tf"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	tf.mustRun("init", "-input=false")
	emu.ResetRequests()
	tf.mustRun("plan", "-input=false", "-out=module.plan")

	var plan struct {
		ResourceChanges []struct {
			Address         string `json:"address"`
			PreviousAddress string `json:"previous_address"`
			Change          struct {
				Actions   []string        `json:"actions"`
				Importing json.RawMessage `json:"importing"`
				Before    map[string]any  `json:"before"`
				After     map[string]any  `json:"after"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(tf.mustRun("show", "-json", "module.plan")), &plan); err != nil {
		t.Fatal(err)
	}
	for _, rc := range plan.ResourceChanges {
		actions := strings.Join(rc.Change.Actions, ",")
		switch rc.Address {
		case "module.staging.diga_flow.this":
			if rc.PreviousAddress != "diga_flow.flow_"+support || actions != "no-op" {
				t.Errorf("the module's flow: moved from %q with %s, want a move from diga_flow.flow_%s and no change", rc.PreviousAddress, actions, support)
			}
		case "module.staging.diga_connection.slack":
			if len(rc.Change.Importing) == 0 || string(rc.Change.Importing) == "null" {
				t.Errorf("the connection is not imported: %s", actions)
			}
			// Diga does not report a connection's type: the import's
			// first apply sets it (and nothing else).
			var changed []string
			for k, v := range rc.Change.After {
				if fmt.Sprint(rc.Change.Before[k]) != fmt.Sprint(v) {
					changed = append(changed, k)
				}
			}
			if actions != "update" || strings.Join(sortedCopy(changed), ",") != "adopt_existing,type" {
				t.Errorf("the connection's import plans %s of %v, want an update of adopt_existing and type only", actions, changed)
			}
		default:
			if actions != "no-op" {
				t.Errorf("%s: %s planned", rc.Address, actions)
			}
		}
	}
	before, _ := emu.Flow(key, support)
	tf.mustRun("apply", "-input=false", "module.plan")
	tf.mustPlanClean()

	after, _ := emu.Flow(key, support)
	if !after.Updated.Equal(before.Updated) || after.Status != "ENABLED" || !after.Published {
		t.Errorf("adopting the flow into the module changed it: %+v", after)
	}
	// The one write: the connection's type, sent by the import's apply.
	for _, r := range emu.Requests() {
		if r.Method != "GET" && r.Path != "/v1/workflow/connections" {
			t.Errorf("adoption sent %s %s", r.Method, r.Path)
		}
	}
	conns := emu.Connections(key)
	if len(conns) != 1 || conns[0].ID != conn.ID || botToken(conns[0].Value) != "xoxb-made-in-the-ui" || conns[0].Status != "ACTIVE" {
		t.Errorf("connections after the adoption = %+v, want the UI's one, its credentials kept", conns)
	}
	_, inModules := shownResources(t, tf)
	managed := slices.Collect(maps.Keys(inModules))
	if strings.Join(sortedCopy(managed), " ") != "module.staging.diga_connection.slack module.staging.diga_flow.this" {
		t.Errorf("the module manages %v", managed)
	}
}

// noImportInModule is why a CLI cannot run import blocks inside a module,
// or "" when it can: Terraform has them from 1.16; OpenTofu 1.12 rejects
// them ("Import blocks are only allowed in the root module").
func noImportInModule(c cliInfo) string {
	switch {
	case c.openTofu:
		return c.String() + ": import blocks only in the root module (Terraform ≥ 1.16 has them inside modules)"
	case !c.atLeast(1, 16):
		return c.String() + ": import blocks inside a module need Terraform 1.16 or later"
	}
	return ""
}

// The guide's import blocks inside a module
// (examples/guides/bulk-import/inside-module), run as written: two flows
// made in the Diga UI are adopted by a module that holds the import block,
// called once per flow with the flow's id; the root module has no import
// block. Nothing is written to Diga, the third flow is left alone, and the
// next plan is empty.
func TestAccBulkImportGuide_insideModule(t *testing.T) {
	emu, key, baseURL := emulatorForCLI(t)
	if reason := noImportInModule(mustCLI(t)); reason != "" {
		t.Skip(reason)
	}
	t.Parallel()

	// The project as the Diga UI left it.
	ids := emu.SeedFlows(key, 3, "ui-flow-")
	support, billing := ids[0], ids[1]
	emu.RenameFlow(key, support, "Post-call summary")
	emu.SetStatus(key, support, "ENABLED")
	emu.RenameFlow(key, billing, "Invoice reminder")

	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "guides", "bulk-import", "inside-module"), dir, nil)
	main := filepath.Join(dir, "main.tf")
	b, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("lod6JEdKyPlvrnErdnrGa", support, "Qm3vB8nTzK1wXp4sLd7Ra", billing).Replace(string(b))
	if strings.Count(text, support) != 1 || strings.Count(text, billing) != 1 {
		t.Fatalf("the example's flow ids were not replaced:\n%s", text)
	}
	provider := fmt.Sprintf("provider \"diga\" {\n  api_key  = %q\n  base_url = %q\n}\n", key, baseURL)
	for name, content := range map[string]string{"main.tf": text, "provider_test_only.tf": provider} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(text, "import {") {
		t.Fatal("the root module of the example has an import block")
	}

	tf := tfRunner{t: t, dir: dir, reattach: cliProvider(t)}
	tf.mustRun("init", "-input=false")
	before := emu.Flows(key)
	emu.ResetRequests()
	out := tf.mustRun("plan", "-input=false", "-no-color", "-out=import.plan")
	if summary := "Plan: 2 to import, 0 to add, 0 to change, 0 to destroy."; !strings.Contains(out, summary) {
		t.Errorf("the plan does not say %q (as the guide does):\n%s", summary, out)
	}

	// The plan imports each flow into its module instance, by its id.
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Importing struct {
					ID string `json:"id"`
				} `json:"importing"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(tf.mustRun("show", "-json", "import.plan")), &plan); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		`module.flow["support"].diga_flow.this`: support,
		`module.flow["billing"].diga_flow.this`: billing,
	}
	got := map[string]string{}
	for _, rc := range plan.ResourceChanges {
		got[rc.Address] = rc.Change.Importing.ID
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the plan imports %v, want %v", got, want)
	}
	// Applies, checks the apply wrote nothing and the next plan is empty.
	importsWithoutWrites(t, tf, emu, key, "import.plan", 2)

	roots, inModules := shownResources(t, tf)
	if !reflect.DeepEqual(inModules, want) || roots != 0 {
		t.Errorf("state holds %v (and %d root resources), want %v", inModules, roots, want)
	}

	// Plan, apply and the clean plan only read: no flow was created,
	// changed or deleted.
	for _, r := range emu.Requests() {
		if r.Method != "GET" {
			t.Errorf("the adoption sent %s %s", r.Method, r.Path)
		}
	}
	if after := emu.Flows(key); !reflect.DeepEqual(after, before) {
		t.Errorf("the flows changed:\nbefore %+v\nafter  %+v", before, after)
	}
}

// shownResources reads `terraform show -json`: how many resources the root
// module holds, and each child-module resource's address and id.
func shownResources(t *testing.T, tf tfRunner) (roots int, inModules map[string]string) {
	t.Helper()
	var state struct {
		Values struct {
			RootModule struct {
				Resources    []json.RawMessage `json:"resources"`
				ChildModules []struct {
					Resources []struct {
						Address string `json:"address"`
						Values  struct {
							ID string `json:"id"`
						} `json:"values"`
					} `json:"resources"`
				} `json:"child_modules"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(tf.mustRun("show", "-json")), &state); err != nil {
		t.Fatal(err)
	}
	inModules = map[string]string{}
	for _, m := range state.Values.RootModule.ChildModules {
		for _, r := range m.Resources {
			inModules[r.Address] = r.Values.ID
		}
	}
	return len(state.Values.RootModule.Resources), inModules
}
