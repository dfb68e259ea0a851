package flowdef

import (
	"strings"
	"testing"
)

// digaDef builds a definition with a Diga trigger (triggerName, its input
// as JSON) followed by next (a step as JSON, or "" for none).
func digaDef(t *testing.T, triggerName, input, next string) *Definition {
	t.Helper()
	text := `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"` + triggerName +
		`","input":` + input + `}`
	if next != "" {
		text += `,"nextAction":` + next
	}
	d, err := ParseDefinition(text + "}")
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return d
}

// Step builders, as JSON. then is the step's nextAction ("" for none).
func code(name, then string) string {
	return withNext(`{"name":"`+name+`","type":"CODE","settings":{"sourceCode":{"code":"export const code = async () => 1"}}`, then)
}

func digaAction(name, action, then string) string {
	return withNext(`{"name":"`+name+`","type":"PIECE","settings":{"pieceName":"@diga/piece-diga","actionName":"`+action+`","input":{}}`, then)
}

func slackPost(name, then string) string {
	return withNext(`{"name":"`+name+`","type":"PIECE","settings":{"pieceName":"@activepieces/piece-slack","actionName":"send_channel_message","input":{}}`, then)
}

// router has a CONDITION branch and, when fallback, a FALLBACK branch, with
// the chains in children ("null" for an empty branch).
func router(name string, fallback bool, then string, children ...string) string {
	branches := []string{}
	for i := range children {
		typ := `"CONDITION","conditions":[[{"firstValue":"{{trigger.x}}","operator":"EXISTS"}]]`
		if fallback && i == len(children)-1 {
			typ = `"FALLBACK"`
		}
		branches = append(branches, `{"branchName":"b`+string(rune('0'+i))+`","branchType":`+typ+`}`)
	}
	return withNext(`{"name":"`+name+`","type":"ROUTER","settings":{"executionType":"EXECUTE_FIRST_MATCH","branches":[`+
		strings.Join(branches, ",")+`]},"children":[`+strings.Join(children, ",")+`]`, then)
}

func loop(name, body, then string) string {
	return withNext(`{"name":"`+name+`","type":"LOOP_ON_ITEMS","settings":{"items":"{{trigger.items}}"},"firstLoopAction":`+body, then)
}

// skip marks the first step of a chain skipped.
func skip(step string) string { return strings.Replace(step, `{"name":`, `{"skip":true,"name":`, 1) }

func withNext(open, then string) string {
	if then == "" {
		return open + "}"
	}
	return open + `,"nextAction":` + then + "}"
}

const fnInput = `{"function_name":"book","description":"Books an appointment","parameters":[]}`

func TestKind(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text  string
		want  Kind
		label string
	}{
		{`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"pre_call"}}`, KindPreCall, "pre-call"},
		{`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished"}}`, KindPostCall, "post-call"},
		{`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"function_call"}}`, KindDuringCall, "during-call"},
		{`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"new_call"}}`, KindNone, ""},
		{`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@acme/piece-diga","triggerName":"pre_call"}}`, KindNone, ""},
		{`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@activepieces/piece-slack","triggerName":"new_message"}}`, KindNone, ""},
		{`{"type":"EMPTY","settings":{"pieceName":"@diga/piece-diga","triggerName":"pre_call"}}`, KindNone, ""},
		{`{"type":"PIECE_TRIGGER"}`, KindNone, ""},
	} {
		d, err := ParseDefinition(c.text)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Kind(); got != c.want || got.Label() != c.label {
			t.Errorf("%s: Kind = %q (%q), want %q (%q)", c.text, got, got.Label(), c.want, c.label)
		}
	}
	var none *Definition
	if none.Kind() != KindNone || none.Synchronous() || none.JobProblems() != nil {
		t.Error("a nil definition has a kind, is synchronous or has job problems")
	}
}

