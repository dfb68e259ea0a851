package flowdef

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/enginecheck"
)

var engineNow = time.Date(2026, 12, 6, 20, 0, 0, 123e6, time.UTC)

func enginePieces() map[string]*PieceSpec {
	return map[string]*PieceSpec{
		"@activepieces/piece-gmail":   {Version: "0.2.0"},
		"@activepieces/piece-http":    {Version: "0.9.0"},
		"@activepieces/piece-hubspot": {Version: "0.2.0"},
		"@activepieces/piece-openai":  {Version: "0.3.18"},
		"@diga/piece-diga": {Version: "0.1.0", Triggers: map[string]OperationSpec{
			"call_finished": {DisplayName: "Call Finished"}, "function_call": {DisplayName: "Function Call"}}},
		"@activepieces/piece-slack": {Version: "0.17.9", Auth: true,
			Actions: map[string]OperationSpec{"send_channel_message": {DisplayName: "Send Message To A Channel", RequireAuth: true}}},
	}
}

// shortForm is written the way people write definitions: no bookkeeping,
// a loop body in children (the older form), a router without its
// execution type or empty branches, CODE without packageJson, explicit
// nulls.
const shortForm = `{
  "type": "PIECE_TRIGGER",
  "settings": {"pieceName": "@diga/piece-diga", "triggerName": "call_finished"},
  "nextAction": {
    "name": "route", "type": "ROUTER", "displayName": null, "skip": null,
    "settings": {"branches": [
      {"branchName": "Long", "branchType": "CONDITION", "conditions": [[{"firstValue": "{{trigger.duration}}", "operator": "NUMBER_IS_GREATER_THAN", "secondValue": "60"}]]},
      {"branchName": "Otherwise", "branchType": "FALLBACK"}]},
    "children": [{
      "name": "each_message", "type": "LOOP_ON_ITEMS", "settings": {"items": "{{trigger.messages}}", "sampleData": null},
      "children": [{
        "name": "post", "type": "PIECE", "valid": false,
        "settings": {"pieceName": "@activepieces/piece-slack", "actionName": "send_channel_message",
                     "input": {"channel": "C1", "text": "{{each_message.item.content}}", "sendAsBot": true, "auth": "{{connections['slack']}}", "thread": null}}
      }]
    }],
    "nextAction": {"name": "summarise", "type": "CODE", "settings": {"sourceCode": {"code": "export const code = async () => 1"}}}
  }
}`

func TestEngineTreeFillsWhatTheEngineRequires(t *testing.T) {
	t.Parallel()
	def, err := ParseDefinition(shortForm)
	if err != nil {
		t.Fatal(err)
	}
	if p := def.Problems(); len(p) != 1 || !p[0].Warning {
		t.Fatalf("problems = %v, want the one warning about valid: false", p)
	}
	before := Canonical(def.tree)
	got, err := def.EngineJSON(EngineOptions{Pieces: enginePieces(), Now: engineNow})
	if err != nil {
		t.Fatal(err)
	}
	if Canonical(def.tree) != before {
		t.Fatal("EngineTree changed the parsed definition")
	}
	want := `{"displayName":"Call Finished","lastUpdatedDate":"2026-12-06T20:00:00.123Z","name":"trigger",` +
		`"nextAction":{"children":[{"displayName":"each_message","firstLoopAction":{"displayName":"post","lastUpdatedDate":"2026-12-06T20:00:00.123Z","name":"post",` +
		`"settings":{"actionName":"send_channel_message","input":{"auth":"{{connections['slack']}}","channel":"C1","sendAsBot":true,"text":"{{each_message.item.content}}","thread":null},` +
		`"pieceName":"@activepieces/piece-slack","pieceVersion":"0.17.9","propertySettings":{}},"type":"PIECE","valid":false},` +
		`"lastUpdatedDate":"2026-12-06T20:00:00.123Z","name":"each_message","settings":{"items":"{{trigger.messages}}"},"type":"LOOP_ON_ITEMS","valid":true},null],` +
		`"displayName":"route","lastUpdatedDate":"2026-12-06T20:00:00.123Z","name":"route",` +
		`"nextAction":{"displayName":"summarise","lastUpdatedDate":"2026-12-06T20:00:00.123Z","name":"summarise",` +
		`"settings":{"input":{},"sourceCode":{"code":"export const code = async () =\u003e 1","packageJson":"{}"}},"type":"CODE","valid":true},` +
		`"settings":{"branches":[{"branchName":"Long","branchType":"CONDITION","conditions":[[{"firstValue":"{{trigger.duration}}","operator":"NUMBER_IS_GREATER_THAN","secondValue":"60"}]]},` +
		`{"branchName":"Otherwise","branchType":"FALLBACK"}],"executionType":"EXECUTE_FIRST_MATCH"},"type":"ROUTER","valid":true},` +
		`"settings":{"input":{},"pieceName":"@diga/piece-diga","pieceVersion":"0.1.0","propertySettings":{},"triggerName":"call_finished"},` +
		`"type":"PIECE_TRIGGER","valid":true}`
	if string(got) != want {
		t.Errorf("engine tree =\n%s\nwant\n%s", got, want)
	}
	// What was filled in is bookkeeping: Diga holding the engine tree
	// holds the user's definition.
	engine, err := ParseDefinition(string(got))
	if err != nil {
		t.Fatal(err)
	}
	if d := def.Differences(engine, 5); len(d) > 0 {
		t.Errorf("the engine tree differs from the definition: %v", d)
	}
}

