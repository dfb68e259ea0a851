package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Provider settings that can never work are reported by `terraform
// validate`, on the attribute (the CLI quotes its line), before anything
// is sent; passwords in a base_url are never repeated.
func TestAccProvider_settingsCheckedAtValidate(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	reattach := cliProvider(t)
	cases := []struct {
		attr, value, want string
	}{
		{"base_url", "https://me:hunter22@api.diga.io", `contains user information`},
		{"base_url", "https://api.diga.io/?region=eu", `has a query string`},
		{"base_url", "https://api.diga.io/#top", `has a fragment`},
		{"base_url", "http://api.diga.io", `uses plaintext http`},
		{"request_timeout", "500ms", `request_timeout = "500ms" is shorter than the minimum of 1s`},
		{"request_timeout", "0s", `request_timeout = "0s" is not a positive duration`},
		{"request_timeout", "soon", `not a valid Go Time Duration string format`},
	}
	for _, c := range cases {
		t.Run(c.attr+"="+c.value, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			block := fmt.Sprintf("provider \"diga\" {\n  api_key  = %q\n  base_url = %q\n}\n", tg.apiKey, tg.baseURL)
			block = regexp.MustCompile(`(?m)^  `+c.attr+` .*$`).ReplaceAllString(block, "")
			block = strings.Replace(block, "{\n", fmt.Sprintf("{\n  %s = %q\n", c.attr, c.value), 1)
			cfg := "terraform {\n  required_providers {\n    diga = { source = \"diga-io/diga\" }\n  }\n}\n" + block +
				"resource \"diga_flow\" \"x\" {\n  name = \"never-created\"\n}\n"
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			tf := tfRunner{t: t, dir: dir, reattach: reattach}
			tf.mustRun("init", "-input=false", "-backend=false")
			out, code := tf.run("validate", "-no-color")
			attrLine := regexp.MustCompile(`(?m)^\s*│?\s*\d+:\s+` + c.attr + `\s+=`)
			if code == 0 || !strings.Contains(strings.Join(strings.Fields(out), " "), c.want) || !attrLine.MatchString(out) {
				t.Errorf("terraform validate: exit %d, want an error %q on the %s line:\n%s", code, c.want, c.attr, out)
			}
			// The CLI quotes the source line; the message itself must not
			// repeat the password.
			if n := strings.Count(out, "hunter22"); n > 1 {
				t.Errorf("the message repeats the password in base_url:\n%s", out)
			}
		})
	}
	if n := len(tg.emu.Requests()); n != 0 {
		t.Errorf("validate sent %d request(s)", n)
	}
}
