package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// 75 flows take three pages of 30; the data source must follow the cursor
// to the end, and filters must narrow on the server side.
func TestAccFlowsDataSource_allPagesAndFilters(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	ids := tg.emu.SeedFlows(tg.apiKey, 75, "seeded-")
	for _, id := range ids[:20] {
		tg.emu.SetStatus(tg.apiKey, id, "ENABLED")
	}
	cfg := tg.providerBlock() + `
data "diga_flows" "all" {}
data "diga_flows" "enabled" {
  status = "ENABLED"
}
data "diga_flows" "named" {
  name_regex = "^seeded-7[0-9]$"
}
data "diga_flow" "one" {
  id = data.diga_flows.all.ids[0]
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.diga_flows.all", tfjsonpath.New("flows"), knownvalue.ListSizeExact(75)),
					statecheck.ExpectKnownValue("data.diga_flows.all", tfjsonpath.New("ids"), knownvalue.ListSizeExact(75)),
					statecheck.ExpectKnownValue("data.diga_flows.enabled", tfjsonpath.New("flows"), knownvalue.ListSizeExact(20)),
					statecheck.ExpectKnownValue("data.diga_flows.enabled", tfjsonpath.New("flows").AtSliceIndex(0).AtMapKey("status"), knownvalue.StringExact("ENABLED")),
					// seeded-70 … seeded-75
					statecheck.ExpectKnownValue("data.diga_flows.named", tfjsonpath.New("flows"), knownvalue.ListSizeExact(6)),
					statecheck.ExpectKnownValue("data.diga_flow.one", tfjsonpath.New("name"), knownvalue.StringExact("seeded-75")),
					statecheck.ExpectKnownValue("data.diga_flow.one", tfjsonpath.New("definition"), knownvalue.StringRegexp(regexp.MustCompile(`"type":"EMPTY"`))),
				},
			},
		},
	})
	// Every page was asked for with the API's maximum page size.
	pages := 0
	for _, r := range tg.emu.Requests() {
		if r.Method == "GET" && r.Path == "/v1/workflow/" {
			pages++
			if !regexp.MustCompile(`(^|&)limit=30(&|$)`).MatchString(r.RawQuery) {
				t.Errorf("list request without limit=30: %s", r.RawQuery)
			}
		}
	}
	if pages == 0 {
		t.Error("no list request reached the emulator")
	}
}

func TestAccFlowDataSource_notFound(t *testing.T) {
	tg := newAccTarget(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      tg.providerBlock() + fmt.Sprintf("data \"diga_flow\" \"x\" {\n  id = %q\n}\n", "doesNotExist000000000"),
				ExpectError: regexp.MustCompile(`Flow not found`),
			},
		},
	})
}
