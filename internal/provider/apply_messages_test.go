package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Two things a new user found confusing, run with the terraform CLI as the
// user did.

// cliTarget is an acceptance target and a CLI working directory with the
// provider served in-process.
func cliTarget(t *testing.T) (*accTarget, tfRunner) {
	t.Helper()
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	return tg, tfRunner{t: t, dir: t.TempDir(), reattach: cliProvider(t)}
}

// plainText is CLI output as one line of words: colour codes and the
// diagnostic box's borders removed, whitespace collapsed.
func plainText(out string) string {
	out = ansiCode.ReplaceAllString(out, "")
	out = strings.NewReplacer("│", " ", "╷", " ", "╵", " ").Replace(out)
	return strings.Join(strings.Fields(out), " ")
}

var ansiCode = regexp.MustCompile("\x1b\\[[0-9;]*m")

func (r tfRunner) write(config string) {
	r.t.Helper()
	versions := "terraform {\n  required_providers {\n    diga = { source = \"diga-io/diga\" }\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(versions+config), 0o600); err != nil {
		r.t.Fatal(err)
	}
}

// timeouts { create = "1ns" } fails in words that say what ran out and
// where it is set, never with "context deadline exceeded" (the README
// promises the provider does not show that phrase), and nothing is sent.
func TestAccFlow_tinyTimeoutSaysSo(t *testing.T) {
	tg, tf := cliTarget(t)
	tf.write(tg.providerBlock() + `
resource "diga_flow" "test" {
  name = "` + tg.name(t, "tiny") + `"
  timeouts {
    create = "1ns"
  }
}
`)
	tf.mustRun("init", "-input=false")
	tg.emu.ResetRequests()
	out, code := tf.run("apply", "-input=false", "-auto-approve")
	if code == 0 {
		t.Fatalf("the apply succeeded:\n%s", out)
	}
	flat := plainText(out)
	if strings.Contains(flat, "context deadline exceeded") {
		t.Errorf("the error shows \"context deadline exceeded\":\n%s", out)
	}
	for _, want := range []string{"time budget ran out", "timeouts"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the error lacks %q:\n%s", want, out)
		}
	}
	if n := len(tg.emu.Flows(tg.apiKey)); n != 0 {
		t.Errorf("%d flow(s) created", n)
	}
}

// A saved plan applied after the flow was deleted in the Diga UI fails
// (Terraform applies exactly the saved plan) with a hint that a new plan
// re-creates the flow; the new plan then does.
func TestAccFlow_savedPlanAfterUIDeletionSaysPlanAgain(t *testing.T) {
	tg, tf := cliTarget(t)
	name := tg.name(t, "saved")
	config := func(n string) string {
		return tg.providerBlock() + `
resource "diga_flow" "test" {
  name = "` + n + `"
}
`
	}
	tf.write(config(name))
	tf.mustRun("init", "-input=false")
	tf.mustRun("apply", "-input=false", "-auto-approve")
	flows := tg.emu.Flows(tg.apiKey)
	if len(flows) != 1 {
		t.Fatalf("%d flows", len(flows))
	}
	tf.write(config(name + "-renamed"))
	tf.mustRun("plan", "-input=false", "-out=rename.tfplan")
	if !tg.emu.DeleteFlow(tg.apiKey, flows[0].ID) { // deleted in the UI
		t.Fatal("could not delete the flow in the emulator")
	}
	out, code := tf.run("apply", "-input=false", "rename.tfplan")
	if code == 0 {
		t.Fatalf("the saved plan applied:\n%s", out)
	}
	flat := plainText(out)
	for _, want := range []string{"no longer exists", "terraform plan", "create it again"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the error lacks %q:\n%s", want, out)
		}
	}
	tf.mustRun("apply", "-input=false", "-auto-approve")
	if flows := tg.emu.Flows(tg.apiKey); len(flows) != 1 || flows[0].Name != name+"-renamed" {
		t.Errorf("after a new plan: %+v, want the flow re-created", flows)
	}
	tf.mustRun("destroy", "-input=false", "-auto-approve")
}
