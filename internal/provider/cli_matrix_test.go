package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// The tests in this file need a newer CLI than the 1.11 on PATH: resource
// identity (Terraform ≥ 1.12, OpenTofu ≥ 1.12) and `terraform query` with
// list resources (Terraform ≥ 1.14; OpenTofu has no query command). `make
// testacc-matrix` runs the whole acceptance suite under Terraform 1.11,
// Terraform 1.16 and OpenTofu 1.12, so each of them runs for real under at
// least one CLI, and the older CLIs skip what they cannot do.

// cliInfo is what the CLI under test (TF_ACC_TERRAFORM_PATH) says it is.
type cliInfo struct {
	openTofu     bool
	major, minor int
	version      string // as the CLI prints it, e.g. 1.16.3-dev
}

// String is the product and version, e.g. "OpenTofu 1.12.6-dev".
func (c cliInfo) String() string {
	if c.openTofu {
		return "OpenTofu " + c.version
	}
	return "Terraform " + c.version
}

// atLeast reports whether the CLI's own version is major.minor or newer.
// OpenTofu's version numbers are its own: compare them only with OpenTofu
// releases.
func (c cliInfo) atLeast(major, minor int) bool {
	return c.major > major || (c.major == major && c.minor >= minor)
}

var (
	cliOnce   sync.Once
	cliCached cliInfo
	cliErr    error
)

// testCLI runs `<cli> version` once and parses its first line,
// "Terraform v1.16.3-dev" or "OpenTofu v1.12.6-dev".
func testCLI() (cliInfo, error) {
	cliOnce.Do(func() {
		path := os.Getenv("TF_ACC_TERRAFORM_PATH")
		if path == "" {
			cliErr = fmt.Errorf("TF_ACC_TERRAFORM_PATH is not set")
			return
		}
		cmd := exec.Command(path, "version")
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_LOG=")
		out, err := cmd.Output()
		if err != nil {
			cliErr = fmt.Errorf("%s version: %w", path, err)
			return
		}
		for _, line := range strings.Split(string(out), "\n") {
			var product string
			if _, err := fmt.Sscanf(line, "%s v%d.%d", &product, &cliCached.major, &cliCached.minor); err != nil {
				continue
			}
			if product != "Terraform" && product != "OpenTofu" {
				continue
			}
			cliCached.openTofu = product == "OpenTofu"
			cliCached.version = strings.TrimPrefix(strings.Fields(line)[1], "v")
			return
		}
		cliErr = fmt.Errorf("%s version printed no version line:\n%s", path, out)
	})
	return cliCached, cliErr
}

func mustCLI(t *testing.T) cliInfo {
	t.Helper()
	c, err := testCLI()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// skipOnOpenTofu is a tfversion check that skips a test under OpenTofu,
// for what OpenTofu does not have; tfversion compares only version
// numbers, and OpenTofu's are not Terraform's.
type skipOnOpenTofu struct{ reason string }

func (s skipOnOpenTofu) CheckTerraformVersion(_ context.Context, _ tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	c, err := testCLI()
	if err != nil {
		resp.Error = err
		return
	}
	if c.openTofu {
		resp.Skip = c.String() + ": " + s.reason
	}
}

const noQueryInOpenTofu = "no `query` command and no list resources (Terraform ≥ 1.14 has them)"

// seedDefinedFlow makes a published, enabled flow with postCallDefinition
// in the emulator, as if it had been built in the Diga UI, and returns its
// id. The flow is named name+"1".
func seedDefinedFlow(t *testing.T, emu *emulator.Server, baseURL, key, name, slack string) string {
	t.Helper()
	id := emu.SeedFlows(key, 1, name)[0]
	// What the UI stores is the engine's complete tree, so the flow is
	// valid, and publishes, under every import mode.
	def, err := flowdef.ParseDefinition(postCallDefinitionJSON(slack))
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.Config{BaseURL: baseURL, APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	pieces, err := newPieceCatalog(c).versions(t.Context(), def)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := def.EngineTree(flowdef.EngineOptions{Pieces: pieces, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	emu.EditFlow(key, id, func(trigger map[string]any) {
		for k := range trigger {
			delete(trigger, k)
		}
		for k, v := range tree {
			trigger[k] = v
		}
	})
	// Publish as the UI does, through the API.
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, baseURL+"/v1/workflow/"+id+"/publish", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("publishing the seeded flow: %s", resp.Status)
	}
	emu.SetStatus(key, id, "ENABLED")
	if f, _ := emu.Flow(key, id); !f.Published || f.Status != "ENABLED" {
		t.Fatalf("seeded flow is %+v, want published and enabled", f)
	}
	return id
}

// checkOnlyFlowsLeft is a CheckDestroy for tests whose emulator holds flows
// Terraform never managed: the managed ones are gone, the others remain.
func (tg *accTarget) checkOnlyFlowsLeft(keep []string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "diga_flow" {
				continue
			}
			if _, ok := tg.emu.Flow(tg.apiKey, rs.Primary.ID); ok {
				return fmt.Errorf("flow %s still exists after destroy", rs.Primary.ID)
			}
		}
		if got := len(tg.emu.Flows(tg.apiKey)); got != len(keep) {
			return fmt.Errorf("emulator holds %d flows after destroy, want the %d Terraform never managed", got, len(keep))
		}
		for _, id := range keep {
			if _, ok := tg.emu.Flow(tg.apiKey, id); !ok {
				return fmt.Errorf("destroy removed flow %s, which Terraform never managed", id)
			}
		}
		return nil
	}
}

// A flow's identity is its id; an import block with `identity` imports it
// and plans no changes, with and without generated configuration.
func TestAccFlow_importByIdentity(t *testing.T) {
	tg := newAccTarget(t)
	name := tg.name(t, "identity")
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: definedFlowConfig(tg, name, postCallDefinition("identity"), "  enabled = true"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(flowAddr, map[string]knownvalue.Check{
						"id": knownvalue.StringRegexp(regexp.MustCompile(`^\S+$`)),
					}),
					statecheck.ExpectIdentityValueMatchesState(flowAddr, tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:    flowAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				ResourceName:    flowAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				GenerateConfig:  true,
			},
		},
	})
}

