package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The actions need Terraform ≥ 1.14. terraform-plugin-testing has no
// -invoke step, so the -invoke tests drive the CLI themselves, with the
// provider served in-process and attached through TF_REATTACH_PROVIDERS
// (cliProvider), its logs going to the per-test log files that the secret
// check reads.

// actionCLI is a terraform CLI ≥ 1.14 working in a temporary directory
// against this provider served in-process (cliProvider, tfRunner).
type actionCLI struct {
	tfRunner
}

func newActionCLI(t *testing.T) *actionCLI {
	t.Helper()
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		t.Skip("needs TF_ACC_TERRAFORM_PATH")
	}
	if !cliAtLeast("1.14.0") {
		t.Skipf("actions need Terraform 1.14 or later; %s is older", os.Getenv("TF_ACC_TERRAFORM_PATH"))
	}
	return &actionCLI{tfRunner{t: t, dir: t.TempDir(), reattach: cliProvider(t)}}
}

// write writes the configuration, with the provider's source address.
func (c *actionCLI) write(config string) {
	c.t.Helper()
	versions := "terraform {\n  required_providers {\n    diga = { source = \"diga-io/diga\" }\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(c.dir, "main.tf"), []byte(versions+config), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// runOK runs terraform and reports its output and whether it exited 0.
func (c *actionCLI) runOK(args ...string) (string, bool) {
	c.t.Helper()
	out, code := c.run(args...)
	return out, code == 0
}

func actionsConfig(tg *accTarget, name, definition string) string {
	return definedFlowConfig(tg, name, definition, "") + `
action "diga_flow_test" "all" {
  config {
    flow_id = diga_flow.test.id
  }
}

action "diga_step_test" "slack" {
  config {
    flow_id   = diga_flow.test.id
    step_name = "post_slack"
  }
}

action "diga_step_test" "trigger" {
  config {
    flow_id   = diga_flow.test.id
    step_name = "trigger"
  }
}
`
}

// Each action invoked with -invoke, passing and failing.
func TestAccActions_invoke(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	cli := newActionCLI(t)
	cli.write(actionsConfig(tg, tg.name(t, "invoke"), postCallDefinition("hello")))
	cli.mustRun("init")
	cli.mustRun("apply", "-auto-approve")
	flows := tg.emu.Flows(tg.apiKey)
	if len(flows) != 1 {
		t.Fatalf("%d flows, want 1", len(flows))
	}
	id := flows[0].ID

	out := cli.mustRun("apply", "-auto-approve", "-invoke=action.diga_flow_test.all")
	for _, want := range []string{"Testing flow " + id, "step post_slack: SUCCEEDED", "passed its test"} {
		if !strings.Contains(out, want) {
			t.Errorf("flow test output lacks %q:\n%s", want, out)
		}
	}
	if n := tg.emu.RunCount(tg.apiKey, id); n != 1 {
		t.Errorf("%d runs after one -invoke, want 1", n)
	}
	out = cli.mustRun("apply", "-auto-approve", "-invoke=action.diga_step_test.slack")
	if !strings.Contains(out, `Step "post_slack" of flow `+id+` passed its test`) || !strings.Contains(out, `"channel":"C0123456"`) {
		t.Errorf("step test output:\n%s", out)
	}
	out = cli.mustRun("apply", "-auto-approve", "-invoke=action.diga_step_test.trigger")
	if !strings.Contains(out, `Trigger "trigger" of flow `+id+` passed its test (1 sample events)`) {
		t.Errorf("trigger test output:\n%s", out)
	}

	// Failing: the step's error reaches the user and the exit code.
	tg.emu.FailStep(tg.apiKey, id, "post_slack", "channel_not_found")
	out, ok := cli.runOK("apply", "-auto-approve", "-invoke=action.diga_flow_test.all")
	if ok || !regexp.MustCompile(`(?s)Flow test failed.*step "post_slack" failed:\s+channel_not_found`).MatchString(out) {
		t.Errorf("failing flow test: ok=%v\n%s", ok, out)
	}
	out, ok = cli.runOK("apply", "-auto-approve", "-invoke=action.diga_step_test.slack")
	if ok || !regexp.MustCompile(`(?s)Step test failed.*post_slack.*failed its test:\s+channel_not_found`).MatchString(out) {
		t.Errorf("failing step test: ok=%v\n%s", ok, out)
	}
	tg.emu.FailStep(tg.apiKey, id, "trigger", "no events")
	out, ok = cli.runOK("apply", "-auto-approve", "-invoke=action.diga_step_test.trigger")
	if ok || !strings.Contains(out, "Trigger test failed") || !strings.Contains(out, "no events") {
		t.Errorf("failing trigger test: ok=%v\n%s", ok, out)
	}
	cli.mustRun("destroy", "-auto-approve")
}

func triggeredConfig(tg *accTarget, name, definition, onFailure string) string {
	return definedFlowConfig(tg, name, definition, fmt.Sprintf(`
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.diga_flow_test.all]
      %s
    }
  }`, onFailure)) + `
action "diga_flow_test" "all" {
  config {
    flow_id = diga_flow.test.id
  }
}
`
}

// diga_flow_test from action_trigger: after the create and after each
// update, and failing the apply when the run fails.
func TestAccActions_actionTrigger(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "trigger")
	runs := func(want int) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			f, err := tg.emuFlow(s)
			if err != nil {
				return err
			}
			if n := tg.emu.RunCount(tg.apiKey, f.ID); n != want {
				return fmt.Errorf("%d test runs, want %d", n, want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{Config: triggeredConfig(tg, name, postCallDefinition("v1"), ""), Check: runs(1)},
			{Config: triggeredConfig(tg, name, postCallDefinition("v2"), ""), Check: runs(2)},
			{
				Config:      triggeredConfig(tg, name, failingPostCallDefinition("v3", "channel_not_found"), ""),
				ExpectError: regexp.MustCompile(`(?s)Flow test failed.*step "post_slack" failed:\s+channel_not_found`),
			},
			{
				// on_failure = continue (Terraform 1.16): the failure is
				// reported as a warning and the apply goes on.
				SkipFunc: func() (bool, error) { return !cliAtLeast("1.16.0"), nil },
				Config:   triggeredConfig(tg, name, failingPostCallDefinition("v4", "still broken"), "on_failure = continue"),
				Check:    runs(4),
			},
		},
	})
}

// cliAtLeast reports whether TF_ACC_TERRAFORM_PATH is at least v.
func cliAtLeast(v string) bool {
	out, err := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), "version", "-json").Output()
	if err != nil {
		return false
	}
	var got struct {
		Version string `json:"terraform_version"`
	}
	if json.Unmarshal(out, &got) != nil {
		return false
	}
	have, err := version.NewVersion(got.Version)
	return err == nil && !have.Core().LessThan(version.Must(version.NewVersion(v)))
}
