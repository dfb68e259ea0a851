package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccPieces_dataSources(t *testing.T) {
	tg := newAccTarget(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: tg.providerBlock() + `
data "diga_pieces" "slack" {
  search = "slack"
}
data "diga_pieces" "communication" {
  categories = ["COMMUNICATION"]
}
data "diga_piece" "slack" {
  name = "@activepieces/piece-slack"
}
data "diga_flow_templates" "english" {
  language = "en"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.diga_pieces.slack", tfjsonpath.New("pieces").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("@activepieces/piece-slack")),
				statecheck.ExpectKnownValue("data.diga_piece.slack", tfjsonpath.New("actions").AtSliceIndex(0).AtMapKey("name"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue("data.diga_flow_templates.english", tfjsonpath.New("templates"), knownvalue.ListSizeExact(2)),
			},
		}},
	})
}