func TestSynchronous(t *testing.T) {
	t.Parallel()
	for input, want := range map[string]bool{
		`{}`:                                  true,
		`{"execution_mode":null}`:             true,
		`{"execution_mode":""}`:               true,
		`{"execution_mode":"synchronous"}`:    true,
		`{"execution_mode":"asynchronous"}`:   false,
		`{"execution_mode":"Synchronous"}`:    false,
		`{"execution_mode":"{{trigger.x}}"}`:  false,
		`{"execution_mode":true}`:             false,
		`{"other":"x","execution_mode":"sy"}`: false,
	} {
		if got := digaDef(t, "function_call", input, "").Synchronous(); got != want {
			t.Errorf("execution_mode in %s: Synchronous = %v, want %v", input, got, want)
		}
	}
	if digaDef(t, "pre_call", `{"execution_mode":"synchronous"}`, "").Synchronous() {
		t.Error("a pre-call flow counts as a synchronous during-call flow")
	}
}

// wantProblems holds problems to "step: message start" strings.
func wantProblems(t *testing.T, got []Problem, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("problems = %q, want %d: %q", got, len(want), want)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i].String(), w) {
			t.Errorf("problem %d = %q\nwant it to start with %q", i, got[i].String(), w)
		}
		if got[i].Warning {
			t.Errorf("problem %d is a warning; job problems are errors", i)
		}
	}
}

func TestJobProblems_preCall(t *testing.T) {
	t.Parallel()
	ret := func(name string) string { return digaAction(name, "return_call_data", "") }
	cases := []struct {
		name, next string
		want       []string
	}{
		{name: "ends with Return Call Data", next: code("look_up", ret("answer"))},
		{name: "only Return Call Data", next: ret("answer")},
		{name: "no steps", next: "",
			want: []string{`trigger: this pre-call flow has no steps, so every run ends on its trigger: Diga takes the call's prompt addition`}},
		{name: "ends on another piece", next: code("look_up", slackPost("post", "")),
			want: []string{`trigger > look_up > post: this path of the pre-call flow ends on the step "post" (the action "send_channel_message" of "@activepieces/piece-slack"), not on Return Call Data`}},
		{name: "a step after Return Call Data", next: digaAction("answer", "return_call_data", code("after", "")),
			want: []string{`trigger > answer > after: this path of the pre-call flow ends on the step "after" (a CODE step), not on Return Call Data`}},
		{name: "the wrong Diga action", next: digaAction("answer", "return_response", ""),
			want: []string{`trigger > answer: this path of the pre-call flow ends on the step "answer" (the action "return_response" of "@diga/piece-diga")`}},
		{name: "skipped Return Call Data", next: code("look_up", skip(ret("answer"))),
			want: []string{`trigger > look_up: this path of the pre-call flow ends on the step "look_up" (a CODE step), not on Return Call Data (the steps after it, from "answer" on, are skipped: skip = true): Diga takes`}},
		{name: "every step skipped", next: skip(code("look_up", skip(ret("answer")))),
			want: []string{`trigger: every step of this pre-call flow is skipped (skip = true), so every run ends on its trigger`}},
		{name: "a skipped step after Return Call Data", next: digaAction("answer", "return_call_data", skip(code("after", "")))},
		{name: "a skipped step before Return Call Data", next: skip(code("look_up", ret("answer")))},
		{name: "router: a branch of skipped steps", next: router("r", true, "", ret("a0"), skip(code("c1", ""))),
			want: []string{`trigger > r.children[1]: the router "r" ends this pre-call flow's run, and its branch 1 (children[1], "b1") has only skipped steps (skip = true), so a run that takes it ends at the router`}},
		{name: "router: every branch ends right", next: router("r", true, "", ret("a0"), code("c1", ret("a1")))},
		{name: "router: one branch ends wrong", next: router("r", true, "", ret("a0"), code("c1", slackPost("post", ""))),
			want: []string{`trigger > r.children[1] > c1 > post: this path of the pre-call flow ends on the step "post"`}},
		{name: "router: the fallback branch counts", next: router("r", true, "", ret("a0"), code("c1", "")),
			want: []string{`trigger > r.children[1] > c1: this path of the pre-call flow ends on the step "c1" (a CODE step)`}},
		{name: "router: an empty branch ends at the router", next: code("first", router("r", true, "", ret("a0"), "null", ret("a2"))),
			want: []string{`trigger > first > r.children[1]: the router "r" ends this pre-call flow's run, and its branch 1 (children[1], "b1") is empty`}},
		{name: "router: children shorter than branches", next: strings.Replace(router("r", true, "", ret("a0"), ret("a1")), ","+ret("a1"), "", 1),
			want: []string{`trigger > r.children[1]: the router "r" ends this pre-call flow's run, and its branch 1 (children[1], "b1") is empty`}},
		{name: "router: no fallback", next: router("r", false, "", ret("a0"), ret("a1")),
			want: []string{`trigger > r: the router "r" ends this pre-call flow's run, and it has no FALLBACK branch`}},
		{name: "router: not last, its branches do not end the run", next: router("r", false, ret("answer"), code("c0", ""), "null")},
		{name: "router: nested", next: router("r", true, "", router("inner", true, "", ret("a0"), slackPost("deep", "")), ret("a1")),
			want: []string{`trigger > r.children[0] > inner.children[1] > deep: this path of the pre-call flow ends on the step "deep"`}},
		{name: "loop: last, its body does not end the run", next: loop("each", ret("inside"), ""),
			want: []string{`trigger > each: this path of the pre-call flow ends on the step "each" (a loop: the run goes on after its body`}},
		{name: "loop: followed by Return Call Data", next: loop("each", slackPost("post", ""), ret("answer"))},
		{name: "loop: in a branch", next: router("r", true, "", ret("a0"), loop("each", ret("inside"), "")),
			want: []string{`trigger > r.children[1] > each: this path of the pre-call flow ends on the step "each" (a loop`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := digaDef(t, "pre_call", `{"timeout":30}`, c.next)
			if p := d.Problems(); len(p) > 0 {
				t.Fatalf("the test's definition is not valid: %q", p)
			}
			got := d.JobProblems()
			wantProblems(t, got, c.want...)
			for _, p := range got {
				if !strings.Contains(p.Message, `add a Return Call Data step (type PIECE, pieceName "@diga/piece-diga", actionName "return_call_data") as the last step of every path`) {
					t.Errorf("%s: the message does not say the fix", p)
				}
			}
		})
	}
}

