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
			// The whole examples tree comes along, so that examples using a
			// module of another example (a relative source) find it.
			root := t.TempDir()
			copyTree(t, filepath.Join("..", "..", "examples"), root, func(name string) bool {
				// The identity import example needs Terraform ≥ 1.12.
				return name == "import-identity-block.tf"
			})
			rel, err := filepath.Rel(filepath.Join("..", "..", "examples"), dir)
			if err != nil {
				t.Fatal(err)
			}
			work := filepath.Join(root, rel)
			hasProviders, usesActions, needs116, keeps := false, false, false, false
			entries, err := os.ReadDir(work)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				b, _ := os.ReadFile(filepath.Join(work, e.Name()))
				if strings.Contains(string(b), "required_providers") {
					hasProviders = true
				}
				if strings.Contains(string(b), "\naction \"") || strings.Contains(string(b), "action_trigger {") {
					usesActions = true
				}
				// The example with import blocks inside a module, and its module.
				if strings.Contains(string(b), `required_version = ">= 1.16"`) {
					needs116 = true
				}
				if strings.Contains(string(b), "destroy = false") {
					keeps = true
				}
			}
			if usesActions && !cliAtLeast("1.14.0") {
				t.Skip("actions need Terraform 1.14 or later")
			}
			if needs116 {
				if reason := noImportInModule(mustCLI(t)); reason != "" {
					t.Skip(reason)
				}
			}
			if keeps {
				if reason := needsDestroyFalse(mustCLI(t)); reason != "" {
					t.Skip(reason)
				}
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

// copyTree copies the files below src into dst, subdirectories included,
// leaving out the files skip names.
func copyTree(t *testing.T, src, dst string, skip func(name string) bool) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o700)
		case skip != nil && skip(d.Name()):
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}
