package flowdef

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// decodeJSON decodes test input the way the provider hands values over:
// numbers as json.Number.
func decodeJSON(t *testing.T, text string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("test input: %v", err)
	}
	return v
}

// fifteenSteps is the fixture flow: 15 steps, two routers (one inside a
// branch of the other), a loop and an empty branch.
func fifteenSteps(t *testing.T) (trigger, steps any) {
	t.Helper()
	b, err := os.ReadFile("testdata/fifteen_steps.json")
	if err != nil {
		t.Fatal(err)
	}
	m := decodeJSON(t, string(b)).(map[string]any)
	return m["trigger"], m["steps"]
}

func mustFromSteps(t *testing.T) func(trigger, steps any) map[string]any {
	return func(trigger, steps any) map[string]any {
		t.Helper()
		text, problems := FromSteps(trigger, steps)
		if len(problems) > 0 {
			t.Fatalf("FromSteps: %v", problems)
		}
		return mustParse(t, text)
	}
}

// chainNames lists the names along a nextAction chain.
func chainNames(first any) []string {
	var out []string
	for cur, _ := first.(map[string]any); cur != nil; cur, _ = cur["nextAction"].(map[string]any) {
		out = append(out, cur["name"].(string))
	}
	return out
}

func stepNamed(tree map[string]any, name string) map[string]any {
	var found map[string]any
	var walk func(v any)
	walk = func(v any) {
		s, ok := v.(map[string]any)
		if !ok || found != nil {
			return
		}
		if s["name"] == name {
			found = s
			return
		}
		if c, ok := s["children"].([]any); ok {
			for _, x := range c {
				walk(x)
			}
		}
		walk(s["firstLoopAction"])
		walk(s["nextAction"])
	}
	walk(tree)
	return found
}

func TestFromStepsBuildsTheTree(t *testing.T) {
	t.Parallel()
	tree := mustFromSteps(t)(fifteenSteps(t))
	if tree["type"] != "PIECE_TRIGGER" || tree["name"] != "trigger" {
		t.Errorf("trigger type, name = %v, %v, want the defaults PIECE_TRIGGER, trigger", tree["type"], tree["name"])
	}
	if got, want := strings.Join(chainNames(tree["nextAction"]), " "), "fetch_caller classify by_intent each_followup summarise post_summary archive"; got != want {
		t.Errorf("main chain = %s, want %s", got, want)
	}
	router := stepNamed(tree, "by_intent")
	if router["type"] != "ROUTER" {
		t.Errorf("by_intent type = %v, want ROUTER (inferred from branches)", router["type"])
	}
	children := router["children"].([]any)
	wantBranches := []string{"save_contact tell_sales", "open_ticket by_priority", "log_other"}
	if len(children) != 3 {
		t.Fatalf("by_intent has %d children, want 3", len(children))
	}
	for i, want := range wantBranches {
		if got := strings.Join(chainNames(children[i]), " "); got != want {
			t.Errorf("by_intent branch %d = %q, want %q", i, got, want)
		}
	}
	branches := router["settings"].(map[string]any)["branches"].([]any)
	for i, b := range branches {
		if _, has := b.(map[string]any)["steps"]; has {
			t.Errorf("settings.branches[%d] still holds its step list", i)
		}
	}
	if got := branches[0].(map[string]any)["branchName"]; got != "Sales" {
		t.Errorf("settings.branches[0].branchName = %v", got)
	}
	inner := stepNamed(tree, "by_priority")["children"].([]any)
	if len(inner) != 2 || chainNames(inner[0])[0] != "page_oncall" || inner[1] != nil {
		t.Errorf("by_priority children = %v, want [page_oncall, null] (an empty branch is null)", inner)
	}
	loop := stepNamed(tree, "each_followup")
	if loop["type"] != "LOOP_ON_ITEMS" || strings.Join(chainNames(loop["firstLoopAction"]), " ") != "send_followup mark_sent" {
		t.Errorf("each_followup = %v, want a LOOP_ON_ITEMS whose body is send_followup → mark_sent", loop)
	}
	for name, typ := range map[string]string{"fetch_caller": "PIECE", "log_other": "CODE", "mark_sent": "CODE"} {
		if got := stepNamed(tree, name)["type"]; got != typ {
			t.Errorf("%s type = %v, want %s (inferred)", name, got, typ)
		}
	}
	n := 0
	var count func(v any)
	count = func(v any) {
		for s, _ := v.(map[string]any); s != nil; s, _ = s["nextAction"].(map[string]any) {
			n++
			if c, ok := s["children"].([]any); ok {
				for _, x := range c {
					count(x)
				}
			}
			count(s["firstLoopAction"])
		}
	}
	count(tree["nextAction"])
	if n != 15 {
		t.Errorf("the tree has %d steps, want 15", n)
	}
	if p := Validate(tree); len(p) > 0 {
		t.Errorf("the built tree does not validate: %v", p)
	}
}

