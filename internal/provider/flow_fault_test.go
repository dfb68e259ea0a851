package provider

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// faultFlowCount flows are applied, refreshed, updated and destroyed while
// the emulator fails 20 % of requests with 429/502/503 and loses the answer
// of 5 % of writes after applying them. DIGA_FAULT_FLOWS sets another
// count (make testacc-faults-scale runs 500).
func faultFlowCount(t *testing.T) int {
	raw := os.Getenv("DIGA_FAULT_FLOWS")
	if raw == "" {
		return 30
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		t.Fatalf("DIGA_FAULT_FLOWS=%q: want a positive number", raw)
	}
	return n
}

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

func faultConfig(tg *accTarget, n int, prefix, text string) string {
	return fmt.Sprintf(`
provider "diga" {
  api_key  = %q
  base_url = %q
}

resource "diga_flow" "f" {
  count   = %d
  name    = "%s-${count.index}"
  enabled = true
  definition = %s
}
`, tg.apiKey, tg.baseURL, n, prefix, postCallDefinition(text))
}

func TestAccFlow_underFaults(t *testing.T) {
	for _, seed := range faultSeeds(t) {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			faults := emulator.Faults{Seed: seed, ErrorRate: 0.20, LostAnswerRate: 0.05}
			tg := newAccTargetOffContract(t, emulator.WithFaults(faults))
			tg.emulatorOnly(t)
			prefix := tg.name(t, "faulty")
			n := faultFlowCount(t)
			ui := seedUIFlows(t, tg, prefix)

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
					if err := ui.untouched(inState); err != nil {
						return err
					}
					flows := ui.without(tg.emu.Flows(tg.apiKey))
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
					if len(flows) != n || len(inState) != n {
						return fmt.Errorf("emulator holds %d flows, state %d, want %d", len(flows), len(inState), n)
					}
					return nil
				}
			}

			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: func(s *terraform.State) error {
					if left := ui.without(tg.emu.Flows(tg.apiKey)); len(left) != 0 {
						return fmt.Errorf("%d flow(s) left after destroy", len(left))
					}
					return ui.untouched(nil)
				},
				Steps: []resource.TestStep{
					{Config: faultConfig(tg, n, prefix, "v1"), Check: matchesState("v1")},
					{RefreshState: true, Check: matchesState("v1")},
					{Config: faultConfig(tg, n, prefix, "v2"), Check: matchesState("v2")},
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

// uiFlows are flows a user made in the Diga UI before the run, named like
// configured ones; no create may adopt them and no apply may touch them.
type uiFlows struct {
	tg     *accTarget
	before map[string]emulator.Flow
}

// seedUIFlows makes two: one published, enabled and with steps, named like
// the flow at index 1, and one still empty (EMPTY trigger, disabled), named
// like the flow at index 2.
func seedUIFlows(t *testing.T, tg *accTarget, prefix string) *uiFlows {
	t.Helper()
	busy := tg.emu.SeedFlows(tg.apiKey, 1, prefix+"-")[0] // prefix-1
	empty := tg.emu.SeedFlows(tg.apiKey, 1, prefix+"-")[0]
	tg.emu.RenameFlow(tg.apiKey, empty, prefix+"-2")
	tg.emu.EditFlow(tg.apiKey, busy, func(tree map[string]any) {
		tree["type"] = "PIECE_TRIGGER"
		tree["settings"] = map[string]any{"pieceName": "@diga/piece-diga", "triggerName": "call_finished", "input": map[string]any{}}
		tree["nextAction"] = map[string]any{"name": "ui_step", "type": "CODE",
			"settings": map[string]any{"input": map[string]any{}, "sourceCode": map[string]any{"code": "export const code = async () => 'mine'"}}}
	})
	tg.emu.SetStatus(tg.apiKey, busy, "ENABLED")
	u := &uiFlows{tg: tg, before: map[string]emulator.Flow{}}
	for _, id := range []string{busy, empty} {
		f, _ := tg.emu.Flow(tg.apiKey, id)
		u.before[id] = f
	}
	return u
}

// untouched fails when a UI flow changed, disappeared or is in state.
func (u *uiFlows) untouched(inState map[string]bool) error {
	for id, was := range u.before {
		if inState[id] {
			return fmt.Errorf("flow %s, made in the Diga UI, was adopted into state", id)
		}
		now, ok := u.tg.emu.Flow(u.tg.apiKey, id)
		if !ok {
			return fmt.Errorf("flow %s (%s), made in the Diga UI, was deleted", id, was.Name)
		}
		if !now.Updated.Equal(was.Updated) || now.Status != was.Status || now.Name != was.Name {
			return fmt.Errorf("flow %s (%s), made in the Diga UI, was changed: status %s → %s, updated %s → %s",
				id, was.Name, was.Status, now.Status, was.Updated, now.Updated)
		}
	}
	return nil
}

// without drops the UI flows from a listing.
func (u *uiFlows) without(flows []emulator.Flow) []emulator.Flow {
	var out []emulator.Flow
	for _, f := range flows {
		if _, ui := u.before[f.ID]; !ui {
			out = append(out, f)
		}
	}
	return out
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

// Twenty configured flows with one name race their creates while the
// emulator fails 30 % of requests and loses 15 % of write answers, beside
// same-named flows made in the Diga UI before the run. None of the UI flows
// is adopted or touched; every flow the run leaves in Diga is either in
// state or named in a warning the user sees (checked in the TRACE log of
// the run, where the framework logs every diagnostic).
func TestAccFlow_sameNameRaceUnderFaults(t *testing.T) {
	const count = 20
	faults := emulator.Faults{Seed: 11, ErrorRate: 0.30, LostAnswerRate: 0.15}
	// The UI flows are made "a few seconds" before the run: the emulator's
	// clock runs 5 s behind while they are seeded.
	var behind atomic.Int64
	clock := func() time.Time { return time.Now().Add(-time.Duration(behind.Load())) }
	tg := newAccTargetOffContract(t, emulator.WithFaults(faults), emulator.WithClock(clock))
	tg.emulatorOnly(t)
	logPath := strings.ReplaceAll(os.Getenv("TF_LOG_PATH_MASK"), "%s", t.Name())
	if logPath == "" {
		t.Skip("needs the TRACE logs TestMain sets up (TF_LOG_PATH_MASK)")
	}
	name := tg.name(t, "same")
	behind.Store(int64(5 * time.Second))
	ui := seedUIFlows(t, tg, name)
	// Both UI flows carry exactly the configured name.
	for id := range ui.before {
		tg.emu.RenameFlow(tg.apiKey, id, name)
		f, _ := tg.emu.Flow(tg.apiKey, id)
		ui.before[id] = f
	}
	behind.Store(0)
	config := fmt.Sprintf(`
provider "diga" {
  api_key  = %q
  base_url = %q
}

resource "diga_flow" "f" {
  count      = %d
  name       = %q
  definition = %s
}
`, tg.apiKey, tg.baseURL, count, name, postCallDefinition("race"))

	var orphans []string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return ui.untouched(nil) },
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(s *terraform.State) error {
				inState := map[string]bool{}
				for _, rs := range s.RootModule().Resources {
					if rs.Type == "diga_flow" {
						if inState[rs.Primary.ID] {
							return fmt.Errorf("flow %s is in state twice", rs.Primary.ID)
						}
						inState[rs.Primary.ID] = true
					}
				}
				if len(inState) != count {
					return fmt.Errorf("%d flows in state, want %d", len(inState), count)
				}
				if err := ui.untouched(inState); err != nil {
					return err
				}
				for _, f := range ui.without(tg.emu.Flows(tg.apiKey)) {
					if !inState[f.ID] {
						orphans = append(orphans, f.ID)
					}
				}
				return nil
			},
		}},
	})
	logs, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("reading the run's log: %v", err)
	}
	warnings := warningEntries(string(logs))
	for _, id := range orphans {
		named := false
		for _, w := range warnings {
			if strings.Contains(w, id) {
				named = true
				break
			}
		}
		if !named {
			t.Errorf("flow %s was left in Diga without being named in any of the %d warning(s) shown", id, len(warnings))
		}
	}
	st := tg.emu.FaultStats()
	t.Logf("same-name race: %d requests, %d injected errors, %d lost answers; %d flow(s) left outside state, all named in warnings",
		st.Requests, st.InjectedErrors, st.LostAnswers, len(orphans))
}

// warningEntries returns the warning diagnostics of a TRACE log: the SDK
// logs each as one entry, "Response contains warning diagnostic", whose
// detail continues on the lines after it.
func warningEntries(log string) []string {
	var out []string
	var cur *strings.Builder
	for _, line := range strings.Split(log, "\n") {
		if logEntryStart.MatchString(line) {
			if cur != nil {
				out = append(out, cur.String())
				cur = nil
			}
			if strings.Contains(line, "Response contains warning diagnostic") {
				cur = &strings.Builder{}
			}
		}
		if cur != nil {
			cur.WriteString(line)
			cur.WriteByte('\n')
		}
	}
	if cur != nil {
		out = append(out, cur.String())
	}
	return out
}

var logEntryStart = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T`)
