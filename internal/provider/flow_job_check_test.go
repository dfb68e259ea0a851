package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// Definitions for the job checks: a pre-call flow that looks the caller up
// in a CODE step and, when ready, answers with Return Call Data.
func preCallFlow(ready bool) string {
	answer := `null`
	if ready {
		answer = `{"name":"answer","type":"PIECE","settings":{"pieceName":"@diga/piece-diga","actionName":"return_call_data",` +
			`"input":{"prompt":"The caller is {{look_up.name}}.","dynamic_variables":{"name":"{{look_up.name}}"}}}}`
	}
	return `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"pre_call","input":{"timeout":30}},` +
		`"nextAction":{"name":"look_up","type":"CODE","settings":{"input":{},"sourceCode":{"code":"export const code = async () => ({ name: 'Ana' })"}},` +
		`"nextAction":` + answer + `}}`
}

// functionCallFlow is a synchronous during-call flow with the given
// trigger input that ends on a CODE step.
func functionCallFlow(input string) string {
	return `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"function_call","input":` + input + `},` +
		`"nextAction":{"name":"book","type":"CODE","settings":{"input":{},"sourceCode":{"code":"export const code = async () => 1"}}}}`
}

// A plan warns about each step a Diga flow's run can end on wrongly, and
// about an incomplete Function Call trigger, without failing; a step the
// catalogue check refuses gets its error only. The checks need no
// catalogue.
func TestJobWarnings_atPlan(t *testing.T) {
	t.Parallel()
	const preCallEnd = `Pre-call flow would fail on every call: trigger > look_up: This path of the pre-call flow ends on the step "look_up" (a CODE step), not on Return Call Data`
	const syncEnd = `Synchronous during-call flow would fail on every call: trigger > book: This path of the synchronous during-call flow ends on the step "book" (a CODE step), not on Return Response`
	cases := []struct {
		name, definition string
		checksOff        bool
		errs, warns      []string
	}{
		{name: "pre-call without Return Call Data", definition: preCallFlow(false), warns: []string{preCallEnd}},
		{name: "pre-call with Return Call Data", definition: preCallFlow(true)},
		{name: "post-call", definition: catalogFlow(httpOK)},
		{name: "function call without parameters", definition: functionCallFlow(`{"function_name":"book","description":"Books"}`),
			errs:  []string{`Missing required piece input: trigger: The trigger "function_call" of "@diga/piece-diga" requires the input "parameters" (Parameters)`},
			warns: []string{syncEnd}},
		{name: "function call without parameters, catalogue checks off", checksOff: true,
			definition: functionCallFlow(`{"function_name":"book","description":"Books"}`),
			warns:      []string{`Synchronous during-call flow would fail on every call: trigger: Settings.input.parameters is missing`, syncEnd}},
		{name: "function call with a bad parameter, asynchronous",
			definition: functionCallFlow(`{"function_name":"book","description":"Books","execution_mode":"asynchronous","parameters":[{"name":"when","type":"date","description":"d"}]}`),
			warns:      []string{`During-call flow would fail on every call: trigger: Settings.input.parameters[0].type is "date": use one of "text", "number", "boolean", "array"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var extra map[string]any
			if c.checksOff {
				extra = map[string]any{"catalog_checks": false}
			}
			diags := newCatalogTarget(t, nil, extra).planCreate("job", c.definition)
			errs, warns := diagsOf(diags, tfprotov6.DiagnosticSeverityError), diagsOf(diags, tfprotov6.DiagnosticSeverityWarning)
			for kind, pair := range map[string][2][]string{"errors": {errs, c.errs}, "warnings": {warns, c.warns}} {
				got, want := pair[0], pair[1]
				if len(got) != len(want) {
					t.Errorf("%s = %q, want %d: %q", kind, got, len(want), want)
					continue
				}
				for i := range want {
					if !strings.HasPrefix(got[i], want[i]) {
						t.Errorf("%s[%d] = %q\nwant it to start with %q", kind, i, got[i], want[i])
					}
				}
			}
			for _, d := range diags {
				if d.Severity == tfprotov6.DiagnosticSeverityWarning && (d.Attribute == nil || d.Attribute.String() != "AttributeName(\"definition\")") {
					t.Errorf("warning %q is not on definition: %v", d.Summary, d.Attribute)
				}
			}
		})
	}
}

// terraform plan and apply of a pre-call flow without Return Call Data
// warn, naming the step, and go through; the flow next to it, which ends
// with Return Call Data, draws no warning. Once applied, the unchanged
// definition is not checked again: the next plan is clean.
func TestAccFlow_jobWarnings(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	t.Parallel()
	hcl := func(text string) string { return "<<-EOT\n" + text + "\nEOT" }
	cfg := "terraform {\n  required_providers {\n    diga = { source = \"diga-io/diga\" }\n  }\n}\n" + tg.providerBlock() + `
resource "diga_flow" "broken" {
  name       = "` + tg.name(t, "pre-call-broken") + `"
  enabled    = true
  definition = ` + hcl(preCallFlow(false)) + `
}

resource "diga_flow" "ready" {
  name       = "` + tg.name(t, "pre-call-ready") + `"
  enabled    = true
  definition = ` + hcl(preCallFlow(true)) + `
}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	tf := tfRunner{t: t, dir: dir, reattach: cliProvider(t)}
	tf.mustRun("init", "-input=false")
	warning := regexp.MustCompile(`(?s)Warning: Pre-call flow would fail on every call.*?with diga_flow\.(\w+),.*?trigger > look_up: This path of the\s+pre-call flow ends on the step "look_up"`)
	expectOneWarning := func(command, out string) {
		t.Helper()
		if n := strings.Count(out, "Warning:"); n != 1 {
			t.Fatalf("terraform %s: %d warnings, want 1:\n%s", command, n, out)
		}
		m := warning.FindStringSubmatch(out)
		if m == nil || m[1] != "broken" {
			t.Fatalf("terraform %s: no warning naming look_up on diga_flow.broken:\n%s", command, out)
		}
	}
	expectOneWarning("plan", tf.mustRun("plan", "-input=false", "-no-color"))
	expectOneWarning("apply", tf.mustRun("apply", "-auto-approve", "-input=false", "-no-color"))
	for _, name := range []string{"broken", "ready"} {
		if !strings.Contains(tf.mustRun("state", "show", "diga_flow."+name), `status`) {
			t.Errorf("diga_flow.%s is not in state", name)
		}
	}
	if n := len(tg.emu.Flows(tg.apiKey)); n != 2 {
		t.Errorf("the emulator holds %d flows, want 2", n)
	}
	out := tf.mustRun("plan", "-input=false", "-no-color", "-detailed-exitcode")
	if strings.Contains(out, "Warning:") || !strings.Contains(out, "No changes.") {
		t.Errorf("the plan after the apply is not clean:\n%s", out)
	}
	tf.mustRun("destroy", "-auto-approve", "-input=false")
}
