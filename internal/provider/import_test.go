package provider

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// `terraform import diga_flow.x ""` (and the same for a connection) says
// the id is missing, with the CLI at hand (1.11, which sends no identity
// and, for providers with identity schemas, may send an empty one), and
// nothing is sent to Diga.
func TestAccImport_emptyID(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	reattach := cliProvider(t)
	dir := t.TempDir()
	cfg := `terraform {
  required_providers {
    diga = { source = "diga-io/diga" }
  }
}
` + tg.providerBlock() + `
resource "diga_flow" "x" {
  name = "imported"
}

resource "diga_connection" "x" {
  piece_name   = "@activepieces/piece-slack"
  display_name = "imported"
  type         = "NO_AUTH"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	tf := tfRunner{t: t, dir: dir, reattach: reattach}
	tf.mustRun("init", "-input=false", "-backend=false")
	tg.emu.ResetRequests()
	for addr, want := range map[string]string{
		"diga_flow.x":       "Missing flow id",
		"diga_connection.x": "Missing connection id",
	} {
		for _, id := range []string{"", "  "} {
			out, code := tf.run("import", "-input=false", addr, id)
			if code == 0 || !strings.Contains(out, want) {
				t.Errorf("terraform import %s %q: exit %d, want an error %q:\n%s", addr, id, code, want, out)
			}
		}
	}
	if n := len(tg.emu.Requests()); n != 0 {
		t.Errorf("importing an empty id sent %d request(s)", n)
	}
}

// An identity whose id is null or blank (what a CLI may send for an import
// without an id) is a missing id too, not a passthrough of nothing.
func TestProtocol_importEmptyIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps, emu, _, _ := protocolProvider(t, 0)
	idSchemas, err := ps.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	idType := idSchemas.IdentitySchemas["diga_flow"].ValueType()
	for _, id := range []tftypes.Value{tftypes.NewValue(tftypes.String, nil), tftypes.NewValue(tftypes.String, ""), tftypes.NewValue(tftypes.String, " ")} {
		idVal, err := tfprotov6.NewDynamicValue(idType, tftypes.NewValue(idType, map[string]tftypes.Value{"id": id}))
		if err != nil {
			t.Fatal(err)
		}
		imp, err := ps.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{
			TypeName: "diga_flow",
			Identity: &tfprotov6.ResourceIdentityData{IdentityData: &idVal},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !hasErrors(imp.Diagnostics) || !strings.Contains(diagText(imp.Diagnostics), "Missing flow id") || len(imp.ImportedResources) != 0 {
			t.Errorf("identity id %v: %s (%d imported)", id, diagText(imp.Diagnostics), len(imp.ImportedResources))
		}
	}
	if n := len(emu.Requests()); n != 0 {
		t.Errorf("%d request(s) sent", n)
	}
}