func TestEngineTreeKeepsWhatTheUserGave(t *testing.T) {
	t.Parallel()
	def, err := ParseDefinition(`{"name":"trigger","type":"PIECE_TRIGGER","displayName":"After the call","valid":true,
	  "settings":{"pieceName":"@diga/piece-diga","pieceVersion":"~0.1.0","triggerName":"call_finished","input":{"x":1},"propertySettings":{"x":{"type":"MANUAL"}}},
	  "nextAction":{"name":"r","type":"ROUTER","displayName":"Route","skip":true,
	    "settings":{"executionType":"EXECUTE_ALL_MATCH","branches":[{"branchName":"a","branchType":"FALLBACK"}]},
	    "children":[{"name":"c","type":"CODE","settings":{"sourceCode":{"code":"x","packageJson":"{\"dependencies\":{}}"},"input":{"k":"v"}}}]}}`)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := def.EngineTree(EngineOptions{Now: engineNow})
	if err != nil {
		t.Fatalf("a definition that gives every piece version needs no catalogue: %v", err)
	}
	text := Canonical(tree)
	for _, want := range []string{`"displayName":"After the call"`, `"pieceVersion":"~0.1.0"`, `"input":{"x":1}`,
		`"propertySettings":{"x":{"type":"MANUAL"}}`, `"displayName":"Route"`, `"skip":true`, `"executionType":"EXECUTE_ALL_MATCH"`,
		`"packageJson":"{\"dependencies\":{}}"`, `"input":{"k":"v"}`} {
		if !strings.Contains(text, want) {
			t.Errorf("engine tree lacks %s: %s", want, text)
		}
	}
}

