package provider

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every example directory (the ones tfplugindocs puts in the docs, the
// guides and the demo) must validate against the provider's schema, so the
// documentation never shows configuration that does not work.
func TestAccExamplesValidate(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs with TF_ACC=1")
	}
	dirs := map[string]bool{}
	err := filepath.WalkDir(filepath.Join("..", "..", "examples"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tf") {
			dirs[filepath.Dir(p)] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 10 {
		t.Fatalf("found only %d example directories", len(dirs))
	}
	reattach := cliProvider(t)
	for dir := range dirs {
		t.Run(strings.TrimPrefix(dir, filepath.Join("..", "..")+string(filepath.Separator)), func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			hasProviders, usesActions := false, false
			for _, e := range entries {
				// The identity import example needs Terraform ≥ 1.12.
				if e.IsDir() || e.Name() == "import-identity-block.tf" {
					continue
				}
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(b), "required_providers") {
					hasProviders = true
				}
				if strings.Contains(string(b), "\naction \"") || strings.Contains(string(b), "action_trigger {") {
					usesActions = true
				}
				if err := os.WriteFile(filepath.Join(work, e.Name()), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if usesActions && !cliAtLeast("1.14.0") {
				t.Skip("actions need Terraform 1.14 or later")
			}
			if !hasProviders {
				versions := "terraform {\n  required_providers {\n    diga = { source = \"diga-io/diga\" }\n  }\n}\n"
				if err := os.WriteFile(filepath.Join(work, "versions_test_only.tf"), []byte(versions), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			tf := tfRunner{t: t, dir: work, reattach: reattach}
			tf.mustRun("init", "-input=false", "-backend=false")
			tf.mustRun("validate")
		})
	}
}
