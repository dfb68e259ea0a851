package provider

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// Runs across pages (35 > 30 a page), newest first, filtered, and one run
// with its steps.
func TestAccExecutions_pagesFiltersAndDetail(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	ctx := t.Context()
	id := tg.emu.CreateFlow(tg.apiKey, tg.name(t, "runs"))
	// A complete engine tree: the engine check holds this body to
	// Activepieces' ImportFlowRequest like the provider's own.
	tree, _ := json.Marshal(map[string]any{
		"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Catch webhook", "valid": true, "lastUpdatedDate": "2026-01-01T00:00:00.000Z",
		"settings": map[string]any{"pieceName": "@activepieces/piece-webhook", "pieceVersion": "0.1.0", "triggerName": "catch_webhook", "input": map[string]any{}, "propertySettings": map[string]any{}},
		"nextAction": map[string]any{"name": "post_slack", "type": "PIECE", "displayName": "Post to Slack", "valid": true, "lastUpdatedDate": "2026-01-01T00:00:00.000Z",
			"settings": map[string]any{"pieceName": "@activepieces/piece-slack", "pieceVersion": "0.9.0", "actionName": "send_channel_message", "input": map[string]any{"channel": "C1"}, "propertySettings": map[string]any{}}},
	})
	if _, err := tg.client.ImportFlow(ctx, id, client.ImportFlowRequest{DisplayName: "runs", Trigger: tree}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	failedRun := ""
	for i := range 35 {
		if i == 10 {
			tg.emu.FailStep(tg.apiKey, id, "post_slack", "channel_not_found")
		}
		res, err := tg.client.TestFlow(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if i == 10 {
			failedRun = res.RunID
			tg.emu.ClearStepFailures(tg.apiKey, id)
		}
		ids = append(ids, res.RunID)
	}
	cfg := tg.providerBlock() + fmt.Sprintf(`
data "diga_flow_executions" "all" {
  flow_id = %[1]q
}

data "diga_flow_executions" "failed" {
  flow_id = %[1]q
  status  = "FAILED"
}

data "diga_flow_executions" "none" {
  flow_id        = %[1]q
  created_before = "2000-01-01T00:00:00Z"
}

data "diga_flow_executions" "since" {
  flow_id       = %[1]q
  created_after = "2000-01-01T00:00:00Z"
}

data "diga_flow_execution" "failed" {
  id = data.diga_flow_executions.failed.executions[0].id
}
`, id)
	const all, failed, one = "data.diga_flow_executions.all", "data.diga_flow_executions.failed", "data.diga_flow_execution.failed"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckResourceAttr(all, "executions.#", "35"),
				resource.TestCheckResourceAttr(all, "executions.0.id", ids[34]),
				resource.TestCheckResourceAttr(all, "executions.34.id", ids[0]),
				resource.TestCheckResourceAttr(all, "executions.24.id", failedRun),
				resource.TestCheckResourceAttr(all, "executions.24.failed_step_name", "post_slack"),
				resource.TestCheckResourceAttr(failed, "executions.#", "1"),
				resource.TestCheckResourceAttr(failed, "executions.0.status", "FAILED"),
				resource.TestCheckResourceAttr("data.diga_flow_executions.none", "executions.#", "0"),
				resource.TestCheckResourceAttr("data.diga_flow_executions.since", "executions.#", "35"),
				resource.TestCheckResourceAttr(one, "status", "FAILED"),
				resource.TestCheckResourceAttr(one, "flow_id", id),
				resource.TestCheckResourceAttr(one, "failed_step_display_name", "Post to Slack"),
				resource.TestCheckResourceAttr(one, "steps.#", "2"),
				resource.TestCheckResourceAttr(one, "steps.0.name", "post_slack"),
				resource.TestCheckResourceAttr(one, "steps.0.status", "FAILED"),
				resource.TestCheckResourceAttr(one, "steps.0.error_message", "channel_not_found"),
				resource.TestCheckResourceAttr(one, "steps.1.name", "trigger"),
				resource.TestCheckResourceAttr(one, "steps.1.status", "SUCCEEDED"),
				func(s *terraform.State) error {
					// Every page was fetched: 35 runs need two at 30 a page.
					pages := 0
					for _, r := range tg.emu.Requests() {
						if r.Path == "/v1/workflow/"+id+"/executions" {
							pages++
						}
					}
					if pages < 2 {
						return fmt.Errorf("%d list requests, want at least 2 pages", pages)
					}
					if got := s.RootModule().Resources[all].Primary.Attributes["executions.0.steps_count"]; got != strconv.Itoa(2) {
						return fmt.Errorf("steps_count = %q", got)
					}
					return nil
				},
			),
		}},
	})
}