func TestEngineTreeNeedsEveryPieceVersion(t *testing.T) {
	t.Parallel()
	def, err := ParseDefinition(`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished"},
	  "nextAction":{"name":"a","type":"PIECE","settings":{"pieceName":"@acme/piece-private","actionName":"x"},
	  "nextAction":{"name":"b","type":"PIECE","settings":{"pieceName":"@acme/piece-private","actionName":"y"},
	  "nextAction":{"name":"c","type":"PIECE","settings":{"pieceName":"@acme/piece-other","pieceVersion":"1.0.0","actionName":"y"}}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(def.PiecesWithoutVersion(), " "), "@acme/piece-private @diga/piece-diga"; got != want {
		t.Errorf("PiecesWithoutVersion = %s, want %s", got, want)
	}
	_, err = def.EngineTree(EngineOptions{Pieces: map[string]*PieceSpec{"@diga/piece-diga": {Version: "0.1.0"}, "@acme/piece-private": nil}, Now: engineNow})
	var missing *MissingVersionError
	if !errors.As(err, &missing) {
		t.Fatalf("err = %v, want a MissingVersionError", err)
	}
	if got := strings.Join(missing.Steps["@acme/piece-private"], ", "); got != "trigger > a, trigger > a > b" {
		t.Errorf("steps without a version = %q", got)
	}
	if len(missing.Steps) != 1 || !strings.Contains(err.Error(), "settings.pieceVersion") {
		t.Errorf("error = %v", err)
	}
}

// declaredOnly renders a tree as a FastAPI service answering through Diga's
// declared response models would: undeclared keys dropped, declared ones
// null when unset, a loop body in children[0] (bodies) or not at all.
func declaredOnly(v any, bodies bool) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k := range readableStepKeys {
		out[k] = nil
	}
	for k, val := range m {
		if !readableStepKeys[k] {
			continue
		}
		switch k {
		case "nextAction":
			out[k] = declaredOnly(val, bodies)
		case "children":
			if a, ok := val.([]any); ok {
				c := make([]any, len(a))
				for i := range a {
					c[i] = declaredOnly(a[i], bodies)
				}
				out[k] = c
			}
		case "settings":
			s, _ := val.(map[string]any)
			settings := map[string]any{}
			for sk := range readableSettingsKeys {
				settings[sk] = s[sk]
			}
			out[k] = settings
		default:
			out[k] = val
		}
	}
	if body, ok := m["firstLoopAction"]; ok && bodies {
		out["children"] = []any{declaredOnly(body, bodies)}
	}
	return out
}

// Under every reading of what Diga answers, the flow as imported means
// the definition (no perpetual diff), and a change in the Diga UI to
// anything the answer shows is a difference.
func TestReadingsOfDigasAnswer(t *testing.T) {
	t.Parallel()
	def, err := ParseDefinition(shortForm)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := def.EngineTree(EngineOptions{Pieces: enginePieces(), Now: engineNow})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip := func(v any) map[string]any {
		var out map[string]any
		if err := json.Unmarshal([]byte(Canonical(v)), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	readings := map[string]func(map[string]any) any{
		"the engine tree":                         func(e map[string]any) any { return e },
		"declared models, loop body in children":  func(e map[string]any) any { return declaredOnly(e, true) },
		"declared models, loop body not shown":    func(e map[string]any) any { return declaredOnly(e, false) },
		"the engine tree with a resolved version": func(e map[string]any) any { return e },
	}
	edits := map[string]struct {
		edit  func(server map[string]any)
		shown func(reading string) bool
	}{
		"slack text edited": {func(s map[string]any) {
			post := stepIn(s, "post")
			post["settings"].(map[string]any)["input"].(map[string]any)["text"] = "other"
		}, func(r string) bool { return r != "declared models, loop body not shown" }},
		"router runs every match": {func(s map[string]any) {
			stepIn(s, "route")["settings"].(map[string]any)["executionType"] = "EXECUTE_ALL_MATCH"
		}, func(string) bool { return true }},
		"code changed": {func(s map[string]any) {
			code := stepIn(s, "summarise")["settings"].(map[string]any)
			if sc, ok := code["sourceCode"].(map[string]any); ok {
				sc["code"] = "export const code = async () => 2"
			}
		}, func(r string) bool { return strings.HasPrefix(r, "the engine tree") }},
		"loop body removed": {func(s map[string]any) {
			loop := stepIn(s, "each_message")
			delete(loop, "firstLoopAction")
			loop["children"] = nil
		}, func(r string) bool { return strings.HasPrefix(r, "the engine tree") }},
		"step skipped": {func(s map[string]any) {
			stepIn(s, "summarise")["skip"] = true
		}, func(string) bool { return true }},
		"pieceVersion upgraded": {func(s map[string]any) {
			stepIn(s, "post")["settings"].(map[string]any)["pieceVersion"] = "0.18.0"
		}, func(string) bool { return false }}, // not written by the user: Diga's to choose
	}
	for name, read := range readings {
		server := roundTrip(read(roundTrip(engine)))
		if name == "the engine tree with a resolved version" {
			stepIn(server, "post")["settings"].(map[string]any)["pieceVersion"] = "0.17.9"
		}
		if d := Differences(def.tree, server, 5); len(d) > 0 {
			t.Errorf("%s: the imported flow differs from the definition: %v", name, d)
		}
		// What state keeps after a refresh means the definition too.
		state, _ := ParseDefinition(def.StateText(&Definition{tree: server}))
		if !state.Means(def) || !def.Means(state) {
			t.Errorf("%s: state text %s does not mean the definition", name, state.Text())
		}
		for edit, c := range edits {
			changed := roundTrip(server)
			c.edit(changed)
			if got, want := !Equivalent(def.tree, changed), c.shown(name); got != want {
				t.Errorf("%s, %s: a difference = %v, want %v (%v)", name, edit, got, want, Differences(def.tree, changed, 3))
			}
		}
	}
}

// stepIn finds a step by name in a tree, in every place a step can be; a
// step the answer does not show is a detached stand-in.
func stepIn(tree map[string]any, name string) map[string]any {
	var found map[string]any
	WalkSteps(tree, func(s map[string]any) {
		if found == nil && s["name"] == name {
			found = s
		}
	})
	if found == nil {
		return map[string]any{"settings": map[string]any{"input": map[string]any{}}} // edits of it change nothing
	}
	return found
}

func TestVersionHolds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		user, server string
		holds        bool
	}{
		{"0.17.9", "0.17.9", true},
		{"0.17.9", "0.17.10", false},
		{"~0.17.0", "0.17.9", true},
		{"~0.17.0", "0.18.0", false},
		{"^0.17.0", "0.17.9", true},
		{"^0.17.0", "0.18.0", false},
		{"^1.2.0", "1.9.0", true},
		{"^1.2.0", "2.0.0", false},
		{"^1.2.3", "1.2.2", false},
		{"^0.0.3", "0.0.3", true},
		{"^0.0.3", "0.0.4", false},
		{"~0.17.9", "~0.17.9", true},
		{"0.17.9", "garbage", false},
	} {
		if got := versionHolds(c.user, c.server); got != c.holds {
			t.Errorf("versionHolds(%q, %q) = %v, want %v", c.user, c.server, got, c.holds)
		}
	}
}

// The engine's own published code (@activepieces/shared, both pinned
// versions) accepts the engine trees as sent, imports every step and
// leaves none invalid — short forms of every kind included.
func TestEngineTreesPassTheEngine(t *testing.T) {
	t.Parallel()
	fifteen, problems := FromSteps(fifteenSteps(t))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	defs := map[string]string{
		"short form":                        strings.Replace(shortForm, `"valid": false,`, ``, 1),
		"fifteen steps, built by FromSteps": fifteen,
		"empty trigger":                     `{"type":"EMPTY"}`,
		"empty trigger with a step": `{"type":"EMPTY","nextAction":{"name":"c","type":"CODE","displayName":null,
		  "settings":{"sourceCode":{"code":"x"},"input":{"a":[1,{"b":null}]}}}}`,
		"router with empty branches only": `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"function_call","input":{"function_name":"f","description":"d"}},
		  "nextAction":{"name":"r","type":"ROUTER","settings":{"branches":[{"branchName":"a","branchType":"CONDITION","conditions":[[{"firstValue":"x","operator":"EXISTS"}]]},{"branchName":"b","branchType":"FALLBACK"}]},
		  "nextAction":{"name":"after","type":"CODE","settings":{"sourceCode":{"code":"x"}}}}}`,
		"loop inside a loop, in both forms": `{"type":"EMPTY","nextAction":{"name":"outer","type":"LOOP_ON_ITEMS","settings":{"items":"{{trigger.a}}"},
		  "firstLoopAction":{"name":"inner","type":"LOOP_ON_ITEMS","settings":{"items":"{{outer.item}}"},
		  "children":[{"name":"leaf","type":"CODE","settings":{"sourceCode":{"code":"x"}},"skip":true}]}}}`,
		"pinned versions and ranges": `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","pieceVersion":"^0.1.0","triggerName":"call_finished"},
		  "nextAction":{"name":"p","type":"PIECE","settings":{"pieceName":"@activepieces/piece-slack","pieceVersion":"~0.17.0","actionName":"send_channel_message","input":{}}}}`,
	}
	var bodies []enginecheck.Body
	for name, text := range defs {
		def, err := ParseDefinition(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range def.Problems() {
			t.Fatalf("%s: %s", name, p)
		}
		tree, err := def.EngineJSON(EngineOptions{Pieces: enginePieces(), Now: engineNow})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		bodies = append(bodies, enginecheck.Body{ID: name, Body: enginecheck.ImportBody(name, tree)})
	}
	enginecheck.AssertImportable(t, bodies...)
}

// After an edit in the Diga UI, the state's text differs from the user's
// only where the meaning does: what the user wrote that normalising drops
// (the trigger's name, defaults written out, empty branches) is kept.
func TestProjectionDiffersOnlyWhereTheMeaningDoes(t *testing.T) {
	t.Parallel()
	user := `{"name":"trigger","type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished","input":{}},
	  "nextAction":{"name":"r","type":"ROUTER","skip":false,"settings":{"executionType":"EXECUTE_FIRST_MATCH","branches":[
	    {"branchName":"a","branchType":"CONDITION","conditions":[[{"firstValue":"x","operator":"EXISTS"}]]},{"branchName":"b","branchType":"FALLBACK"}]},
	    "children":[{"name":"c","type":"CODE","settings":{"sourceCode":{"code":"x","packageJson":"{}"},"input":{"v":"old","n":null}}},null]}}`
	def, err := ParseDefinition(user)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := def.EngineTree(EngineOptions{Pieces: enginePieces(), Now: engineNow})
	if err != nil {
		t.Fatal(err)
	}
	for name, server := range map[string]any{
		"the engine tree":     engine,
		"the declared models": declaredOnly(engine, true),
	} {
		edited, _ := json.Marshal(server)
		var tree map[string]any
		if err := json.Unmarshal([]byte(strings.Replace(string(edited), `"old"`, `"new"`, 1)), &tree); err != nil {
			t.Fatal(err)
		}
		got := def.StateText(&Definition{tree: tree})
		want := strings.Replace(Canonical(def.tree), `"old"`, `"new"`, 1)
		if got != want {
			t.Errorf("%s: state text\n%s\nwant\n%s", name, got, want)
		}
	}
}

// What the review found, pinned.
func TestEngineTreeStripsNullsTheEngineTypesStrictly(t *testing.T) {
	t.Parallel()
	def, err := ParseDefinition(`{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished","sampleData":{"x":1}},
	  "nextAction":{"name":"r","type":"ROUTER","settings":{"branches":[
	    {"branchName":"a","branchType":"CONDITION","conditions":[[{"firstValue":"x","secondValue":"y","operator":"TEXT_CONTAINS","caseSensitive":null}]]},
	    {"branchName":"b","branchType":"FALLBACK","conditions":null}]},
	  "nextAction":{"name":"c","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{"keep":null},
	    "errorHandlingOptions":{"retryOnFailure":null,"continueOnFailure":{"value":null}}}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range def.Problems() {
		if !p.Warning {
			t.Fatalf("problem: %s", p)
		}
	}
	body, err := def.EngineJSON(EngineOptions{Pieces: enginePieces(), Now: engineNow})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(body); strings.Contains(s, "caseSensitive") || strings.Contains(s, `"retryOnFailure"`) || strings.Contains(s, `"sampleData"`) ||
		!strings.Contains(s, `"keep":null`) {
		t.Errorf("engine tree: %s", s)
	}
	enginecheck.AssertImportable(t, enginecheck.Body{ID: "nulls", Body: enginecheck.ImportBody("nulls", body)})
}

func TestValidateRefusesWhatTheEngineDrops(t *testing.T) {
	t.Parallel()
	for def, want := range map[string]string{
		`{"type":"EMPTY","nextAction":{"name":"a","type":"CODE","settings":{"sourceCode":{"code":"x"}},"nextActon":{"name":"b","type":"CODE"}}}`: `trigger > a: a step has no key "nextActon", which the engine would drop (and with it whatever it holds); did you mean "nextAction"?`,
		`{"type":"EMPTY","description":"note"}`: `trigger: a trigger has no key "description"`,
		`{"type":"EMPTY","skip":true}`:          `trigger: a trigger cannot be skipped`,
		`{"type":"EMPTY","nextAction":{"name":"a","type":"CODE","settings":{"sourceCode":{"code":"x"},"errorHandlingOptions":true}}}`:                               `settings.errorHandlingOptions is { continueOnFailure`,
		`{"type":"EMPTY","nextAction":{"name":"a","type":"CODE","settings":{"sourceCode":{"code":"x"},"errorHandlingOptions":{"retryOnFailure":{"value":"yes"}}}}}`: `settings.errorHandlingOptions.retryOnFailure.value must be true or false, not a string`,
		`{"type":"EMPTY","nextAction":{"name":"a","type":"CODE","settings":{"sourceCode":{"code":"x"},"sampleData":"abc"}}}`:                                        `settings.sampleData must be an object, not a string`,
		`{"type":"EMPTY","nextAction":{"name":"a","type":"CODE","settings":{"sourceCode":{"code":"x"},"customLogoUrl":5}}}`:                                         `settings.customLogoUrl must be a string`,
	} {
		var all []string
		for _, p := range Validate(mustParse(t, def)) {
			all = append(all, p.String())
		}
		if !strings.Contains(strings.Join(all, "\n"), want) {
			t.Errorf("%s: problems %q, want %q", def, all, want)
		}
	}
	p := Validate(mustParse(t, `{"type":"PIECE_TRIGGER","settings":{"pieceName":"p","triggerName":"t","sampleData":{"a":1}}}`))
	if len(p) != 1 || !p[0].Warning || !strings.Contains(p[0].Message, "diga_flow_sample_data") {
		t.Errorf("trigger sample data: %v, want one warning", p)
	}
}

// Between two texts the user wrote (state holding what Terraform last
// wrote), removing what the provider would fill in is a change; against
// Diga's answer it is not.
func TestSameText(t *testing.T) {
	t.Parallel()
	base := `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished"},
	  "nextAction":{"name":"c","type":"CODE",%s"settings":{"sourceCode":{"code":"x"}}}}`
	with := func(extra string) map[string]any { return mustParse(t, strings.Replace(base, "%s", extra, 1)) }
	for extra, same := range map[string]bool{
		``:                         true,
		`"valid":true,`:            true,
		`"skip":false,`:            true,
		`"displayName":null,`:      true,
		`"valid":false,`:           false,
		`"displayName":"Tidy up",`: false,
	} {
		if got := SameText(with(""), with(extra)); got != same {
			t.Errorf("SameText(none, %s) = %v, want %v", extra, got, same)
		}
		if got := SameText(with(extra), with("")); got != same {
			t.Errorf("SameText(%s, none) = %v, want %v", extra, got, same)
		}
		if !Equivalent(with(""), with(extra)) && extra != `"valid":false,` && extra != `"displayName":"Tidy up",` {
			t.Errorf("Equivalent(none, %s) is false", extra)
		}
	}
	pinned := mustParse(t, `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","pieceVersion":"0.1.0","triggerName":"call_finished"}}`)
	unpinned := mustParse(t, `{"type":"PIECE_TRIGGER","settings":{"pieceName":"@diga/piece-diga","triggerName":"call_finished"}}`)
	if SameText(unpinned, pinned) || !Equivalent(unpinned, pinned) {
		t.Error("removing a pieceVersion pin is a change between texts, not against Diga's answer")
	}
}

func TestProjectionShowsWhatTheUIRemoved(t *testing.T) {
	t.Parallel()
	// A loop body written in children, emptied in the UI, under the whole
	// tree reading: the state shows it gone.
	user := mustParse(t, `{"type":"EMPTY","nextAction":{"name":"l","type":"LOOP_ON_ITEMS","settings":{"items":"{{trigger.a}}"},
	  "children":[{"name":"c","type":"CODE","settings":{"sourceCode":{"code":"x"}}}]}}`)
	server := mustParse(t, `{"name":"trigger","type":"EMPTY","lastUpdatedDate":"x","nextAction":{"name":"l","type":"LOOP_ON_ITEMS",
	  "lastUpdatedDate":"x","settings":{"items":"{{trigger.a}}"}}}`)
	if Equivalent(user, server) {
		t.Fatal("a loop body removed under the whole-tree reading must differ")
	}
	if state := Canonical(Project(server, user)); strings.Contains(state, `"c"`) {
		t.Errorf("the state keeps the removed body: %s", state)
	}
	// A trailing null the user wrote inside an input, removed in the UI.
	user = mustParse(t, `{"type":"EMPTY","nextAction":{"name":"c","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{"list":["a",null]}}}}`)
	server = mustParse(t, `{"type":"EMPTY","nextAction":{"name":"c","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{"list":["a"]}}}}`)
	if Equivalent(user, server) {
		t.Fatal("a shorter list must differ")
	}
	if state := Canonical(Project(server, user)); !strings.Contains(state, `"list":["a"]`) {
		t.Errorf("the state puts the removed null back: %s", state)
	}
}
