package flowdef

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func slackSpec(t *testing.T) *PieceSpec {
	t.Helper()
	props, err := ParseProps([]byte(`{
	  "channel": {"displayName": "Channel", "required": true, "type": "DROPDOWN"},
	  "text": {"displayName": "Message", "required": true, "type": "LONG_TEXT"},
	  "username": {"displayName": "Username", "required": false, "type": "SHORT_TEXT"},
	  "threadTs": {"displayName": "Thread", "required": false, "type": "SHORT_TEXT", "defaultValue": ""},
	  "sendAsBot": {"displayName": "Send as bot", "required": true, "type": "CHECKBOX", "defaultValue": true},
	  "note": {"displayName": "Note", "required": true, "type": "MARKDOWN"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	return &PieceSpec{
		Version: "0.17.9",
		Auth:    true,
		Actions: map[string]OperationSpec{
			"send_channel_message": {RequireAuth: true, Props: props},
			"send_direct_message":  {Props: map[string]PropSpec{"userId": {Required: true}, "text": {Required: true}}},
		},
		Triggers: map[string]OperationSpec{"new_message": {Props: map[string]PropSpec{}}},
	}
}

func TestParseProps(t *testing.T) {
	t.Parallel()
	props, err := ParseProps([]byte(`{"a":{"required":true,"defaultValue":0},"b":{"required":true,"defaultValue":null},"c":"odd","d":{"type":"NUMBER"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !props["a"].Required || !props["a"].HasDefault {
		t.Errorf("a = %+v: a default of 0 is a default", props["a"])
	}
	if !props["b"].Required || props["b"].HasDefault {
		t.Errorf("b = %+v: a null default is none", props["b"])
	}
	if props["c"].Required || props["d"].Required || props["d"].Type != "NUMBER" {
		t.Errorf("c, d = %+v, %+v", props["c"], props["d"])
	}
	if p, err := ParseProps(nil); p != nil || err != nil {
		t.Errorf("no props = %v, %v; want nil (not checked)", p, err)
	}
	if _, err := ParseProps([]byte(`[]`)); err == nil {
		t.Error("props that are not an object parse")
	}
}

func TestCheckCatalog(t *testing.T) {
	t.Parallel()
	def := func(text string) *Definition {
		t.Helper()
		d, err := ParseDefinition(text)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	slack := slackSpec(t)
	diga := &PieceSpec{Triggers: map[string]OperationSpec{"call_finished": {Props: map[string]PropSpec{"agent_id": {}}}}}
	pieces := map[string]*PieceSpec{"@diga/piece-diga": diga, "@activepieces/piece-slack": slack, "@acme/piece-private": nil}
	step := func(name, action, input string) string {
		return `{"name":"` + name + `","type":"PIECE","settings":{"pieceName":"@activepieces/piece-slack","actionName":"` + action + `","input":` + input + `}}`
	}
	withSteps := func(router string) string {
		return `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished","input":{}},"nextAction":` + router + `}`
	}
	cases := []struct {
		name, def string
		want      []string // "error|warning: <finding String() part>"
	}{
		{name: "all good", def: withSteps(step("post", "send_channel_message", `{"channel":"C1","text":"hi","sendAsBot":true,"auth":"{{connections['x']}}"}`))},
		{name: "required input with a default", def: withSteps(step("post", "send_channel_message", `{"channel":"C1","text":"hi","auth":"{{connections['x']}}"}`)),
			want: []string{`error: trigger > post: the action "send_channel_message" of "@activepieces/piece-slack" requires the input "sendAsBot", which the piece gives a default but the engine does not fill in: a step without it is invalid and the flow cannot be published. Add sendAsBot = true to settings.input`}},
		{name: "missing connection", def: withSteps(step("post", "send_channel_message", `{"channel":"C1","text":"hi","sendAsBot":true}`)),
			want: []string{`error: trigger > post: the action "send_channel_message" of "@activepieces/piece-slack" needs a connection, and settings.input.auth is missing`}},
		{name: "connection not required by the action", def: withSteps(step("post", "send_direct_message", `{"userId":"U1","text":"x"}`))},
		{name: "misspelled action", def: withSteps(step("post", "send_chanel_message", `{}`)),
			want: []string{`error: trigger > post: the piece "@activepieces/piece-slack" has no action "send_chanel_message"; did you mean "send_channel_message"? Its actions: send_channel_message, send_direct_message. Fix settings.actionName.`}},
		{name: "trigger used as action", def: withSteps(step("post", "new_message", `{}`)),
			want: []string{`error: trigger > post: the piece "@activepieces/piece-slack" has no action "new_message" ("new_message" is a trigger of this piece, which only the flow's trigger can use).`}},
		{name: "misspelled trigger", def: `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"callfinished"}}`,
			want: []string{`error: trigger: the piece "@diga/piece-diga" has no trigger "callfinished"; did you mean "call_finished"? Its triggers: call_finished. Fix settings.triggerName.`}},
		{name: "missing required inputs, in a branch", def: withSteps(`{"name":"r","type":"ROUTER","settings":{"branches":[{},{}]},"children":[null,` + step("post", "send_channel_message", `{"text":"","username":"bot","sendAsBot":false,"auth":"a"}`) + `]}`),
			want: []string{`error: trigger > r.children[1] > post: the action "send_channel_message" of "@activepieces/piece-slack" requires the inputs "channel" (Channel) and "text" (Message), which have no default: add them to settings.input`}},
		{name: "null counts as missing", def: withSteps(step("post", "send_direct_message", `{"userId":null,"text":"x"}`)),
			want: []string{`error: trigger > post: the action "send_direct_message" of "@activepieces/piece-slack" requires the input "userId", which has no default`}},
		{name: "unknown input key", def: withSteps(step("post", "send_channel_message", `{"channel":"C1","text":"x","chanel":"C2","sendAsBot":true,"auth":"a"}`)),
			want: []string{`warning: trigger > post: settings.input.chanel is not an input of the action "send_channel_message" of "@activepieces/piece-slack", which ignores it; did you mean "channel"? Its inputs: channel, note, sendAsBot, text, threadTs, username.`}},
		{name: "piece not in the catalogue, with a version", def: withSteps(`{"name":"p","type":"PIECE","settings":{"pieceName":"@acme/piece-private","pieceVersion":"1.0.0","actionName":"x"}}`),
			want: []string{`warning: trigger > p: the piece "@acme/piece-private" is not in Diga's piece catalogue`}},
		{name: "piece not in the catalogue, without a version", def: withSteps(`{"name":"p","type":"PIECE","settings":{"pieceName":"@acme/piece-private","actionName":"x"}}`),
			want: []string{`error: trigger > p: the piece "@acme/piece-private" is not in Diga's piece catalogue, so its version cannot be filled in`}},
		{name: "piece not looked up", def: withSteps(`{"name":"p","type":"PIECE","settings":{"pieceName":"@x/unfetched","actionName":"x"}}`)},
		{name: "inside a loop", def: withSteps(`{"name":"l","type":"LOOP_ON_ITEMS","settings":{"items":"{{x}}"},"firstLoopAction":` + step("post", "nope", `{}`) + `}`),
			want: []string{`error: trigger > l.firstLoopAction > post: the piece "@activepieces/piece-slack" has no action "nope".`}},
		{name: "inside a loop written in children", def: withSteps(`{"name":"l","type":"LOOP_ON_ITEMS","settings":{"items":"{{x}}"},"children":[` + step("post", "nope", `{}`) + `]}`),
			want: []string{`error: trigger > l.firstLoopAction > post: the piece "@activepieces/piece-slack" has no action "nope".`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := def(c.def).CheckCatalog(pieces)
			if len(got) != len(c.want) {
				t.Fatalf("findings = %q, want %d", got, len(c.want))
			}
			for i, w := range c.want {
				sev, text, _ := strings.Cut(w, ": ")
				if (sev == "error") != got[i].Error || !strings.HasPrefix(got[i].String(), text) {
					t.Errorf("finding %d = (error %v) %q\nwant (%s) %q", i, got[i].Error, got[i].String(), sev, text)
				}
			}
		})
	}
}

func TestPieceNames(t *testing.T) {
	t.Parallel()
	text, problems := FromSteps(fifteenSteps(t))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	d, _ := ParseDefinition(text)
	got := strings.Join(d.PieceNames(), " ")
	want := "@activepieces/piece-gmail @activepieces/piece-http @activepieces/piece-hubspot @activepieces/piece-openai @activepieces/piece-slack @diga/piece-diga"
	if got != want {
		t.Errorf("PieceNames = %s, want %s", got, want)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	names := []string{"send_channel_message", "send_direct_message", "find_user"}
	for in, want := range map[string]string{
		"send_chanel_message":  "send_channel_message",
		"Send_Channel_Message": "send_channel_message",
		"channel":              "send_channel_message",
		"find_usr":             "find_user",
		"delete_everything":    "",
	} {
		if got := strings.Join(suggest(in, names), ","); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

// digaPieceSpec reads the Diga piece as the emulator's catalogue holds it
// (its piece data, props by name as the catalogue serves them).
func digaPieceSpec(t *testing.T) *PieceSpec {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "emulator", "piecedata", "diga-piece-diga.json"))
	if err != nil {
		t.Fatal(err)
	}
	type op struct {
		Name  string           `json:"name"`
		Props []map[string]any `json:"props"`
	}
	var piece struct {
		Actions, Triggers []op
	}
	if err := json.Unmarshal(raw, &piece); err != nil {
		t.Fatal(err)
	}
	ops := func(list []op) map[string]OperationSpec {
		out := map[string]OperationSpec{}
		for _, o := range list {
			byName := map[string]any{}
			for _, p := range o.Props {
				byName[p["name"].(string)] = p
			}
			b, _ := json.Marshal(byName)
			props, err := ParseProps(b)
			if err != nil {
				t.Fatal(err)
			}
			out[o.Name] = OperationSpec{Props: props}
		}
		return out
	}
	return &PieceSpec{Version: "0.1.0", Actions: ops(piece.Actions), Triggers: ops(piece.Triggers)}
}

// The trigger's inputs are checked as a step's are: a Function Call
// trigger without parameters (required in the piece data) is an error at
// the trigger, and an empty list is a function without parameters.
func TestCheckCatalog_triggerInputs(t *testing.T) {
	t.Parallel()
	pieces := map[string]*PieceSpec{"@diga/piece-diga": digaPieceSpec(t)}
	ret := `{"name":"answer","type":"PIECE","settings":{"pieceName":"@diga/piece-diga","actionName":"return_response","input":{"response":"ok"}}}`
	check := func(input string) []CatalogFinding {
		t.Helper()
		d, err := ParseDefinition(`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"function_call","input":` +
			input + `},"nextAction":` + ret + `}`)
		if err != nil {
			t.Fatal(err)
		}
		return d.CheckCatalog(pieces)
	}
	got := check(`{"function_name":"book","description":"Books"}`)
	want := `trigger: the trigger "function_call" of "@diga/piece-diga" requires the input "parameters" (Parameters), which has no default`
	if len(got) != 1 || !got[0].Error || !strings.HasPrefix(got[0].String(), want) {
		t.Errorf("findings = %q, want one error %q", got, want)
	}
	got = check(`{"description":" "}`)
	want = `trigger: the trigger "function_call" of "@diga/piece-diga" requires the inputs "description" (Function description), "function_name" (Function name) and "parameters" (Parameters)`
	if len(got) != 1 || !got[0].Error || !strings.HasPrefix(got[0].String(), want) {
		t.Errorf("findings = %q, want one error %q", got, want)
	}
	if got := check(`{"function_name":"book","description":"Books","parameters":[]}`); len(got) != 0 {
		t.Errorf("a function without parameters: findings = %q", got)
	}
	if got := check(`{"function_name":"book","description":"Books","parameters":[],"timeout":3}`); len(got) != 1 || got[0].Error ||
		!strings.HasPrefix(got[0].String(), `trigger: settings.input.timeout is not an input of the trigger "function_call"`) {
		t.Errorf("an unknown trigger input: findings = %q, want one warning", got)
	}
}