func TestJobProblems_problemNamesTheStep(t *testing.T) {
	t.Parallel()
	d := digaDef(t, "pre_call", `{}`, router("r", true, "", digaAction("a0", "return_call_data", ""), code("c1", slackPost("post", ""))))
	got := d.JobProblems()
	if len(got) != 1 || got[0].Name != "post" {
		t.Fatalf("problems = %+v, want one named post", got)
	}
	d = digaDef(t, "pre_call", `{}`, router("r", true, "", digaAction("a0", "return_call_data", ""), "null"))
	if got := d.JobProblems(); len(got) != 1 || got[0].Name != "r" {
		t.Fatalf("problems = %+v, want one named r (the router of the empty branch)", got)
	}
	if got := digaDef(t, "pre_call", `{}`, "").JobProblems(); len(got) != 1 || got[0].Name != "" || got[0].Step != "trigger" {
		t.Fatalf("problems = %+v, want one on the trigger", got)
	}
}

func TestJobProblems_duringCall(t *testing.T) {
	t.Parallel()
	ret := digaAction("answer", "return_response", "")
	withMode := func(mode string) string {
		return strings.Replace(fnInput, `{`, `{"execution_mode":`+mode+`,`, 1)
	}
	cases := []struct {
		name, input, next string
		want              []string
	}{
		{name: "synchronous by default, ends with Return Response", input: fnInput, next: code("c", ret)},
		{name: "synchronous by default, ends elsewhere", input: fnInput, next: code("c", ""),
			want: []string{`trigger > c: this path of the synchronous during-call flow ends on the step "c" (a CODE step), not on Return Response: the agent waits`}},
		{name: "synchronous, no steps", input: withMode(`"synchronous"`),
			want: []string{`trigger: this synchronous during-call flow has no steps`}},
		{name: "synchronous, Return Call Data is not Return Response", input: fnInput, next: digaAction("answer", "return_call_data", ""),
			want: []string{`trigger > answer: this path of the synchronous during-call flow ends on the step "answer" (the action "return_call_data"`}},
		{name: "synchronous, one branch without Return Response", input: fnInput, next: router("r", true, "", ret, code("c", "")),
			want: []string{`trigger > r.children[1] > c: this path of the synchronous during-call flow ends on the step "c"`}},
		{name: "asynchronous needs no Return Response", input: withMode(`"asynchronous"`), next: code("c", "")},
		{name: "asynchronous, no steps", input: withMode(`"asynchronous"`)},
		{name: "an execution mode that is neither", input: withMode(`"async"`), next: code("c", ""),
			want: []string{`trigger: settings.input.execution_mode "async" is neither "synchronous" (the default: the agent waits for Return Response) nor "asynchronous"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			wantProblems(t, digaDef(t, "function_call", c.input, c.next).JobProblems(), c.want...)
		})
	}
}

func TestJobProblems_postCallAndOthers(t *testing.T) {
	t.Parallel()
	for _, d := range []*Definition{
		digaDef(t, "call_finished", `{}`, ""),
		digaDef(t, "call_finished", `{}`, slackPost("post", "")),
	} {
		if p := d.JobProblems(); len(p) != 0 {
			t.Errorf("a post-call flow has job problems: %q", p)
		}
	}
	other, err := ParseDefinition(`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@activepieces/piece-slack","triggerName":"new_message"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if p := other.JobProblems(); len(p) != 0 {
		t.Errorf("a flow without a Diga trigger has job problems: %q", p)
	}
}

func TestJobProblems_functionCallInputs(t *testing.T) {
	t.Parallel()
	ok := digaAction("answer", "return_response", "")
	param := func(fields string) string {
		return `{"function_name":"book","description":"d","parameters":[` + fields + `]}`
	}
	long := strings.Repeat("a", 65)
	cases := []struct {
		name, input string
		want        []string
	}{
		{name: "no parameters", input: fnInput},
		{name: "good parameters, any case of type", input: param(`{"name":"date","type":"Text","required":true,"description":"The date"},` +
			`{"name":"count","type":"number","description":"How many"},{"name":"_ok","type":"BOOLEAN","required":false,"description":"x"},` +
			`{"name":"items","type":"array","description":"x"}`)},
		{name: "parameters missing", input: `{"function_name":"book","description":"d"}`,
			want: []string{`trigger: settings.input.parameters is missing: list the function's parameters`}},
		{name: "parameters null", input: `{"function_name":"book","description":"d","parameters":null}`,
			want: []string{`trigger: settings.input.parameters is missing`}},
		{name: "parameters not a list", input: `{"function_name":"book","description":"d","parameters":{"name":"x"}}`,
			want: []string{`trigger: settings.input.parameters must be a list of parameters, each { name, type, required, description }, not an object`}},
		{name: "description and function name missing or blank", input: `{"function_name":"  ","parameters":[]}`,
			want: []string{`trigger: settings.input.function_name is blank: the agent calls the function by this name`,
				`trigger: settings.input.description is missing: it is what tells the agent when to call the function`}},
		{name: "description not a string", input: `{"function_name":"book","description":3,"parameters":[]}`,
			want: []string{`trigger: settings.input.description is not a string (a number)`}},
		{name: "a parameter that is not an object", input: param(`"date"`),
			want: []string{`trigger: settings.input.parameters[0] must be an object { name, type, required, description }, not a string`}},
		{name: "names", input: param(`{"name":"1st","type":"text","description":"x"},{"name":"a b","type":"text","description":"x"},` +
			`{"name":"` + long + `","type":"text","description":"x"},{"name":"date-time","type":"text","description":"x"},` +
			`{"type":"text","description":"x"},{"name":7,"type":"text","description":"x"}`),
			want: []string{`trigger: settings.input.parameters[0].name "1st" is not a valid parameter name: a parameter name starts with a letter or _`,
				`trigger: settings.input.parameters[1].name "a b" is not a valid parameter name`,
				`trigger: settings.input.parameters[2].name "aaaa`,
				`trigger: settings.input.parameters[3].name "date-time" is not a valid parameter name`,
				`trigger: settings.input.parameters[4] needs a name: a parameter name starts with a letter or _`,
				`trigger: settings.input.parameters[5].name must be a string, not a number`}},
		{name: "duplicate names", input: param(`{"name":"date","type":"text","description":"x"},{"name":"date","type":"number","description":"y"}`),
			want: []string{`trigger: settings.input.parameters[1].name "date" is already the name of settings.input.parameters[0]`}},
		{name: "types", input: param(`{"name":"a","type":"string","description":"x"},{"name":"b","description":"x"},{"name":"c","type":1,"description":"x"}`),
			want: []string{`trigger: settings.input.parameters[0].type is "string": use one of "text", "number", "boolean", "array" (the documented Text, Number, Boolean and Array; case is ignored)`,
				`trigger: settings.input.parameters[1].type is missing: use one of`,
				`trigger: settings.input.parameters[2].type is 1: use one of`}},
		{name: "descriptions and required", input: param(`{"name":"a","type":"text"},{"name":"b","type":"text","description":" ","required":"yes"}`),
			want: []string{`trigger: settings.input.parameters[0].description is missing: tell the agent what the value is`,
				`trigger: settings.input.parameters[1].description is blank`,
				`trigger: settings.input.parameters[1].required must be true or false, not a string`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			wantProblems(t, digaDef(t, "function_call", c.input, ok).JobProblems(), c.want...)
		})
	}
}

func TestAssignmentProblems(t *testing.T) {
	t.Parallel()
	parse := func(text string) *Definition {
		t.Helper()
		d, err := ParseDefinition(text)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	rule := "agents only run flows with a Diga Pre-Call, Call Finished or Function Call trigger"
	for _, c := range []struct {
		name string
		def  *Definition
		want []string
	}{
		{name: "post-call", def: digaDef(t, "call_finished", `{}`, slackPost("post", ""))},
		{name: "pre-call done right", def: digaDef(t, "pre_call", `{}`, digaAction("answer", "return_call_data", ""))},
		{name: "pre-call without Return Call Data", def: digaDef(t, "pre_call", `{}`, code("c", "")),
			want: []string{`trigger > c: this path of the pre-call flow ends on the step "c"`}},
		{name: "another piece's trigger", def: parse(`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@activepieces/piece-slack","triggerName":"new_message"}}`),
			want: []string{`trigger: the trigger is the trigger "new_message" of "@activepieces/piece-slack", not one an agent runs: ` + rule}},
		{name: "an empty trigger", def: parse(`{"type":"EMPTY"}`),
			want: []string{`trigger: the trigger is of type EMPTY, not one an agent runs: ` + rule}},
		{name: "a call launcher", def: parse(`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@activepieces/piece-schedule","triggerName":"every_day"},` +
			`"nextAction":` + digaAction("call", "make_call", "") + `}`),
			want: []string{`trigger: the trigger is the trigger "every_day" of "@activepieces/piece-schedule", not one an agent runs`}},
		{name: "no definition", def: nil,
			want: []string{`trigger: the flow has no definition (no trigger): ` + rule}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			wantProblems(t, c.def.AssignmentProblems(), c.want...)
		})
	}
}

func TestJobProblems_fixes(t *testing.T) {
	t.Parallel()
	noFallback := digaDef(t, "pre_call", `{}`, router("r", false, "", digaAction("a0", "return_call_data", ""))).JobProblems()
	if len(noFallback) != 1 || !strings.HasSuffix(noFallback[0].Message, "as the last step of every path, a FALLBACK branch included (it takes the runs no condition takes)") {
		t.Errorf("a router without a FALLBACK branch: %q", noFallback)
	}
	empty := digaDef(t, "pre_call", `{}`, router("r", true, "", digaAction("a0", "return_call_data", ""), "null")).JobProblems()
	if len(empty) != 1 || strings.Contains(empty[0].Message, "FALLBACK") {
		t.Errorf("an empty branch of a router with a FALLBACK branch: %q", empty)
	}
	sync := digaDef(t, "function_call", fnInput, code("c", "")).JobProblems()
	if len(sync) != 1 || !strings.HasSuffix(sync[0].Message, `as the last step of every path, or, when the agent need not wait for a result, set settings.input.execution_mode = "asynchronous"`) {
		t.Errorf("a synchronous during-call flow: %q", sync)
	}
}
