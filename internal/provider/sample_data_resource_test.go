package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func sampleDataConfig(tg *accTarget, name, definition, payload, extra string) string {
	return definedFlowConfig(tg, name, definition, "") + fmt.Sprintf(`
resource "diga_flow_sample_data" "trigger" {
  flow_id   = diga_flow.test.id
  step_name = "trigger"
  payload   = jsonencode(%s)
%s
}
`, payload, extra)
}

func (tg *accTarget) checkSample(want any) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		f, err := tg.emuFlow(s)
		if err != nil {
			return err
		}
		got, ok := tg.emu.SampleData(tg.apiKey, f.ID, "trigger", "OUTPUT")
		if want == nil {
			if ok && got != nil {
				return fmt.Errorf("sample data %v, want none", got)
			}
			return nil
		}
		if !ok || fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("sample data %v (stored %v), want %v", got, ok, want)
		}
		return nil
	}
}

// Round trip, update, and what an import of a new definition does: Diga
// drops the draft's sample data, the next plan stores it again, and
// replace_triggered_by stores it again in the same apply.
func TestAccSampleData_roundTripAndImport(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "sample")
	replaced := "  lifecycle {\n    replace_triggered_by = [diga_flow.test.definition]\n  }"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: sampleDataConfig(tg, name, postCallDefinition("v1"), `{ call_id = "c1" }`, ""),
				Check: resource.ComposeTestCheckFunc(tg.checkSample(map[string]any{"call_id": "c1"}),
					resource.TestCheckResourceAttr("diga_flow_sample_data.trigger", "type", "OUTPUT"),
					resource.TestCheckResourceAttr("diga_flow_sample_data.trigger", "data_type", "JSON")),
			},
			{
				Config: sampleDataConfig(tg, name, postCallDefinition("v1"), `{ call_id = "c2" }`, ""),
				Check:  tg.checkSample(map[string]any{"call_id": "c2"}),
			},
			{
				// A new definition is imported: Diga drops the sample data,
				// so the plan after this apply wants to store it again.
				Config:             sampleDataConfig(tg, name, postCallDefinition("v2"), `{ call_id = "c2" }`, ""),
				Check:              tg.checkSample(nil),
				ExpectNonEmptyPlan: true,
			},
			{
				Config: sampleDataConfig(tg, name, postCallDefinition("v2"), `{ call_id = "c2" }`, ""),
				Check:  tg.checkSample(map[string]any{"call_id": "c2"}),
			},
			{
				// replace_triggered_by stores it again in the same apply.
				Config: sampleDataConfig(tg, name, postCallDefinition("v2"), `{ call_id = "c3" }`, replaced),
				Check:  tg.checkSample(map[string]any{"call_id": "c3"}),
			},
			{
				Config: sampleDataConfig(tg, name, postCallDefinition("v3"), `{ call_id = "c3" }`, replaced),
				Check:  tg.checkSample(map[string]any{"call_id": "c3"}),
			},
			{
				ResourceName:      "diga_flow_sample_data.trigger",
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return s.RootModule().Resources["diga_flow_sample_data.trigger"].Primary.ID, nil
				},
			},
		},
	})
}

// The enums and the JSON are checked at plan, before anything is sent.
func TestAccSampleData_planTimeChecks(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	cfg := func(attrs string) string {
		return tg.providerBlock() + `
resource "diga_flow_sample_data" "x" {
  flow_id   = "f1"
  step_name = "trigger"
` + attrs + "\n}\n"
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg(`payload = "{not json"`), PlanOnly: true, ExpectError: regexp.MustCompile(`payload is not JSON`)},
			{Config: cfg(`payload = jsonencode({}) 
  type = "BOTH"`), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)type.*INPUT.*OUTPUT`)},
			{Config: cfg(`payload = jsonencode({})
  data_type = "XML"`), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)data_type.*JSON.*STRING`)},
			{Config: cfg(`payload = jsonencode({ a = 1 })
  data_type = "STRING"`), PlanOnly: true, ExpectError: regexp.MustCompile(`payload is not a string`)},
		},
	})
	if n := tg.emu.WriteCount(tg.apiKey); n != 0 {
		t.Errorf("%d writes; plan-time checks must send nothing", n)
	}
}