// A flow made in the Diga UI is adopted with `import { identity = { id } }`
// next to a configuration that matches it: the plan is an import and
// nothing else, and state carries the identity.
func TestAccFlow_importUIFlowByIdentity(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "ui-identity")
	id := seedDefinedFlow(t, tg.emu, tg.baseURL, tg.apiKey, name, "from the UI")
	cfg := definedFlowConfig(tg, name+"1", postCallDefinition("from the UI"), "  enabled = true") + fmt.Sprintf(`
import {
  to = diga_flow.test
  identity = {
    id = %q
  }
}
`, id)
	writesBefore := tg.emu.WriteCount(tg.apiKey)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(flowAddr, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(flowAddr, map[string]knownvalue.Check{"id": knownvalue.StringExact(id)}),
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
				},
				Check: func(*terraform.State) error {
					if n := tg.emu.WriteCount(tg.apiKey) - writesBefore; n != 0 {
						return fmt.Errorf("importing made %d write calls", n)
					}
					return nil
				},
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// `terraform query` lists every flow, across API pages, with display names
// and identities; filters narrow it, and include_resource returns the
// resource object.
func TestAccFlowList_queryAcrossPages(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	const seeded = 45 // two API pages of 30
	ids := tg.emu.SeedFlows(tg.apiKey, seeded, "listed-")
	tg.emu.SetStatus(tg.apiKey, ids[0], "ENABLED")
	managed := tg.name(t, "managed")
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{
			skipOnOpenTofu{noQueryInOpenTofu},
			tfversion.SkipBelow(tfversion.Version1_14_0),
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkOnlyFlowsLeft(ids),
		Steps: []resource.TestStep{
			{Config: tg.providerBlock() + fmt.Sprintf("resource \"diga_flow\" \"test\" {\n  name = %q\n}\n", managed)},
			{
				Query: true,
				Config: `
list "diga_flow" "all" {
  provider = diga
  limit    = 200
}

list "diga_flow" "enabled" {
  provider         = diga
  include_resource = true
  config {
    status = "ENABLED"
  }
}

list "diga_flow" "forties" {
  provider = diga
  config {
    name_regex = "^listed-4[0-9]?$"
  }
}
`,
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("diga_flow.all", seeded+1),
					querycheck.ExpectIdentity("diga_flow.all", map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[0])}),
					querycheck.ExpectIdentity("diga_flow.all", map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[seeded-1])}),
					querycheck.ExpectResourceDisplayName("diga_flow.all",
						queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[seeded-1])}),
						knownvalue.StringExact(fmt.Sprintf("listed-%d", seeded))),
					querycheck.ExpectResourceDisplayName("diga_flow.all",
						queryfilter.ByDisplayName(knownvalue.StringExact(managed)), knownvalue.StringExact(managed)),

					querycheck.ExpectLength("diga_flow.enabled", 1),
					querycheck.ExpectResourceDisplayName("diga_flow.enabled", nil, knownvalue.StringExact("listed-1")),
					querycheck.ExpectIdentity("diga_flow.enabled", map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[0])}),
					querycheck.ExpectResourceKnownValues("diga_flow.enabled",
						queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[0])}),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(ids[0])},
							{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("listed-1")},
							{Path: tfjsonpath.New("enabled"), KnownValue: knownvalue.Bool(true)},
						}),

					// listed-4 and listed-40 … listed-45.
					querycheck.ExpectLength("diga_flow.forties", 7),
				},
			},
		},
	})
}

