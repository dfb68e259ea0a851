package provider

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// The promotion guide (examples/guides/promotion) is run as written: one
// module in two Diga projects (two API keys on one emulator, two provider
// aliases), each flow referencing its own project's connection; then a
// change is promoted, staging first, production second, with clean plans
// in between.

// promotionEnv is one environment of the guide: its project key and the
// values its module block gives.
type promotionEnv struct {
	name, key, token, channel string
}

// planChanges lists the addresses a saved plan changes (anything but
// no-op, reads included).
func (r tfRunner) planChanges(planFile string) []string {
	r.t.Helper()
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(r.mustRun("show", "-json", planFile)), &plan); err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, rc := range plan.ResourceChanges {
		if len(rc.Change.Actions) != 1 || rc.Change.Actions[0] != "no-op" {
			out = append(out, rc.Address+" "+strings.Join(rc.Change.Actions, ","))
		}
	}
	return out
}

func (r tfRunner) mustPlanClean() {
	r.t.Helper()
	if out, code := r.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		r.t.Fatalf("the plan is not clean (exit %d):\n%s", code, out)
	}
}

// editModuleBlock replaces old with replacement inside one module block of the
// guide's main.tf, as the pull request promoting a change would.
func editModuleBlock(t *testing.T, dir, module, old, replacement string) {
	t.Helper()
	path := filepath.Join(dir, "main.tf")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, fmt.Sprintf("module %q {", module))
	end := start + strings.Index(text[start:], "\n}\n")
	if start < 0 || end < start || !strings.Contains(text[start:end], old) {
		t.Fatalf("module %q in main.tf has no %q", module, old)
	}
	text = text[:start] + strings.Replace(text[start:end], old, replacement, 1) + text[end:]
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAccPromotionGuide(t *testing.T) {
	if os.Getenv("TF_ACC") == "" || isLive() {
		t.Skip("runs with TF_ACC=1 against the emulator")
	}
	t.Parallel()
	staging := promotionEnv{name: "staging", key: "staging-key-" + randomSuffix(t), token: "xoxb-staging-" + randomSuffix(t), channel: "C0STAGING"}
	production := promotionEnv{name: "production", key: "production-key-" + randomSuffix(t), token: "xoxb-prod-" + randomSuffix(t), channel: "C0SUPPORT"}
	for _, s := range []string{staging.key, staging.token, production.key, production.token} {
		registerSecret(s)
	}
	emu := emulator.New(emulator.WithAPIKeys(staging.key, production.key))
	srv := httptest.NewServer(contract.Wrap(t, recordImports(t, emu)))
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "guides", "promotion"), dir, nil)
	vars := fmt.Sprintf("staging_api_key = %q\nproduction_api_key = %q\nstaging_slack_token = %q\nproduction_slack_token = %q\ndiga_base_url = %q\n",
		staging.key, production.key, staging.token, production.token, srv.URL)
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfvars"), []byte(vars), 0o600); err != nil {
		t.Fatal(err)
	}
	// Two provider aliases: Terraform must start one plugin per alias.
	tf := tfRunner{t: t, dir: dir, env: builtProvider(t)}

	const v1 = "Call {{trigger.call_id}} finished: {{trigger.summary}}"
	const v2 = "Call {{trigger.call_id}} ({{trigger.duration}}s) finished: {{trigger.summary}}"

	// checkProject: env's project holds exactly its flow and its
	// connection, the flow's steps reference that connection, and nothing
	// of other shows anywhere in its draft or published version.
	checkProject := func(env, other promotionEnv, text string, router bool) {
		t.Helper()
		conns := emu.Connections(env.key)
		flows := emu.Flows(env.key)
		if len(conns) != 1 || len(flows) != 1 {
			t.Fatalf("%s holds %d connections and %d flows, want 1 and 1", env.name, len(conns), len(flows))
		}
		conn := conns[0]
		if botToken(conn.Value) != env.token || conn.Status != "ACTIVE" {
			t.Errorf("%s's connection holds %v (status %s), want its own token", env.name, conn.Value, conn.Status)
		}
		f, ok := emu.Flow(env.key, flows[0].ID)
		if !ok || !f.Published || f.Status != "ENABLED" || f.Name != "Post-call summary ("+env.name+")" {
			t.Fatalf("%s's flow = %+v, want it published and enabled under its environment's name", env.name, f)
		}
		otherConn := emu.Connections(other.key)[0]
		for version, tree := range map[string]map[string]any{"draft": f.Trigger, "published": f.PublishedTrigger} {
			step := findStep(tree, "post_summary")
			input, _ := step["settings"].(map[string]any)["input"].(map[string]any)
			if want := "{{connections['" + conn.ExternalID + "']}}"; input["auth"] != want || input["channel"] != env.channel || input["text"] != text {
				t.Errorf("%s's %s post_summary input = %v, want auth %s, channel %s, text %q", env.name, version, input, want, env.channel, text)
			}
			if got := findStep(tree, "by_tier") != nil; got != router {
				t.Errorf("%s's %s has the VIP router: %v, want %v", env.name, version, got, router)
			}
			b, _ := json.Marshal(tree)
			for _, foreign := range []string{otherConn.ExternalID, other.channel, other.name, other.token} {
				if strings.Contains(string(b), foreign) {
					t.Errorf("%s's %s holds %q of %s: %s", env.name, version, foreign, other.name, b)
				}
			}
		}
	}
	onlyIn := func(changes []string, module string) {
		t.Helper()
		if len(changes) == 0 {
			t.Fatalf("the plan to promote to %s changes nothing", module)
		}
		for _, c := range changes {
			if !strings.HasPrefix(c, "module."+module+".") {
				t.Errorf("the plan to promote to %s changes %s", module, c)
			}
		}
	}

	tf.mustRun("get")
	tf.mustRun("apply", "-auto-approve", "-input=false")
	tf.mustPlanClean()
	checkProject(staging, production, v1, false)
	checkProject(production, staging, v1, false)
	publishedBefore, _ := emu.Flow(production.key, emu.Flows(production.key)[0].ID)

	// Promote to staging: a new message and the VIP escalation.
	for _, edit := range [][2]string{{`summary_text = "` + v1, `summary_text = "` + v2}, {"escalate_vip = false", "escalate_vip = true"}} {
		editModuleBlock(t, dir, "staging", edit[0], edit[1])
	}
	tf.mustRun("plan", "-input=false", "-out=staging.plan")
	onlyIn(tf.planChanges("staging.plan"), "staging")
	productionWrites := emu.WriteCount(production.key)
	tf.mustRun("apply", "-input=false", "staging.plan")
	tf.mustPlanClean()
	if n := emu.WriteCount(production.key) - productionWrites; n != 0 {
		t.Errorf("promoting to staging sent %d write(s) to production", n)
	}
	checkProject(staging, production, v2, true)
	checkProject(production, staging, v1, false)
	if publishedNow, _ := emu.Flow(production.key, publishedBefore.ID); !publishedNow.Updated.Equal(publishedBefore.Updated) {
		t.Error("production's flow changed while only staging was promoted")
	}

	// Then to production: the same edit.
	for _, edit := range [][2]string{{`summary_text = "` + v1, `summary_text = "` + v2}, {"escalate_vip = false", "escalate_vip = true"}} {
		editModuleBlock(t, dir, "production", edit[0], edit[1])
	}
	tf.mustRun("plan", "-input=false", "-out=production.plan")
	onlyIn(tf.planChanges("production.plan"), "production")
	stagingWrites := emu.WriteCount(staging.key)
	tf.mustRun("apply", "-input=false", "production.plan")
	tf.mustPlanClean()
	if n := emu.WriteCount(staging.key) - stagingWrites; n != 0 {
		t.Errorf("promoting to production sent %d write(s) to staging", n)
	}
	checkProject(staging, production, v2, true)
	checkProject(production, staging, v2, true)

	out := tf.mustRun("output", "-json", "diagrams")
	if !strings.Contains(out, "s_by_tier") || !strings.Contains(out, "flowchart TD") {
		t.Errorf("the diagrams output does not draw the promoted flow: %s", out)
	}
}

// botToken is the Slack bot token a CUSTOM_AUTH connection value holds.
func botToken(value map[string]any) any {
	props, _ := value["props"].(map[string]any)
	return props["botToken"]
}
