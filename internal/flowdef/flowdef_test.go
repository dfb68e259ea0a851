package flowdef

import (
	"strings"
	"testing"
)

const postCall = `{
  "name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Call finished",
  "settings": {"pieceName": "@diga/piece-diga", "triggerName": "call_finished", "input": {}},
  "nextAction": {
    "name": "notify_crm", "type": "PIECE", "displayName": "POST to CRM",
    "settings": {"pieceName": "@activepieces/piece-http", "actionName": "send_request",
                 "input": {"method": "POST", "url": "https://crm.example.com/calls", "retries": 3}},
    "nextAction": {
      "name": "post_slack", "type": "PIECE",
      "settings": {"pieceName": "@activepieces/piece-slack", "actionName": "send_channel_message",
                   "input": {"channel": "C123", "text": "Call {{trigger.call_id}} finished"}}
    }
  }
}`

// What a server may return for postCall: other key order, bookkeeping,
// server-filled settings, null for absent.
const postCallFromServer = `{
  "valid": true, "type": "PIECE_TRIGGER", "name": "trigger", "displayName": "Call finished",
  "settings": {"triggerName": "call_finished", "pieceName": "@diga/piece-diga", "pieceVersion": "0.4.2",
               "input": {}, "propertySettings": {}, "sampleData": {}},
  "nextAction": {
    "skip": false, "valid": true, "type": "PIECE", "name": "notify_crm", "displayName": "POST to CRM",
    "children": null,
    "settings": {"actionName": "send_request", "pieceName": "@activepieces/piece-http", "pieceVersion": "~0.5.0",
                 "errorHandlingOptions": {"retryOnFailure": {"value": false}},
                 "input": {"url": "https://crm.example.com/calls", "retries": 3.0, "method": "POST", "headers": {}}},
    "nextAction": {
      "name": "post_slack", "type": "PIECE", "valid": false, "displayName": "Send message",
      "settings": {"pieceName": "@activepieces/piece-slack", "actionName": "send_channel_message",
                   "input": {"text": "Call {{trigger.call_id}} finished", "channel": "C123"}, "sampleData": null},
      "nextAction": null
    }
  }
}`

func mustParse(t *testing.T, s string) map[string]any {
	t.Helper()
	v, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return v
}

func TestEquivalentIgnoresOrderBookkeepingAndServerKeys(t *testing.T) {
	t.Parallel()
	user, server := mustParse(t, postCall), mustParse(t, postCallFromServer)
	if d := Differences(user, server, 10); len(d) != 0 {
		t.Fatalf("expected equivalent, got differences:\n%s", strings.Join(d, "\n"))
	}
}

func TestDifferencesNameTheChange(t *testing.T) {
	t.Parallel()
	user := mustParse(t, postCall)
	cases := map[string]struct {
		from, to string
		want     string
	}{
		"edited message":  {`"channel": "C123"`, `"channel": "C999"`, `trigger > notify_crm > post_slack: settings.input.channel = "C123" in the configuration, "C999" on the server`},
		"added input":     {`"channel": "C123"`, `"channel": "C123", "thread": "T1"`, `post_slack: settings.input.thread = "T1" on the server, absent in the configuration`},
		"changed action":  {`"actionName": "send_request"`, `"actionName": "send_get"`, `notify_crm: settings.actionName = "send_request" in the configuration, "send_get" on the server`},
		"added step":      {`"nextAction": null`, `"nextAction": {"name": "extra", "type": "CODE"}`, `post_slack: the server has a next step "extra"`},
		"number changed":  {`"retries": 3.0`, `"retries": 4`, `settings.input.retries = 3 in the configuration, 4 on the server`},
		"renamed trigger": {`"displayName": "Call finished"`, `"displayName": "Ended"`, `trigger: displayName = "Call finished" in the configuration, "Ended" on the server`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(postCallFromServer, c.from) {
				t.Fatalf("fixture lacks %q", c.from)
			}
			server := mustParse(t, strings.Replace(postCallFromServer, c.from, c.to, 1))
			d := Differences(user, server, 5)
			if len(d) == 0 {
				t.Fatal("expected a difference")
			}
			if !strings.Contains(strings.Join(d, "\n"), c.want) {
				t.Errorf("differences do not mention %q:\n%s", c.want, strings.Join(d, "\n"))
			}
		})
	}
}

func TestRemovedStepIsADifference(t *testing.T) {
	t.Parallel()
	user := mustParse(t, postCall)
	server := mustParse(t, postCall)
	server["nextAction"].(map[string]any)["nextAction"] = nil
	if Equivalent(user, server) {
		t.Fatal("a step removed on the server must be a difference")
	}
}

func TestProjectDropsOnlyNoiseAndUnwrittenKeys(t *testing.T) {
	t.Parallel()
	user, server := mustParse(t, postCall), mustParse(t, postCallFromServer)

	// With the user's definition as reference the projection holds no key
	// the user did not write, so a plan shows only real differences.
	projected := Canonical(Project(server, user))
	for _, unwanted := range []string{"pieceVersion", "errorHandlingOptions", "headers", "valid"} {
		if strings.Contains(projected, unwanted) {
			t.Errorf("projection with reference keeps %s: %s", unwanted, projected)
		}
	}
	if back := mustParse(t, projected); !Equivalent(user, back) || !Equivalent(back, user) {
		t.Errorf("projection with reference is not the user's definition: %s", projected)
	}
	// Without a reference (import) server-filled values are kept,
	// bookkeeping (and error handling left at its defaults) is not.
	imported := Canonical(Project(server, nil))
	for _, want := range []string{`"pieceVersion":"0.4.2"`} {
		if !strings.Contains(imported, want) {
			t.Errorf("import projection lacks %s: %s", want, imported)
		}
	}
	for _, unwanted := range []string{`"valid"`, `"skip"`, `"sampleData"`, `null`, `"errorHandlingOptions"`} {
		if strings.Contains(imported, unwanted) {
			t.Errorf("import projection keeps %s: %s", unwanted, imported)
		}
	}
	if !Equivalent(mustParse(t, imported), server) {
		t.Error("the import projection must be equivalent to the server's definition")
	}
}

