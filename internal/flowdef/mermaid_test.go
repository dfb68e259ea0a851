package flowdef

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("Mermaid output differs from %s:\n%s", path, got)
	}
}

// hasLines reports the lines of want missing from the rendering.
func missingLines(got string, want ...string) []string {
	have := map[string]bool{}
	for _, l := range strings.Split(got, "\n") {
		have[strings.TrimSpace(l)] = true
	}
	var missing []string
	for _, w := range want {
		if !have[w] {
			missing = append(missing, w)
		}
	}
	return missing
}

func TestMermaidFifteenSteps(t *testing.T) {
	t.Parallel()
	text, problems := FromSteps(fifteenSteps(t))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	def, err := ParseDefinition(text)
	if err != nil {
		t.Fatal(err)
	}
	got := def.Mermaid()
	if missing := missingLines(got,
		`flowchart TD`,
		`trigger(["Call finished<br/>diga · call_finished"])`,
		`trigger --> s_fetch_caller`,
		`s_by_intent{"By intent"}`,
		`s_classify --> s_by_intent`,
		`s_by_intent -->|"Sales: {{classify.choices[0].message.content}} text contains sales"| s_save_contact`,
		`s_by_intent -->|"Everything else (fallback)"| s_log_other`,
		`s_by_priority -->|"Urgent: {{fetch_caller.body.open_tickets}} number is greater than 2 or {{fetch_caller.body.vip}} boolean is true"| s_page_oncall`,
		// After the routers, every branch goes on to the next step; the
		// empty branch from the router itself.
		`s_tell_sales --> s_each_followup`,
		`s_page_oncall --> s_each_followup`,
		`s_by_priority -->|"Otherwise (fallback)"| s_each_followup`,
		`s_log_other --> s_each_followup`,
		`s_each_followup{{"Each follow-up<br/>for each of {{fetch_caller.body.followups}}"}}`,
		`s_each_followup -->|"each item"| s_send_followup`,
		`s_mark_sent -.->|"next item"| s_each_followup`,
		`s_each_followup -->|"after the last item"| s_summarise`,
		`s_post_summary["Post the summary<br/>slack · send_channel_message"]`,
		`s_log_other["log_other<br/>code"]`,
	); len(missing) > 0 {
		t.Errorf("the diagram lacks:\n  %s\nin:\n%s", strings.Join(missing, "\n  "), got)
	}
	if again := Mermaid(mustParse(t, text)); again != got {
		t.Error("Mermaid is not deterministic")
	}
	golden(t, "fifteen_steps.mmd", got)
}

// The JSON-file example renders; reformatting the definition or
// reordering its keys changes nothing.
func TestMermaidExamplesAndKeyOrder(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "flows", "from-json-file", "flow.json"))
	if err != nil {
		t.Fatal(err)
	}
	tree := mustParse(t, string(b))
	got := Mermaid(tree)
	golden(t, "from_json_file.mmd", got)
	if Mermaid(mustParse(t, Canonical(tree))) != got {
		t.Error("the canonical form renders differently from the file")
	}
	withBookkeeping := mustParse(t, string(b))
	withBookkeeping["valid"] = true
	withBookkeeping["nextAction"].(map[string]any)["skip"] = false
	if Mermaid(withBookkeeping) != got {
		t.Error("valid flags and skip: false change the diagram")
	}
}

func TestMermaidEscapesAndEdgeCases(t *testing.T) {
	t.Parallel()
	tree := mustParse(t, `{"type":"PIECE_TRIGGER","settings":{"pieceName":"custom","triggerName":"t"},
	  "nextAction":{"name":"a b","displayName":"Say \"hi\" <b>#1</b> | now","type":"PIECE","skip":true,
	    "settings":{"pieceName":"@x/piece-y","actionName":"z"},
	    "nextAction":{"name":"a_b","type":"ROUTER","settings":{"branches":[{"branchName":"A"},{}]},"children":[null,null]}}}`)
	got := Mermaid(tree)
	if missing := missingLines(got,
		`s_a_b["Say #quot;hi#quot; #lt;b#gt;#35;1#lt;/b#gt; #124; now<br/>y · z<br/>(skipped)"]`,
		`s_a_b_2{"a_b"}`,
		`s_a_b --> s_a_b_2`,
		`flow_end(["End"])`,
		`s_a_b_2 -->|"A"| flow_end`,
		`s_a_b_2 -->|"Branch 2"| flow_end`,
		`class s_a_b skipped`,
	); len(missing) > 0 {
		t.Errorf("the diagram lacks:\n  %s\nin:\n%s", strings.Join(missing, "\n  "), got)
	}
	if got := Mermaid(map[string]any{"type": "EMPTY"}); got != "flowchart TD\n  trigger([\"Empty trigger\"])\n" {
		t.Errorf("empty flow = %q", got)
	}
}