// cliDir is a working directory for tests that run the CLI themselves: a
// provider block for the emulator (with the source the examples use) and
// the given files.
func cliDir(t *testing.T, key, baseURL string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["provider_test_only.tf"] = fmt.Sprintf(`terraform {
  required_providers {
    diga = { source = "diga-io/diga" }
  }
}

provider "diga" {
  api_key  = %q
  base_url = %q
}
`, key, baseURL)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// emulatorForCLI starts an emulator behind the contract validator for a
// test that runs the CLI itself.
func emulatorForCLI(t *testing.T) (*emulator.Server, string, string) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" || isLive() {
		t.Skip("runs with TF_ACC=1 against the emulator")
	}
	key := "cli-key-" + randomSuffix(t)
	registerSecret(key)
	emu := emulator.New(emulator.WithAPIKeys(key))
	srv := httptest.NewServer(contract.Wrap(t, recordImports(t, emu)))
	t.Cleanup(srv.Close)
	return emu, key, srv.URL
}

// importsWithoutWrites applies a saved import plan and checks that it made
// no write call and that the next plan is empty.
func importsWithoutWrites(t *testing.T, tf tfRunner, emu *emulator.Server, key, planFile string, wantImports int) {
	t.Helper()
	imports, changes := tf.planSummary(planFile)
	if imports != wantImports || changes != 0 {
		t.Fatalf("the import plan has %d imports and %d other changes, want %d imports only", imports, changes, wantImports)
	}
	writesBefore := emu.WriteCount(key)
	tf.mustRun("apply", "-input=false", planFile)
	if out, code := tf.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Fatalf("plan after the import is not clean (exit %d):\n%s", code, out)
	}
	if n := emu.WriteCount(key) - writesBefore; n != 0 {
		t.Errorf("importing made %d write calls", n)
	}
}

