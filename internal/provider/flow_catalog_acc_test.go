package provider

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/Diga-io/terraform-provider-diga/internal/contract"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// A misspelled action and a missing required input are reported by
// terraform plan with the closest name, and nothing is sent to Diga's
// write endpoints.
func TestAccCatalogCheck_errorsAtPlan(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	def := strings.Replace(postCallDefinition("hi"), `actionName = "send_channel_message"`, `actionName = "send_chanel_message"`, 1)
	missing := strings.Replace(postCallDefinition("hi"), `input      = { channel = "C0123456", text = "hi", sendAsBot`, `input      = { text = "hi", sendAsBot`, 1)
	if def == postCallDefinition("hi") || missing == postCallDefinition("hi") {
		t.Fatal("the test's edits of postCallDefinition no longer apply")
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   definedFlowConfig(tg, tg.name(t, "typo"), def, ""),
				PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Unknown piece action.*trigger > notify_crm > post_slack: The piece\s+` +
					`"@activepieces/piece-slack"\s+has\s+no\s+action\s+"send_chanel_message";\s+did\s+you\s+mean\s+"send_channel_message"\?`),
			},
			{
				Config:      definedFlowConfig(tg, tg.name(t, "missing"), missing, ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Missing required piece input.*post_slack: The\s+action.*requires\s+the\s+input\s+"channel"\s+\(Channel\)`),
			},
		},
	})
	if n := tg.emu.WriteCount(tg.apiKey); n != 0 {
		t.Errorf("plans with catalogue errors sent %d write(s)", n)
	}
}

// terraform plan of 200 flows that use 5 pieces reads each piece once:
// one provider process, Terraform's default parallelism of 10.
func TestAccCatalogCheck_200FlowsFivePieces(t *testing.T) {
	if os.Getenv("TF_ACC") == "" || isLive() {
		t.Skip("runs with TF_ACC=1 against the emulator")
	}
	t.Parallel()
	key := "catalog-acc-" + randomSuffix(t)
	registerSecret(key)
	emu := emulator.New(emulator.WithAPIKeys(key))
	srv := httptest.NewServer(contract.Wrap(t, recordImports(t, emu)))
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	cfg := fmt.Sprintf(`terraform {
  required_providers {
    diga = { source = "diga-io/diga" }
  }
}

provider "diga" {
  api_key  = %q
  base_url = %q
}

locals {
  actions = [
    { pieceName = "@activepieces/piece-slack", actionName = "send_channel_message", input = { channel = "C1", text = "hi", sendAsBot = true, auth = "{{connections['slack_bot']}}" } },
    { pieceName = "@activepieces/piece-http", actionName = "send_request", input = { method = "POST", url = "https://x.example.com", headers = {}, queryParams = {}, authType = "NONE" } },
    { pieceName = "@activepieces/piece-gmail", actionName = "send_email", input = { authentication = "{{connections['gmail']}}", receiver = "a@example.com", subject = "s", body_text = "b" } },
    { pieceName = "@activepieces/piece-openai", actionName = "ask_chatgpt", input = { model = "m", prompt = "p", maxTokens = 2048, auth = "{{connections['openai']}}" } },
  ]
}

resource "diga_flow" "many" {
  count = 200
  name  = "flow-${count.index}"
  definition = jsonencode({
    type     = "PIECE_TRIGGER"
    settings = { pieceName = "@diga/piece-diga", triggerName = "call_finished", input = {} }
    nextAction = {
      name     = "act"
      type     = "PIECE"
      settings = local.actions[count.index %% 4]
    }
  })
}
`, key, srv.URL)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	tf := tfRunner{t: t, dir: dir, reattach: cliProvider(t)}
	tf.mustRun("init", "-input=false")
	emu.ResetRequests()
	out := tf.mustRun("plan", "-input=false", "-out=many.plan")
	if !strings.Contains(out, "200 to add") || strings.Contains(out, "Warning") {
		t.Fatalf("the plan is not 200 clean creates:\n%s", out)
	}
	byPiece := map[string]int{}
	total := 0
	for _, r := range emu.Requests() {
		if name, ok := strings.CutPrefix(r.Path, "/v1/workflow/piece/"); ok {
			byPiece[name]++
			total++
		}
	}
	t.Logf("terraform plan of 200 flows using 5 pieces: %d catalogue requests %v, %d requests in all", total, byPiece, len(emu.Requests()))
	if total > 5 || len(byPiece) != 5 {
		t.Errorf("catalogue requests = %v (%d), want at most one for each of the 5 pieces", byPiece, total)
	}
	if n := emu.WriteCount(key); n != 0 {
		t.Errorf("the plan sent %d write(s)", n)
	}
}
