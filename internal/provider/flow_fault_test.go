package provider

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// faultFlowCount flows are applied, refreshed, updated and destroyed while
// the emulator fails 20 % of requests with 429/502/503 and loses the answer
// of 5 % of writes after applying them.
const faultFlowCount = 30

// faultSeeds are the emulator seeds TestAccFlow_underFaults runs with;
// DIGA_FAULT_SEEDS="1,2,3" runs more (scripts/fault-report.sh does).
func faultSeeds(t *testing.T) []int64 {
	raw := os.Getenv("DIGA_FAULT_SEEDS")
	if raw == "" {
		return []int64{1}
	}
	var seeds []int64
	for _, f := range strings.Split(raw, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			t.Fatalf("DIGA_FAULT_SEEDS: %v", err)
		}
		seeds = append(seeds, n)
	}
	return seeds
}

func faultConfig(tg *accTarget, prefix, text string) string {
	return fmt.Sprintf(`
provider "diga" {
  api_key     = %q
  base_url    = %q
  max_retries = 10
}

resource "diga_flow" "f" {
  count   = %d
  name    = "%s-${count.index}"
  enabled = true
  definition = %s
}
`, tg.apiKey, tg.baseURL, faultFlowCount, prefix, postCallDefinition(text))
}

func TestAccFlow_underFaults(t *testing.T) {
	for _, seed := range faultSeeds(t) {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			faults := emulator.Faults{Seed: seed, ErrorRate: 0.20, LostAnswerRate: 0.05}
			tg := newAccTargetOffContract(t, emulator.WithFaults(faults))
			tg.emulatorOnly(t)
			prefix := tg.name(t, "faulty")

			// matchesState proves the emulator holds exactly the flows in
			// state: no duplicate, no orphan.
			matchesState := func(wantText string) resource.TestCheckFunc {
				return func(s *terraform.State) error {
					inState := map[string]bool{}
					for _, rs := range s.RootModule().Resources {
						if rs.Type == "diga_flow" {
							inState[rs.Primary.ID] = true
						}
					}
					flows := tg.emu.Flows(tg.apiKey)
					names := map[string]int{}
					for _, f := range flows {
						names[f.Name]++
						if !inState[f.ID] {
							return fmt.Errorf("orphan: flow %s (%s) is in Diga but not in state", f.ID, f.Name)
						}
						if !f.Published || f.Status != "ENABLED" || slackText(f.PublishedTrigger) != wantText {
							return fmt.Errorf("flow %s: published=%v status=%s text=%q", f.ID, f.Published, f.Status, slackText(f.PublishedTrigger))
						}
					}
					for n, c := range names {
						if c > 1 {
							return fmt.Errorf("duplicate: %d flows named %s", c, n)
						}
					}
					if len(flows) != faultFlowCount || len(inState) != faultFlowCount {
						return fmt.Errorf("emulator holds %d flows, state %d, want %d", len(flows), len(inState), faultFlowCount)
					}
					return nil
				}
			}

			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: func(s *terraform.State) error {
					if left := tg.emu.Flows(tg.apiKey); len(left) != 0 {
						return fmt.Errorf("%d flow(s) left after destroy", len(left))
					}
					return nil
				},
				Steps: []resource.TestStep{
					{Config: faultConfig(tg, prefix, "v1"), Check: matchesState("v1")},
					{RefreshState: true, Check: matchesState("v1")},
					{Config: faultConfig(tg, prefix, "v2"), Check: matchesState("v2")},
				},
			})
			st := tg.emu.FaultStats()
			lostCreates := 0
			for _, r := range tg.emu.Requests() {
				if r.Fault == emulator.FaultLost && r.Method == "POST" && r.Path == "/v1/workflow/" {
					lostCreates++
				}
			}
			t.Logf("seed %d: %d requests under faults, %d injected errors %v, %d lost answers (%d of them creates); "+
				"each forced a retry; duplicates 0, orphans 0",
				seed, st.Requests, st.InjectedErrors, st.ByStatus, st.LostAnswers, lostCreates)
			if st.InjectedErrors == 0 || st.LostAnswers == 0 {
				t.Errorf("the run injected %d errors and %d lost answers; the test proves nothing without both", st.InjectedErrors, st.LostAnswers)
			}
		})
	}
}

// A rejected key is final: one request, no retries, even while the emulator
// is injecting faults into authenticated traffic.
func TestAccProvider_wrongKeyFailsFastUnderFaults(t *testing.T) {
	tg := newAccTargetOffContract(t, emulator.WithFaults(emulator.Faults{Seed: 7, ErrorRate: 0.5}))
	tg.emulatorOnly(t)
	registerSecret("wrong-key-under-faults")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "diga" {
  api_key  = "wrong-key-under-faults"
  base_url = %q
}
resource "diga_flow" "test" {
  name = "never"
}
`, tg.baseURL),
			ExpectError: regexp.MustCompile(`Diga rejected the API key`),
		}},
	})
	n := 0
	for _, r := range tg.emu.Requests() {
		if r.APIKey == "wrong-key-under-faults" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("a rejected key was tried %d times, want exactly 1", n)
	}
}