// The list form and the nested form it stands for give the same text: the
// canonical form jsonencode of the nested tree writes.
func TestFromStepsEqualsTheNestedForm(t *testing.T) {
	t.Parallel()
	trigger := decodeJSON(t, `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished"}}`)
	steps := decodeJSON(t, `[
	  {"name":"a","type":"PIECE","settings":{"pieceName":"p","actionName":"x","input":{"n":1.50}}},
	  {"name":"r","branches":[{"branchName":"yes","branchType":"CONDITION","conditions":[[{"firstValue":"{{a.ok}}","operator":"BOOLEAN_IS_TRUE"}]],"steps":[{"name":"b","settings":{"pieceName":"p","actionName":"y"}}]},{"branchName":"no","branchType":"FALLBACK","steps":[]}]},
	  {"name":"l","settings":{"items":"{{a.list}}"},"steps":[{"name":"c","settings":{"sourceCode":{"code":"x"}}}]}
	]`)
	nested := `{"name":"trigger","nextAction":{"name":"a","nextAction":{"children":[{"name":"b","settings":{"actionName":"y","pieceName":"p"},"type":"PIECE"},null],` +
		`"name":"r","nextAction":{"firstLoopAction":{"name":"c","settings":{"sourceCode":{"code":"x"}},"type":"CODE"},"name":"l","settings":{"items":"{{a.list}}"},"type":"LOOP_ON_ITEMS"},` +
		`"settings":{"branches":[{"branchName":"yes","branchType":"CONDITION","conditions":[[{"firstValue":"{{a.ok}}","operator":"BOOLEAN_IS_TRUE"}]]},{"branchName":"no","branchType":"FALLBACK"}]},"type":"ROUTER"},` +
		`"settings":{"actionName":"x","input":{"n":1.50},"pieceName":"p"},"type":"PIECE"},` +
		`"settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished"},"type":"PIECE_TRIGGER"}`
	text, problems := FromSteps(trigger, steps)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if text != nested {
		t.Errorf("FromSteps =\n%s\nwant\n%s", text, nested)
	}
	again, _ := FromSteps(trigger, steps)
	if again != text {
		t.Error("FromSteps is not deterministic")
	}
}

// What Diga returns for the built tree means the same flow, and an edit
// made in the Diga UI is named by its step path and value.
func TestFromStepsRoundTrip(t *testing.T) {
	t.Parallel()
	text, problems := FromSteps(fifteenSteps(t))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	user := mustParse(t, text)
	server := mustParse(t, text)
	// Bookkeeping a server adds.
	var mark func(v any)
	mark = func(v any) {
		for s, _ := v.(map[string]any); s != nil; s, _ = s["nextAction"].(map[string]any) {
			s["valid"] = true
			if st, ok := s["settings"].(map[string]any); ok {
				st["pieceVersion"] = "~0.9.0"
				st["sampleData"] = map[string]any{}
			}
			if c, ok := s["children"].([]any); ok {
				for _, x := range c {
					mark(x)
				}
			}
		}
	}
	mark(server)
	if d := Differences(user, server, 5); len(d) > 0 {
		t.Fatalf("the server's copy differs: %v", d)
	}
	stepNamed(server, "page_oncall")["settings"].(map[string]any)["input"].(map[string]any)["text"] = "edited in the UI"
	d := Differences(user, server, 5)
	want := `by_priority.children[0] > page_oncall: settings.input.text = "Urgent ticket {{open_ticket.body.id}}" in the configuration, "edited in the UI" on the server`
	if len(d) != 1 || !strings.Contains(d[0], want) {
		t.Errorf("differences after a UI edit = %q, want one naming %q", d, want)
	}
}

