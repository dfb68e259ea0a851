package flowdef

import (
	"strconv"
	"strings"
	"testing"
)

func TestValidateAcceptsRealisticFlows(t *testing.T) {
	t.Parallel()
	router := `{
	  "name": "trigger", "type": "PIECE_TRIGGER",
	  "settings": {"pieceName": "@diga/piece-diga", "triggerName": "function_call"},
	  "nextAction": {
	    "name": "route", "type": "ROUTER",
	    "settings": {"executionType": "EXECUTE_FIRST_MATCH", "branches": [
	      {"branchName": "VIP", "branchType": "CONDITION", "conditions": [[{"operator": "TEXT_EXACTLY_MATCHES", "firstValue": "{{trigger.tier}}", "secondValue": "vip"}]]},
	      {"branchName": "Otherwise", "branchType": "FALLBACK"}]},
	    "children": [
	      {"name": "vip_loop", "type": "LOOP_ON_ITEMS", "settings": {"items": "{{trigger.items}}"},
	       "firstLoopAction": {"name": "code_1", "type": "CODE", "settings": {"sourceCode": {"code": "export const code = async () => 1"}}}},
	      null]
	  }
	}`
	for name, def := range map[string]string{"post-call": postCall, "router": router, "empty": `{"type":"EMPTY"}`} {
		if p := Validate(mustParse(t, def)); len(p) != 0 {
			t.Errorf("%s: unexpected problems: %v", name, p)
		}
	}
}

func TestValidateNamesTheStep(t *testing.T) {
	t.Parallel()
	cases := map[string]struct{ def, want string }{
		"bad trigger type":            {`{"type":"WEBHOOK"}`, `trigger: type "WEBHOOK" is not a trigger type: use one of EMPTY, PIECE_TRIGGER`},
		"missing trigger type":        {`{"name":"trigger"}`, `trigger: type is required`},
		"piece trigger without piece": {`{"type":"PIECE_TRIGGER","settings":{"triggerName":"call_finished"}}`, `trigger: settings.pieceName is required`},
		"bad action type":             {`{"type":"EMPTY","nextAction":{"name":"s1","type":"HTTP"}}`, `trigger > s1: type "HTTP" is not an action type`},
		"piece without action":        {`{"type":"EMPTY","nextAction":{"name":"s1","type":"PIECE","settings":{"pieceName":"p"}}}`, `trigger > s1: settings.actionName is required`},
		"duplicate names":             {`{"type":"EMPTY","nextAction":{"name":"s1","type":"CODE","settings":{"sourceCode":{"code":"x"}},"nextAction":{"name":"s1","type":"CODE","settings":{"sourceCode":{"code":"x"}}}}}`, `trigger > s1 > s1: step name "s1" is already used by trigger > s1`},
		"unnamed step":                {`{"type":"EMPTY","nextAction":{"type":"CODE"}}`, `trigger > (unnamed step): every step needs a name`},
		"router without branches":     {`{"type":"EMPTY","nextAction":{"name":"r","type":"ROUTER"}}`, `trigger > r: a ROUTER needs settings.branches`},
		"router children mismatch":    {`{"type":"EMPTY","nextAction":{"name":"r","type":"ROUTER","settings":{"branches":[{}]},"children":[null,null]}}`, `1 branches but 2 children`},
		"loop with two bodies":        {`{"type":"EMPTY","nextAction":{"name":"l","type":"LOOP_ON_ITEMS","settings":{"items":"x"},"children":[null,null]}}`, `a LOOP_ON_ITEMS has one body`},
		"children on code":            {`{"type":"EMPTY","nextAction":{"name":"c","type":"CODE","settings":{"sourceCode":{"code":"x"}},"children":[{"name":"d","type":"CODE"}]}}`, `only ROUTER steps have children`},
		"nested duplicate":            {`{"type":"EMPTY","nextAction":{"name":"r","type":"ROUTER","settings":{"branches":[{}]},"children":[{"name":"r","type":"CODE"}]}}`, `trigger > r.children[0] > r: step name "r" is already used`},
		"nextAction not object":       {`{"type":"EMPTY","nextAction":"s1"}`, `trigger: nextAction must be a step object or null, not a string`},
		"settings not object":         {`{"type":"EMPTY","nextAction":{"name":"s","type":"CODE","settings":[]}}`, `trigger > s: settings must be an object`},
	}
	for name, c := range cases {
		probs := Validate(mustParse(t, c.def))
		var all []string
		for _, p := range probs {
			all = append(all, p.String())
		}
		if !strings.Contains(strings.Join(all, "\n"), c.want) {
			t.Errorf("%s: problems %q do not contain %q", name, all, c.want)
		}
	}
}

func TestValidateStepLimit(t *testing.T) {
	t.Parallel()
	// A router whose branches hold MaxSteps steps: the router makes one too
	// many.
	var b strings.Builder
	b.WriteString(`{"type":"EMPTY","nextAction":{"name":"r","type":"ROUTER","settings":{"branches":[`)
	b.WriteString(strings.TrimSuffix(strings.Repeat(`{"branchName":"b","branchType":"FALLBACK"},`, MaxSteps), ","))
	b.WriteString(`]},"children":[`)
	for i := 0; i < MaxSteps; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"name":"s` + strconv.Itoa(i) + `","type":"CODE","settings":{"sourceCode":{"code":"x"}}}`)
	}
	b.WriteString(`]}}`)
	probs := Validate(mustParse(t, b.String()))
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "more than 1000 steps") {
		t.Fatalf("want one step-limit problem, got %v", probs)
	}
}