func TestCanonicalMatchesJSONEncodeForm(t *testing.T) {
	t.Parallel()
	got := Canonical(mustParse(t, `{"b": 1.50, "a": "<x> & y", "c": [true, null]}`))
	want := `{"a":"\u003cx\u003e \u0026 y","b":1.50,"c":[true,null]}`
	if got != want {
		t.Errorf("Canonical = %s, want %s", got, want)
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		``:                    "not valid JSON",
		`{"a":`:               "not valid JSON",
		`[]`:                  "not a JSON object (the flow's trigger) but an array",
		`"x"`:                 "not a JSON object (the flow's trigger) but a string",
		`null`:                "not a JSON object (the flow's trigger) but null",
		`{"a":1} {}`:          "unexpected data",
		`{"a":1} trail`:       "unexpected data",
		`{"a":NaN}`:           "NaN is not a JSON number",
		`{"a":[1,-Infinity]}`: "-Infinity is not a JSON number",
		`{"a": Infinity}`:     "Infinity is not a JSON number",
	} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", in, err, want)
		}
	}
}

// A server that answers through Diga's documented response models drops keys
// those models lack; that is not a difference, and a projection keeps them.
func TestWriteOnlyKeysDroppedByServer(t *testing.T) {
	t.Parallel()
	user := mustParse(t, `{"type":"EMPTY","nextAction":{"name":"loop","type":"LOOP_ON_ITEMS","settings":{"items":"{{trigger.list}}"},
	  "children":[{"name":"code","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{"a":1}}}]}}`)
	server := mustParse(t, `{"type":"EMPTY","nextAction":{"name":"loop","type":"LOOP_ON_ITEMS","settings":{},
	  "children":[{"name":"code","type":"CODE","settings":{"input":{"a":1}}}]}}`)
	if d := Differences(user, server, 5); len(d) != 0 {
		t.Fatalf("dropped write-only keys must not differ: %v", d)
	}
	edited := mustParse(t, `{"type":"EMPTY","nextAction":{"name":"loop","type":"LOOP_ON_ITEMS","settings":{},
	  "children":[{"name":"code","type":"CODE","settings":{"input":{"a":2}}}]}}`)
	if Equivalent(user, edited) {
		t.Fatal("an edited input must differ")
	}
	projected := Canonical(Project(edited, user))
	for _, want := range []string{`"sourceCode":{"code":"x"}`, `"items":"{{trigger.list}}"`, `"a":2`} {
		if !strings.Contains(projected, want) {
			t.Errorf("projection lacks %s: %s", want, projected)
		}
	}
	// A server that returns them is compared.
	returned := mustParse(t, `{"type":"EMPTY","nextAction":{"name":"loop","type":"LOOP_ON_ITEMS","settings":{"items":"{{other}}"},
	  "children":[{"name":"code","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{"a":1}}}]}}`)
	if Equivalent(user, returned) {
		t.Fatal("a returned write-only key with another value must differ")
	}
}

func TestTriggerNameFilledByServer(t *testing.T) {
	t.Parallel()
	user := mustParse(t, `{"type":"EMPTY","nextAction":{"name":"s","type":"CODE"}}`)
	server := mustParse(t, `{"name":"trigger","type":"EMPTY","nextAction":{"name":"s","type":"CODE"}}`)
	if !Equivalent(user, server) {
		t.Fatal("a trigger name filled in by the server is not a difference")
	}
	renamed := mustParse(t, `{"type":"EMPTY","nextAction":{"name":"t","type":"CODE"}}`)
	if Equivalent(user, renamed) {
		t.Fatal("a step name changed by the server is a difference")
	}
}

// A step skipped in the UI, or told to continue or retry on failure, runs
// differently: a difference. The defaults Activepieces fills in are not.
func TestSkipAndErrorHandlingAreMeaning(t *testing.T) {
	user := mustParse(t, `{"type":"PIECE_TRIGGER","settings":{"pieceName":"p","triggerName":"t"},
	  "nextAction":{"name":"s1","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{}}}}`)
	for _, c := range []struct {
		server string
		same   bool
	}{
		{`{"type":"PIECE_TRIGGER","settings":{"pieceName":"p","triggerName":"t"},"nextAction":{"name":"s1","type":"CODE","skip":false,
		  "settings":{"sourceCode":{"code":"x"},"input":{},"errorHandlingOptions":{"continueOnFailure":{"value":false},"retryOnFailure":{"value":false}}}}}`, true},
		{`{"type":"PIECE_TRIGGER","settings":{"pieceName":"p","triggerName":"t"},"nextAction":{"name":"s1","type":"CODE","skip":true,
		  "settings":{"sourceCode":{"code":"x"},"input":{}}}}`, false},
		{`{"type":"PIECE_TRIGGER","settings":{"pieceName":"p","triggerName":"t"},"nextAction":{"name":"s1","type":"CODE",
		  "settings":{"sourceCode":{"code":"x"},"input":{},"errorHandlingOptions":{"continueOnFailure":{"value":true}}}}}`, false},
	} {
		if got := Equivalent(user, mustParse(t, c.server)); got != c.same {
			t.Errorf("Equivalent(user, %s) = %v, want %v (%v)", c.server, got, c.same, Differences(user, mustParse(t, c.server), 3))
		}
	}
}