func TestFromStepsProblemsNamePositions(t *testing.T) {
	t.Parallel()
	trigger := `{"settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished"}}`
	piece := func(name string) string {
		return fmt.Sprintf(`{"name":%q,"settings":{"pieceName":"p","actionName":"a"}}`, name)
	}
	long := make([]string, 205)
	for i := range long {
		long[i] = piece(fmt.Sprintf("s%d", i))
	}
	cases := []struct {
		name, trigger, steps string
		want                 []string // each a problem's String(), or a part of it
		inTrigger            bool
	}{
		{name: "unnamed step", steps: `[` + piece("a") + `,{"type":"CODE"}]`,
			want: []string{`steps[1]: every step needs a name`}},
		{name: "duplicate inside a branch", steps: `[` + piece("a") + `,{"name":"r","branches":[{"steps":[` + piece("b") + `,` + piece("a") + `]}]}]`,
			want: []string{`steps[1].branches[0].steps[1] ("a"): step name "a" is already used at steps[0]`}},
		{name: "duplicate of the trigger's name", trigger: `{"name":"trigger","settings":{"pieceName":"p","triggerName":"t"}}`, steps: `[` + piece("trigger") + `]`,
			want: []string{`steps[0] ("trigger"): step name "trigger" is already used at trigger`}},
		{name: "trigger named otherwise", trigger: `{"name":"start","settings":{"pieceName":"p","triggerName":"t"}}`, steps: `[]`, inTrigger: true,
			want: []string{`trigger: the trigger's name is always "trigger"`}},
		{name: "step name the engine refuses", steps: `[` + piece("notify-crm") + `]`,
			want: []string{`steps[0] ("notify-crm"): step name "notify-crm" is not one the engine accepts`}},
		{name: "nested nextAction", steps: `[{"name":"a","type":"PIECE","settings":{"pieceName":"p","actionName":"a"},"nextAction":` + piece("b") + `}]`,
			want: []string{`steps[0] ("a"): nextAction does not belong in a step of a list`}},
		{name: "branches on a PIECE step", steps: `[{"name":"a","type":"PIECE","branches":[{}]}]`,
			want: []string{`steps[0] ("a"): branches belong to a ROUTER step, and this step's type is "PIECE"`}},
		{name: "loop body on a router", steps: `[{"name":"a","type":"ROUTER","steps":[]}]`,
			want: []string{`steps[0] ("a"): steps (a loop body) belong to a LOOP_ON_ITEMS step`}},
		{name: "branches given twice", steps: `[{"name":"r","type":"ROUTER","settings":{"branches":[{}]},"branches":[{}]}]`,
			want: []string{`steps[0] ("r"): give a router's branches once`}},
		{name: "router without branches", steps: `[{"name":"r","type":"ROUTER"}]`,
			want: []string{`steps[0] ("r"): a ROUTER needs branches`}},
		{name: "branch not an object", steps: `[{"name":"r","branches":["x"]}]`,
			want: []string{`steps[0].branches[0]: must be a branch object`}},
		{name: "type not inferable", steps: `[{"name":"a","settings":{"input":{}}}]`,
			want: []string{`steps[0] ("a"): type is required here`}},
		{name: "settings not an object", steps: `[{"name":"a","type":"PIECE","settings":"x"}]`,
			want: []string{`steps[0] ("a"): settings must be an object, not a string`}},
		{name: "steps not a list", steps: `{"name":"a"}`,
			want: []string{`steps: must be a list of step objects, not map`}},
		{name: "step not an object", steps: `["a"]`,
			want: []string{`steps[0]: must be a step object`}},
		{name: "rules of a definition, located by list position", steps: `[` + piece("a") + `,{"name":"r","branches":[{"branchName":"a","branchType":"FALLBACK"},{"branchName":"b","branchType":"FALLBACK","steps":[{"name":"bad","type":"PIECE","settings":{"pieceName":"p"}}]}]}]`,
			want: []string{`steps[1].branches[1].steps[0] ("bad"): settings.actionName is required`}},
		{name: "too deep", steps: `[` + strings.Join(long, ",") + `]`,
			want: []string{`steps[199] ("s199"): the steps after this one nest more than 200 levels`}},
		{name: "trigger not an object", trigger: `"call_finished"`, steps: `[]`, inTrigger: true,
			want: []string{`trigger: the trigger must be an object`}},
		{name: "trigger with steps", trigger: `{"settings":{"pieceName":"p","triggerName":"t"},"nextAction":` + piece("a") + `}`, steps: `[]`, inTrigger: true,
			want: []string{`trigger: nextAction does not belong in the trigger here`}},
		{name: "trigger rules", trigger: `{"settings":{"pieceName":"p"}}`, steps: `[]`, inTrigger: true,
			want: []string{`trigger: settings.triggerName is required`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr := c.trigger
			if tr == "" {
				tr = trigger
			}
			text, problems := FromSteps(decodeJSON(t, tr), decodeJSON(t, c.steps))
			if text != "" {
				t.Errorf("a bad list gave a definition: %s", text)
			}
			if len(problems) != len(c.want) {
				t.Fatalf("problems = %q, want %d", problems, len(c.want))
			}
			for i, w := range c.want {
				if got := problems[i].String(); !strings.HasPrefix(got, w) && !strings.Contains(got, w) {
					t.Errorf("problem %d = %q, want %q", i, got, w)
				}
				if problems[i].InTrigger != c.inTrigger {
					t.Errorf("problem %d InTrigger = %v, want %v", i, problems[i].InTrigger, c.inTrigger)
				}
			}
		})
	}
}
