package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

const slackPiece = "@activepieces/piece-slack"

// connectionUpserts counts the POST /v1/workflow/connections requests the
// emulator received.
func connectionUpserts(emu *emulator.Server) int {
	n := 0
	for _, r := range emu.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/workflow/connections" {
			n++
		}
	}
	return n
}

// storedSecret returns the secret_text of the emulator's connection with
// this display name ("" when there is none).
func storedSecret(tg *accTarget, display string) string {
	for _, c := range tg.emu.Connections(tg.apiKey) {
		if c.DisplayName == display {
			s, _ := c.Value["secret_text"].(string)
			return s
		}
	}
	return ""
}

func connectionConfig(tg *accTarget, resName, display, secret, extra string) string {
	return fmt.Sprintf(`
resource "diga_connection" %q {
  piece_name   = %q
  display_name = %s
  type         = "SECRET_TEXT"
  value_wo     = jsonencode({ secret_text = %q })
%s
}
`, resName, slackPiece, display, secret, extra)
}

// A connection made in the Diga UI is never taken over silently: the plan
// fails naming it and nothing is sent; with adopt_existing = true it becomes
// the resource and gets the configured secret.
func TestAccConnection_existingConnectionRefused(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	display := tg.name(t, "ui-slack")
	uiSecret, tfSecret := "ui-"+randomSuffix(t), "tf-"+randomSuffix(t)
	registerSecret(tfSecret)
	ui, err := tg.client.UpsertConnection(context.Background(), client.CreateConnectionRequest{
		PieceName: slackPiece, DisplayName: display, Type: client.ConnectionTypeSecretText,
		Value: json.RawMessage(fmt.Sprintf(`{"secret_text":%q}`, uiSecret)),
	})
	if err != nil {
		t.Fatal(err)
	}
	tg.emu.ResetRequests()
	cfg := func(extra string) string {
		return tg.providerBlock() + connectionConfig(tg, "slack", fmt.Sprintf("%q", display), tfSecret, extra)
	}
	untouched := func() error {
		if n := connectionUpserts(tg.emu); n != 0 {
			return fmt.Errorf("%d upsert(s) sent although the connection exists", n)
		}
		if storedSecret(tg, display) != uiSecret {
			return fmt.Errorf("the UI connection's secret was overwritten")
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   cfg(""),
				PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Connection already exists.*` + regexp.QuoteMeta(slackPiece) +
					`.*id\s+` + ui.ID + `,\s+external_id\s+` + regexp.QuoteMeta(ui.ExternalID) + `.*Nothing\s+was\s+sent.*adopt_existing`),
			},
			{
				// The apply's plan fails the same way.
				Config:      cfg(""),
				ExpectError: regexp.MustCompile(`(?s)Connection already exists.*id\s+` + ui.ID),
			},
			{
				PreConfig: func() {
					if err := untouched(); err != nil {
						t.Error(err)
					}
				},
				Config: cfg("  adopt_existing = true"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("diga_connection.slack", tfjsonpath.New("id"), knownvalue.StringExact(ui.ID)),
					statecheck.ExpectKnownValue("diga_connection.slack", tfjsonpath.New("external_id"), knownvalue.StringExact(ui.ExternalID)),
				},
				Check: func(*terraform.State) error {
					if n := len(tg.emu.Connections(tg.apiKey)); n != 1 {
						return fmt.Errorf("%d connections, want the adopted one only", n)
					}
					if storedSecret(tg, display) != tfSecret {
						return fmt.Errorf("the adopted connection does not hold the configured secret")
					}
					return nil
				},
			},
		},
	})
	if n := connectionUpserts(tg.emu); n != 1 {
		t.Errorf("%d upserts in all, want 1 (the adoption)", n)
	}
}

// Two resources with the same piece and display name in one configuration
// fail at plan, and nothing is sent; when the names are known only at apply
// (from terraform_data), the apply lets one upsert through and fails the
// other naming it, so the first secret is not overwritten.
func TestAccConnection_duplicateInConfiguration(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	display := tg.name(t, "dup")
	secretA, secretB := "a-"+randomSuffix(t), "b-"+randomSuffix(t)
	registerSecret(secretA)
	registerSecret(secretB)
	known := tg.providerBlock() +
		connectionConfig(tg, "a", fmt.Sprintf("%q", display), secretA, "") +
		connectionConfig(tg, "b", fmt.Sprintf("%q", display), secretB, "")
	late := tg.providerBlock() + fmt.Sprintf(`
resource "terraform_data" "name" {
  input = %q
}
`, display) +
		connectionConfig(tg, "a", "terraform_data.name.output", secretA, "") +
		connectionConfig(tg, "b", "terraform_data.name.output", secretB, "")

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      known,
				ExpectError: regexp.MustCompile(`(?s)Duplicate connection.*Another\s+diga_connection\s+of\s+this\s+configuration\s+also\s+creates\s+a\s+connection\s+for\s+piece\s+"` + regexp.QuoteMeta(slackPiece)),
			},
			{
				PreConfig: func() {
					if n := connectionUpserts(tg.emu); n != 0 {
						t.Errorf("the plan-time duplicate sent %d upsert(s)", n)
					}
				},
				Config:      late,
				ExpectError: regexp.MustCompile(`(?s)(Connection already exists|Duplicate connection)`),
			},
		},
	})
	if n := connectionUpserts(tg.emu); n > 1 {
		t.Errorf("%d upserts reached Diga for one connection, want at most 1", n)
	}
	conns := tg.emu.Connections(tg.apiKey)
	if len(conns) > 1 {
		t.Fatalf("%d connections, want at most 1", len(conns))
	}
	if len(conns) == 1 {
		// The one upsert that got through is the only secret Diga ever had.
		if s := storedSecret(tg, display); s != secretA && s != secretB {
			t.Errorf("the stored secret is neither configured one")
		}
	}
}