// `terraform query -generate-config-out` over a project that grew in the
// Diga UI (100 flows, four API pages; a third of them published post-call
// flows, half of those enabled) writes configuration whose plan imports
// every flow and changes nothing.
func TestAccFlowList_queryGenerateConfigPlansOnlyImports(t *testing.T) {
	emu, key, baseURL := emulatorForCLI(t)
	cli := mustCLI(t)
	if cli.openTofu {
		t.Skip(cli.String() + ": " + noQueryInOpenTofu)
	}
	if !cli.atLeast(1, 14) {
		t.Skipf("%s has no `terraform query` (1.14+)", cli)
	}
	t.Parallel()
	seedBulkFlows(t, emu, key)
	dir := cliDir(t, key, baseURL, map[string]string{
		"flows.tfquery.hcl": "list \"diga_flow\" \"all\" {\n  provider = diga\n  limit    = 1000\n}\n",
	})
	tf := tfRunner{t: t, dir: dir, reattach: cliProvider(t)}
	tf.mustRun("init", "-input=false")
	tf.mustRun("query", "-generate-config-out=generated.tf")
	generated, err := os.ReadFile(filepath.Join(dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if n := regexp.MustCompile(`(?m)^import \{`).FindAll(generated, -1); len(n) != bulkFlowCount {
		t.Fatalf("generated.tf has %d import blocks, want %d:\n%.2000s", len(n), bulkFlowCount, generated)
	}
	if !strings.Contains(string(generated), "definition") {
		t.Errorf("generated.tf has no definition:\n%.2000s", generated)
	}
	// The query file is for `terraform query` only; plan and apply read
	// the .tf files.
	tf.mustRun("plan", "-input=false", "-out=import.plan")
	importsWithoutWrites(t, tf, emu, key, "import.plan", bulkFlowCount)
	if got := len(emu.Flows(key)); got != bulkFlowCount {
		t.Errorf("emulator holds %d flows after the import, want %d", got, bulkFlowCount)
	}
}

// An import block with -generate-config-out for a published, enabled flow
// with a definition writes configuration that plans the import and nothing
// else, and plans clean once imported: under every CLI of the matrix, by
// id, and by identity where the CLI has identities.
func TestAccFlow_importBlockGenerateConfigWithDefinition(t *testing.T) {
	if os.Getenv("TF_ACC") == "" || isLive() {
		t.Skip("runs with TF_ACC=1 against the emulator")
	}
	cli := mustCLI(t)
	for _, by := range []string{"id", "identity"} {
		t.Run(by, func(t *testing.T) {
			emu, key, baseURL := emulatorForCLI(t)
			if by == "identity" && !cli.atLeast(1, 12) {
				t.Skipf("%s has no resource identity (1.12+)", cli)
			}
			t.Parallel()
			id := seedDefinedFlow(t, emu, baseURL, key, "ui-defined-"+by, "generated "+by)
			target := fmt.Sprintf("id = %q", id)
			if by == "identity" {
				target = fmt.Sprintf("identity = {\n    id = %q\n  }", id)
			}
			dir := cliDir(t, key, baseURL, map[string]string{
				"import.tf": fmt.Sprintf("import {\n  to = diga_flow.imported\n  %s\n}\n", target),
			})
			tf := tfRunner{t: t, dir: dir, reattach: cliProvider(t)}
			tf.mustRun("init", "-input=false")
			tf.mustRun("plan", "-input=false", "-generate-config-out=generated.tf", "-out=import.plan")
			generated, err := os.ReadFile(filepath.Join(dir, "generated.tf"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`resource "diga_flow" "imported"`, "definition", "post_slack", "generated " + by} {
				if !strings.Contains(string(generated), want) {
					t.Errorf("generated.tf lacks %q:\n%s", want, generated)
				}
			}
			importsWithoutWrites(t, tf, emu, key, "import.plan", 1)
			f, ok := emu.Flow(key, id)
			if !ok || f.Status != "ENABLED" {
				t.Errorf("after the import the flow is %+v, want it unchanged and enabled", f)
			}
		})
	}
}

// The examples that need a newer CLI validate against the schema under the
// CLIs that have the feature (TestAccExamplesValidate leaves them out): the
// identity import block, and the list blocks of the list resource page.
func TestAccExamplesValidate_newerCLI(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs with TF_ACC=1")
	}
	cli := mustCLI(t)
	examples := filepath.Join("..", "..", "examples")
	copyInto := func(t *testing.T, dir string, files ...string) {
		t.Helper()
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(examples, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	const versions = "terraform {\n  required_providers {\n    diga = { source = \"diga-io/diga\" }\n  }\n}\n"

	t.Run("identity import", func(t *testing.T) {
		if !cli.atLeast(1, 12) {
			t.Skipf("%s has no resource identity (1.12+)", cli)
		}
		t.Parallel()
		dir := t.TempDir()
		copyInto(t, dir, "resources/diga_flow/resource.tf", "resources/diga_flow/import-identity-block.tf")
		if err := os.WriteFile(filepath.Join(dir, "versions_test_only.tf"), []byte(versions), 0o600); err != nil {
			t.Fatal(err)
		}
		tf := tfRunner{t: t, dir: dir, reattach: cliProvider(t)}
		tf.mustRun("init", "-input=false", "-backend=false")
		tf.mustRun("validate")
	})

	t.Run("list resources", func(t *testing.T) {
		if cli.openTofu {
			t.Skip(cli.String() + ": " + noQueryInOpenTofu)
		}
		if !cli.atLeast(1, 14) {
			t.Skipf("%s has no list resources (1.14+)", cli)
		}
		t.Parallel()
		dir := t.TempDir()
		matches, err := filepath.Glob(filepath.Join(examples, "list-resources", "diga_flow", "*.tfquery.hcl"))
		if err != nil || len(matches) < 2 {
			t.Fatalf("list resource examples: %v %v", matches, err)
		}
		for _, m := range matches {
			rel, _ := filepath.Rel(examples, m)
			copyInto(t, dir, rel)
		}
		if err := os.WriteFile(filepath.Join(dir, "versions_test_only.tf"), []byte(versions+"\nprovider \"diga\" {}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		tf := tfRunner{t: t, dir: dir, reattach: cliProvider(t)}
		tf.mustRun("init", "-input=false", "-backend=false")
		tf.mustRun("validate", "-query")
	})
}
