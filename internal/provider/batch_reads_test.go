package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func TestBatchReads_setting(t *testing.T) {
	env := func(v string) func(string) string {
		return func(name string) string {
			if name == envBatchReads {
				return v
			}
			return ""
		}
	}
	for _, c := range []struct {
		attr types.Bool
		env  string
		want bool
	}{
		{types.BoolNull(), "", true},
		{types.BoolNull(), "false", false},
		{types.BoolNull(), " 0 ", false},
		{types.BoolNull(), "true", true},
		{types.BoolValue(true), "false", true},
		{types.BoolValue(false), "", false},
		{types.BoolUnknown(), "off", false},
	} {
		if got := batchReads(c.attr, env(c.env)); got != c.want {
			t.Errorf("batchReads(%v, %q) = %v, want %v", c.attr, c.env, got, c.want)
		}
	}
}

// readCounter counts, from a mark set by PreConfig, the GETs of single
// flows and the list requests the emulator received.
type readCounter struct {
	tg   *accTarget
	from int
}

func (rc *readCounter) mark() { rc.from = len(rc.tg.emu.Requests()) }

func (rc *readCounter) counts() (gets, lists int) {
	for _, r := range rc.tg.emu.Requests()[rc.from:] {
		if r.Method != "GET" {
			continue
		}
		switch rest := strings.TrimPrefix(r.Path, "/v1/workflow/"); {
		case rest == "":
			lists++
		case !strings.Contains(rest, "/") && rest != "piece":
			gets++
		}
	}
	return gets, lists
}

// A refresh of twelve flows in a project of 72 reads them from a listing
// (fewer requests than twelve GETs), sees a rename made in the UI, and
// takes a flow deleted in the UI as gone only through its own GET's 404;
// an apply then puts both back. With batch_reads = false the same refresh
// is twelve GETs.
func TestAccFlow_refreshFromListing(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	prefix := tg.name(t, "batched")
	tg.emu.SeedFlows(tg.apiKey, 60, "ui-")
	config := func(batch string) string {
		return strings.Replace(tg.providerBlock(), "}\n", batch+"}\n", 1) + fmt.Sprintf(`
resource "diga_flow" "f" {
  count = 12
  name  = "%s-${count.index}"
}
`, prefix)
	}
	rc := &readCounter{tg: tg}
	var ids []string
	collect := func(s *terraform.State) error {
		ids = make([]string, 12)
		for i := range 12 {
			rs, ok := s.RootModule().Resources[fmt.Sprintf("diga_flow.f.%d", i)]
			if !ok {
				return fmt.Errorf("diga_flow.f[%d] not in state", i)
			}
			ids[i] = rs.Primary.ID
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			for _, f := range tg.emu.Flows(tg.apiKey) {
				if strings.HasPrefix(f.Name, prefix) {
					return fmt.Errorf("flow %s (%s) left after destroy", f.ID, f.Name)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: config(""), Check: collect},
			{
				PreConfig: func() {
					tg.emu.RenameFlow(tg.apiKey, ids[3], "renamed in the UI")
					tg.emu.DeleteFlow(tg.apiKey, ids[7])
					rc.mark()
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("diga_flow.f.3", "name", "renamed in the UI"),
					func(s *terraform.State) error {
						if _, ok := s.RootModule().Resources["diga_flow.f.7"]; ok {
							return fmt.Errorf("diga_flow.f[7], deleted in the UI, is still in state")
						}
						gets, lists := rc.counts()
						// 72 flows are 3 pages: 5 GETs, then the pages,
						// then one GET for the flow the listing lacks.
						if lists == 0 || gets+lists >= 12 {
							return fmt.Errorf("the refresh sent %d GETs and %d list requests; want a listing and fewer than 12 requests", gets, lists)
						}
						return nil
					},
				),
			},
			{
				Config: config(""),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("diga_flow.f.3", "name", prefix+"-3"),
					func(s *terraform.State) error {
						if err := collect(s); err != nil {
							return err
						}
						if f, ok := tg.emu.Flow(tg.apiKey, ids[3]); !ok || f.Name != prefix+"-3" {
							return fmt.Errorf("flow 3 in Diga: %+v, want its configured name back", f)
						}
						if _, ok := tg.emu.Flow(tg.apiKey, ids[7]); !ok {
							return fmt.Errorf("flow 7 was not created again")
						}
						return nil
					},
				),
			},
			{
				PreConfig: rc.mark,
				Config:    config("  batch_reads = false\n"),
				PlanOnly:  true,
				Check: func(*terraform.State) error {
					if gets, lists := rc.counts(); gets == 0 || gets%12 != 0 || lists != 0 {
						return fmt.Errorf("with batch_reads = false the plans sent %d GETs and %d list requests, want 12 per refresh and none", gets, lists)
					}
					return nil
				},
			},
		},
	})
}