// Two creates of the same connection racing in one provider process (as two
// resources of one apply would, had the plan not caught them) are
// serialised: exactly one upsert is sent, and the other create fails naming
// the connection the first one made.
func TestProtocol_connectionCreatesAreSerialised(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps, emu, key, _ := protocolProvider(t, 0)
	schemas, err := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := schemas.ResourceSchemas["diga_connection"].ValueType().(tftypes.Object)
	value := func(secret string, planned bool) *tfprotov6.DynamicValue {
		vals := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			vals[name] = tftypes.NewValue(at, nil)
		}
		vals["piece_name"] = tftypes.NewValue(tftypes.String, slackPiece)
		vals["display_name"] = tftypes.NewValue(tftypes.String, "Racing Slack")
		vals["type"] = tftypes.NewValue(tftypes.String, "SECRET_TEXT")
		if planned {
			vals["adopt_existing"] = tftypes.NewValue(tftypes.Bool, false)
			for _, computed := range []string{"id", "external_id", "status"} {
				vals[computed] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
			}
		} else {
			vals["value_wo"] = tftypes.NewValue(tftypes.String, fmt.Sprintf(`{"secret_text":%q}`, secret))
		}
		dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
		if err != nil {
			t.Fatal(err)
		}
		return &dv
	}
	prior, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"racer-one-secret", "racer-two-secret"}
	results := make([]*tfprotov6.ApplyResourceChangeResponse, len(secrets))
	var wg sync.WaitGroup
	for i, s := range secrets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := ps.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
				TypeName: "diga_connection", PriorState: &prior, PlannedState: value(s, true), Config: value(s, false),
			})
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = resp
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var ok, failed []int
	for i, r := range results {
		if hasErrors(r.Diagnostics) {
			failed = append(failed, i)
		} else {
			ok = append(ok, i)
		}
	}
	if len(ok) != 1 || len(failed) != 1 {
		t.Fatalf("want one create to succeed and one to fail, got %d and %d:\n%s%s", len(ok), len(failed),
			diagText(results[0].Diagnostics), diagText(results[1].Diagnostics))
	}
	conns := emu.Connections(key)
	if len(conns) != 1 {
		t.Fatalf("%d connections, want 1", len(conns))
	}
	if got := conns[0].Value["secret_text"]; got != secrets[ok[0]] {
		t.Errorf("stored secret is %v, want the winner's", got)
	}
	if n := connectionUpserts(emu); n != 1 {
		t.Errorf("%d upserts sent, want 1", n)
	}
	msg := diagText(results[failed[0]].Diagnostics)
	if !strings.Contains(msg, "Connection already exists") || !strings.Contains(msg, conns[0].ID) || !strings.Contains(msg, conns[0].ExternalID) {
		t.Errorf("the losing create does not name the winner's connection %s / %s:\n%s", conns[0].ID, conns[0].ExternalID, msg)
	}
}

func TestAccConnection_writeOnlyValue(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	secret1, secret2 := "s1-"+randomSuffix(t), "s2-"+randomSuffix(t)
	registerSecret(secret1)
	registerSecret(secret2)
	display := tg.name(t, "slack-bot")
	cfg := func(secret, version string) string {
		return tg.providerBlock() + fmt.Sprintf(`
resource "diga_connection" "slack" {
  piece_name       = "@activepieces/piece-slack"
  display_name     = %q
  type             = "SECRET_TEXT"
  value_wo         = jsonencode({ secret_text = %q })
  value_wo_version = %q
}

data "diga_connections" "all" {
  depends_on = [diga_connection.slack]
}

output "reference" {
  value = "{{connections['${diga_connection.slack.external_id}']}}"
}
`, display, secret, version)
	}
	storedValue := func(want string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			conns := tg.emu.Connections(tg.apiKey)
			if len(conns) != 1 {
				return fmt.Errorf("emulator holds %d connections, want 1", len(conns))
			}
			if got := fmt.Sprint(conns[0].Value["secret_text"]); got != want {
				return fmt.Errorf("stored secret is not the one configured")
			}
			for _, rs := range s.RootModule().Resources {
				for k, v := range rs.Primary.Attributes {
					if strings.Contains(v, want) {
						return fmt.Errorf("the secret is in state (%s.%s)", rs.Type, k)
					}
				}
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			// Diga cannot delete connections: destroy leaves it in place.
			if n := len(tg.emu.Connections(tg.apiKey)); n != 1 {
				return fmt.Errorf("emulator holds %d connections after destroy, want the 1 that Diga keeps", n)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg(secret1, "1"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("diga_connection.slack", tfjsonpath.New("value_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue("diga_connection.slack", tfjsonpath.New("status"), knownvalue.StringExact("ACTIVE")),
					statecheck.ExpectKnownValue("data.diga_connections.all", tfjsonpath.New("connections"), knownvalue.ListSizeExact(1)),
				},
				Check: storedValue(secret1),
			},
			{
				// A new secret alone is not sent: write-only values are not
				// compared. Bumping value_wo_version sends it.
				Config: cfg(secret2, "2"),
				Check:  storedValue(secret2),
			},
		},
	})
}
