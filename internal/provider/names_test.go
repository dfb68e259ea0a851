package provider

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestVisibleNameValidator(t *testing.T) {
	t.Parallel()
	cases := map[string]string{ // name → expected warning text ("" = none)
		"Post-call summary":           "",
		"Résumé d'appel – 通話":         "",
		"Family 👨\u200d👩\u200d👧 flow": "", // ZWJ inside an emoji sequence
		"tab\there":                   "U+0009 control character at character 4",
		"zero\u200bwidth":             "U+200B ZERO WIDTH SPACE at character 5",
		"\ufeffBOM":                   "U+FEFF ZERO WIDTH NO-BREAK SPACE at character 1",
		"abc\u202edef":                "U+202E RIGHT-TO-LEFT OVERRIDE at character 4",
		"a\u2066b\u2069":              "U+2066 LEFT-TO-RIGHT ISOLATE at character 2, U+2069 POP DIRECTIONAL ISOLATE at character 4",
		"join\u2060ed":                "U+2060 WORD JOINER at character 5",
		"x\u200c\u200dy":              "U+200C ZERO WIDTH NON-JOINER at character 2, U+200D ZERO WIDTH JOINER at character 3",
		"   ":                         "made only of whitespace or invisible characters",
		"\u3164":                      "made only of whitespace or invisible characters",
		" \u200b\t":                   "made only of whitespace or invisible characters",
		"many\u200b\u200b\u200b\u200b\u200b\u200b\u200b": "and 2 more",
	}
	for name, want := range cases {
		resp := &validator.StringResponse{}
		visibleNameValidator{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("name"), ConfigValue: types.StringValue(name),
		}, resp)
		if resp.Diagnostics.HasError() {
			t.Errorf("%q: an error, want at most a warning", name)
		}
		text := ""
		for _, d := range resp.Diagnostics.Warnings() {
			text += d.Summary() + ": " + d.Detail()
		}
		switch {
		case want == "" && text != "":
			t.Errorf("%q: unexpected warning %s", name, text)
		case want != "" && !strings.Contains(text, want):
			t.Errorf("%q: warning %q lacks %q", name, text, want)
		}
	}
}

// The warning shows in `terraform plan`, on the attribute, and does not
// stop the plan.
func TestAccFlow_invisibleNameWarnsAtPlan(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	reattach := cliProvider(t)
	dir := t.TempDir()
	cfg := "terraform {\n  required_providers {\n    diga = { source = \"diga-io/diga\" }\n  }\n}\n" + tg.providerBlock() + `
resource "diga_flow" "x" {
  name = "Support\u200bflow"
}

resource "diga_connection" "x" {
  piece_name   = "@activepieces/piece-slack"
  display_name = "   "
  type         = "NO_AUTH"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	tf := tfRunner{t: t, dir: dir, reattach: reattach}
	tf.mustRun("init", "-input=false", "-backend=false")
	out := strings.Join(strings.Fields(tf.mustRun("plan", "-input=false", "-no-color")), " ")
	for _, want := range []string{
		`Warning: Name has invisible characters`,
		`name "Support\u200bflow" contains U+200B ZERO WIDTH SPACE at character 8`,
		`Warning: Name has no visible character`,
		`display_name " " is made only of whitespace`,
		`Plan: 2 to add`,
	} {
		if !strings.Contains(out, strings.Join(strings.Fields(want), " ")) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
}
