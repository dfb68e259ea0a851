package emulator

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// dataIDs returns the ids of a paginated answer's data, in order.
func dataIDs(t *testing.T, page map[string]any) []string {
	t.Helper()
	list, ok := page["data"].([]any)
	if !ok {
		t.Fatalf("data is %T", page["data"])
	}
	ids := []string{}
	for _, item := range list {
		ids = append(ids, str(obj(item), "id"))
	}
	return ids
}

func expectIDs(t *testing.T, page map[string]any, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := dataIDs(t, page); !reflect.DeepEqual(got, want) {
		t.Fatalf("ids = %v, want %v", got, want)
	}
}

// expectPaging checks has_more, current_page and total_pages (nil: null).
func expectPaging(t *testing.T, page map[string]any, hasMore bool, current, total any) {
	t.Helper()
	num := func(v any) any {
		if f, ok := v.(float64); ok {
			return int(f)
		}
		return v
	}
	if page["has_more"] != hasMore || num(page["current_page"]) != current || num(page["total_pages"]) != total {
		t.Fatalf("has_more=%v current_page=%v total_pages=%v, want %v %v %v",
			page["has_more"], page["current_page"], page["total_pages"], hasMore, current, total)
	}
}

func TestTemplateListDefaultsAndFilters(t *testing.T) {
	t.Parallel()
	c := newClient(t)

	// language defaults to "es"; newest first.
	page := expectJSON(t, c.do("GET", "/v1/workflow/template", nil), http.StatusOK)
	expectIDs(t, page, TemplateHubSpotLookupES, TemplateSlackSummaryES)
	expectPaging(t, page, false, 1, 1)
	if page["first_id"] != TemplateHubSpotLookupES || page["last_id"] != TemplateSlackSummaryES {
		t.Fatalf("first/last = %v %v", page["first_id"], page["last_id"])
	}

	expectIDs(t, expectJSON(t, c.do("GET", "/v1/workflow/template?language=en", nil), 200), TemplateAvailabilityEN, TemplateCRMWebhookEN)
	expectIDs(t, expectJSON(t, c.do("GET", "/v1/workflow/template?language=en&order=asc", nil), 200), TemplateCRMWebhookEN, TemplateAvailabilityEN)
	expectIDs(t, expectJSON(t, c.do("GET", "/v1/workflow/template?language=en&flow_category=post_call", nil), 200), TemplateCRMWebhookEN)
	expectIDs(t, expectJSON(t, c.do("GET", "/v1/workflow/template?flow_category=during_call", nil), 200), TemplateHubSpotLookupES)
	expectIDs(t, expectJSON(t, c.do("GET", "/v1/workflow/template?flow_category=pre_call", nil), 200))
	empty := expectJSON(t, c.do("GET", "/v1/workflow/template?language=fr", nil), 200)
	expectIDs(t, empty)
	expectPaging(t, empty, false, 1, 0)
	if empty["first_id"] != nil || empty["last_id"] != nil {
		t.Fatalf("empty page ids %v %v", empty["first_id"], empty["last_id"])
	}

	// The catalogue is global: another key sees the same templates.
	expectIDs(t, expectJSON(t, c.as(keyB).do("GET", "/v1/workflow/template?language=en", nil), 200), TemplateAvailabilityEN, TemplateCRMWebhookEN)
	expectEnvelope(t, c.as("").do("GET", "/v1/workflow/template", nil), 401, "INVALID_API_KEY", "")
	expectEnvelope(t, c.as("nope").do("GET", "/v1/workflow/template/"+TemplateSlackSummaryES, nil), 401, "INVALID_API_KEY", "")
}

func TestTemplateShape(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	rec := c.do("GET", "/v1/workflow/template/"+TemplateCRMWebhookEN, nil)
	got := expectJSON(t, rec, 200)
	// Model order.
	body := rec.Body.String()
	last := -1
	for _, k := range []string{"id", "name", "language", "description", "flow_category", "setup_guide_url", "template", "connections", "variables"} {
		i := strings.Index(body, `"`+k+`":`)
		if i < 0 || i < last {
			t.Fatalf("key %s missing or out of model order in %s", k, body)
		}
		last = i
	}
	if got["language"] != "en" || got["flow_category"] != "post_call" || got["name"] != "Send call results to your CRM" {
		t.Fatalf("template = %v", got)
	}
	if !reflect.DeepEqual(got["variables"], []any{"crm_api_key", "crm_url", "slack_channel"}) {
		t.Fatalf("variables = %v", got["variables"])
	}
	wantConn := []any{map[string]any{"key": "slack", "name": "Slack", "description": "Slack bot token (xoxb-…) with the chat:write scope.",
		"piece_name": "@activepieces/piece-slack", "auth_type": "SECRET_TEXT"}}
	if !reflect.DeepEqual(got["connections"], wantConn) {
		t.Fatalf("connections = %v", got["connections"])
	}
	tpl := obj(got["template"])
	trig := obj(tpl["trigger"])
	if tpl["displayName"] != got["name"] || tpl["schemaVersion"] != "1" || trig["type"] != "PIECE_TRIGGER" ||
		obj(trig["settings"])["pieceName"] != "@diga/piece-diga" || obj(trig["settings"])["triggerName"] != "call_finished" {
		t.Fatalf("template JSON = %v", tpl)
	}
	http1 := obj(obj(trig["nextAction"])["settings"])
	if http1["pieceName"] != "@activepieces/piece-http" || http1["actionName"] != "send_request" || obj(http1["input"])["url"] != "<<crm_url>>" {
		t.Fatalf("first step settings = %v", http1)
	}
	slack := obj(obj(obj(trig["nextAction"])["nextAction"])["settings"])
	if obj(slack["input"])["auth"] != "{{connections['slack']}}" || obj(slack["input"])["channel"] != "<<slack_channel>>" {
		t.Fatalf("slack step settings = %v", slack)
	}
	// A template without connections answers null; one without a guide, a null URL.
	got = expectJSON(t, c.do("GET", "/v1/workflow/template/"+TemplateAvailabilityEN, nil), 200)
	if v, ok := got["connections"]; !ok || v != nil {
		t.Fatalf("connections = %v (present %v), want null", v, ok)
	}
	if v, ok := got["setup_guide_url"]; !ok || v != nil {
		t.Fatalf("setup_guide_url = %v", v)
	}
}

func TestTemplateGetIDForms(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	simple := strings.ToUpper(strings.ReplaceAll(TemplateSlackSummaryES, "-", ""))
	for _, id := range []string{TemplateSlackSummaryES, simple, "{" + TemplateSlackSummaryES + "}", "urn:uuid:" + TemplateSlackSummaryES} {
		got := expectJSON(t, c.do("GET", "/v1/workflow/template/"+id, nil), 200)
		if got["id"] != TemplateSlackSummaryES {
			t.Fatalf("%s: id = %v", id, got["id"])
		}
	}
	unknown := "00000000-0000-4000-8000-000000000000"
	expectEnvelope(t, c.do("GET", "/v1/workflow/template/"+unknown, nil), 404, "TEMPLATE_NOT_FOUND", "Template "+unknown+" not found")
	expectDetail(t, c.do("GET", "/v1/workflow/template/abc", nil), `[{"type":"uuid_parsing","loc":["path","template_id"],"msg":"Input should be a valid UUID, invalid length: expected length 32 for simple format, found 3","input":"abc","ctx":{"error":"invalid length: expected length 32 for simple format, found 3"}}]`)
}

func TestParseUUIDErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":                                       "invalid length: expected length 32 for simple format, found 0",
		"!":                                      "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `!` at 1",
		"F9168C5E-CEB2-4faa-B6BF-329BF39FA1E45":  "invalid group length in group 4: expected 12, found 13",
		"F9168C5E-CEB2-4faa-BBF-329BF39FA1E4":    "invalid group length in group 3: expected 4, found 3",
		"F9168C5E-CEB2-4faa-BGBF-329BF39FA1E4":   "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `G` at 21",
		"F9168C5E-CEB2F4faaFB6BFF329BF39FA1E4":   "invalid group count: expected 5, found 2",
		"F9168C5E-CEB2-4faa":                     "invalid group count: expected 5, found 3",
		"{F9168C5E-CEB2-4faa9B6BFF329BF39FA1E41": "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `{` at 1",
		"{00000000000000000000000000000000}":     "invalid group count: expected 5, found 1",
		"67e5504410b1426f9247bb680e5fe0c":        "invalid length: expected length 32 for simple format, found 31",
		"67e5504410b1426f9247bb680e5fe0cg8":      "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `g` at 32",
		"67e550-4105b1426f9247bb680e5fe0c":       "invalid group count: expected 5, found 2",
		"F9168C5E-CEB-24fa-eB6BFF32-BF39FA1E4":   "invalid group length in group 1: expected 4, found 3",
		"\U000bcf3c":                             "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `\U000bcf3c` at 1",
		"urn:uuid:67e55044-10b1-426f-9247-zz":    "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `z` at 34",
	}
	for in, want := range cases {
		id, msg := parseUUID(in)
		if id != "" || msg != want {
			t.Errorf("parseUUID(%q) = %q, %q; want error %q", in, id, msg, want)
		}
	}
	for _, in := range []string{"67e55044-10b1-426f-9247-bb680e5fe0c8", "67E5504410B1426F9247BB680E5FE0C8",
		"urn:uuid:67e55044-10b1-426f-9247-bb680e5fe0c8", "{67e55044-10b1-426f-9247-bb680e5fe0c8}"} {
		if id, msg := parseUUID(in); id != "67e55044-10b1-426f-9247-bb680e5fe0c8" || msg != "" {
			t.Errorf("parseUUID(%q) = %q, %q", in, id, msg)
		}
	}
}

func TestTemplateListPagination(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	var ids []string // oldest first
	for _, name := range []string{"t1", "t2", "t3", "t4", "t5"} {
		ids = append(ids, c.srv.AddTemplate(TemplateSeed{Name: name, Language: "xx"}))
	}
	q := "/v1/workflow/template?language=xx&limit=2"

	p1 := expectJSON(t, c.do("GET", q, nil), 200)
	expectIDs(t, p1, ids[4], ids[3])
	expectPaging(t, p1, true, 1, 3)
	p3 := expectJSON(t, c.do("GET", q+"&page=3", nil), 200)
	expectIDs(t, p3, ids[0])
	expectPaging(t, p3, false, 3, 3)
	past := expectJSON(t, c.do("GET", q+"&page=4", nil), 200)
	expectIDs(t, past)
	expectPaging(t, past, false, 4, 3)

	// after: the next ones in the order; before: the ones just before it.
	a := expectJSON(t, c.do("GET", q+"&after="+ids[3], nil), 200)
	expectIDs(t, a, ids[2], ids[1])
	expectPaging(t, a, true, nil, nil)
	a = expectJSON(t, c.do("GET", q+"&after="+ids[1]+"&page=1", nil), 200) // page ignored
	expectIDs(t, a, ids[0])
	expectPaging(t, a, false, nil, nil)
	b := expectJSON(t, c.do("GET", q+"&before="+ids[0], nil), 200)
	expectIDs(t, b, ids[2], ids[1])
	expectPaging(t, b, true, nil, nil)
	b = expectJSON(t, c.do("GET", q+"&before="+ids[3], nil), 200)
	expectIDs(t, b, ids[4])
	expectPaging(t, b, false, nil, nil)
	// after wins over before.
	expectIDs(t, expectJSON(t, c.do("GET", q+"&after="+ids[4]+"&before="+ids[0], nil), 200), ids[3], ids[2])

	// Ascending.
	asc := expectJSON(t, c.do("GET", q+"&order=asc", nil), 200)
	expectIDs(t, asc, ids[0], ids[1])
	expectIDs(t, expectJSON(t, c.do("GET", q+"&order=asc&after="+ids[1], nil), 200), ids[2], ids[3])
	expectIDs(t, expectJSON(t, c.do("GET", q+"&order=asc&before="+ids[4], nil), 200), ids[2], ids[3])

	// A cursor in another form of the same UUID, one outside the filter,
	// and an unknown one.
	expectIDs(t, expectJSON(t, c.do("GET", q+"&after="+strings.ToUpper(ids[3]), nil), 200), ids[2], ids[1])
	expectIDs(t, expectJSON(t, c.do("GET", "/v1/workflow/template?language=es&after="+ids[0], nil), 200), TemplateHubSpotLookupES, TemplateSlackSummaryES)
	unknown := expectJSON(t, c.do("GET", q+"&after=00000000-0000-4000-8000-000000000000", nil), 200)
	expectIDs(t, unknown)
	expectPaging(t, unknown, false, nil, nil)

	// limit up to 100, default 20.
	expectIDs(t, expectJSON(t, c.do("GET", "/v1/workflow/template?language=xx&limit=100", nil), 200), ids[4], ids[3], ids[2], ids[1], ids[0])
	for i := 6; i <= 25; i++ {
		c.srv.AddTemplate(TemplateSeed{Name: "more", Language: "yy"})
	}
	def := expectJSON(t, c.do("GET", "/v1/workflow/template?language=yy", nil), 200)
	if n := len(dataIDs(t, def)); n != 20 {
		t.Fatalf("default page has %d templates", n)
	}
	expectPaging(t, def, false, 1, 1)
}

func TestTemplateListValidation(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	uuidChar := func(ch string, at int) string {
		return "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `" + ch + "` at " + itoa(at)
	}
	bad, _ := json.Marshal(uuidChar("n", 1))
	expectDetail(t, c.do("GET", "/v1/workflow/template?after=nope&before=12345678-1234-1234-1234-1234567890ab&page=0&limit=101&order=up&flow_category=soon&language=", nil), `[
		{"type":"uuid_parsing","loc":["query","after"],"msg":"Input should be a valid UUID, `+string(bad[1:len(bad)-1])+`","input":"nope","ctx":{"error":`+string(bad)+`}},
		{"type":"greater_than_equal","loc":["query","page"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}},
		{"type":"less_than_equal","loc":["query","limit"],"msg":"Input should be less than or equal to 100","input":"101","ctx":{"le":100}},
		{"type":"literal_error","loc":["query","order"],"msg":"Input should be 'asc' or 'desc'","input":"up","ctx":{"expected":"'asc' or 'desc'"}},
		{"type":"enum","loc":["query","flow_category"],"msg":"Input should be 'post_call', 'during_call', 'pre_call', 'call_launcher' or 'empty'","input":"soon","ctx":{"expected":"'post_call', 'during_call', 'pre_call', 'call_launcher' or 'empty'"}}
	]`)
	expectDetail(t, c.do("GET", "/v1/workflow/template?limit=0&before=1234", nil), `[
		{"type":"uuid_parsing","loc":["query","before"],"msg":"Input should be a valid UUID, invalid length: expected length 32 for simple format, found 4","input":"1234","ctx":{"error":"invalid length: expected length 32 for simple format, found 4"}},
		{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}
	]`)
}

// copyTemplate copies a template (200 expected) and returns the answer.
func (c *apiClient) copyTemplate(id string, body any) map[string]any {
	c.t.Helper()
	return expectJSON(c.t, c.do("POST", "/v1/workflow/template/"+id+"/copy", body), http.StatusOK)
}

func TestTemplateCopyWithVariablesAndConnections(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	const secret = "xoxb-very-secret-token"
	rec := c.do("POST", "/v1/workflow/template/"+TemplateCRMWebhookEN+"/copy", map[string]any{
		"flow_name": "Sync calls",
		"variables": map[string]any{"crm_url": "https://crm.example.com/hook", "crm_api_key": "k123", "slack_channel": "#calls", "unused": 1},
		"connections": []any{
			map[string]any{"key": "slack", "value": secret},
			map[string]any{"key": "not-in-template", "value": "ignored-secret"},
		},
	})
	got := expectJSON(t, rec, 200)
	if strings.Contains(rec.Body.String(), secret) {
		t.Fatal("the answer echoes the secret")
	}
	id := str(got, "flow_id")
	if id == "" || got["flow_name"] != "Sync calls" || got["edit_url"] != "https://app.diga.io/flows/"+id || len(got) != 3 {
		t.Fatalf("copy answer = %v", got)
	}
	mustContain(t, rec.Body.String(), `{"flow_id":"`+id+`","flow_name":"Sync calls","edit_url":`)

	flows := c.srv.Flows(keyA)
	if len(flows) != 1 {
		t.Fatalf("flows = %+v", flows)
	}
	f := flows[0]
	if f.ID != id || f.Name != "Sync calls" || f.Status != statusDisabled || f.Published || f.PublishedTrigger != nil || f.Category != categoryPostCall {
		t.Fatalf("flow = %+v", f)
	}
	conns := c.srv.Connections(keyA)
	if len(conns) != 1 {
		t.Fatalf("connections = %+v", conns)
	}
	conn := conns[0]
	if conn.PieceName != "@activepieces/piece-slack" || conn.DisplayName != "Slack" || conn.Type != "SECRET_TEXT" ||
		conn.Status != connectionActive || !reflect.DeepEqual(conn.Value, map[string]any{"secret_text": secret}) {
		t.Fatalf("connection = %+v", conn)
	}
	if len(c.srv.Flows(keyB)) != 0 || len(c.srv.Connections(keyB)) != 0 {
		t.Fatal("the copy leaked into another project")
	}

	step1 := obj(obj(f.Trigger["nextAction"])["settings"])
	in1 := obj(step1["input"])
	if in1["url"] != "https://crm.example.com/hook" || obj(in1["headers"])["Authorization"] != "Bearer k123" {
		t.Fatalf("http step input = %v", in1)
	}
	in2 := obj(obj(obj(obj(f.Trigger["nextAction"])["nextAction"])["settings"])["input"])
	if in2["channel"] != "#calls" || in2["auth"] != "{{connections['"+conn.ExternalID+"']}}" {
		t.Fatalf("slack step input = %v", in2)
	}
	// Expressions other than placeholders survive; no placeholder is left.
	tree, _ := json.Marshal(f.Trigger)
	if strings.Contains(string(tree), "<<") || !strings.Contains(string(tree), "{{trigger.contact.identifier}}") {
		t.Fatalf("tree = %s", tree)
	}
	if f.Trigger["valid"] != true || obj(f.Trigger["nextAction"])["valid"] != true {
		t.Fatalf("validity not recomputed: %s", tree)
	}

	// GET shows the copy like any flow.
	flow := expectJSON(t, c.do("GET", "/v1/workflow/"+id, nil), 200)
	if flow["status"] != "DISABLED" || flow["flow_category"] != "post_call" || flow["name"] != "Sync calls" {
		t.Fatalf("GET = %v", flow)
	}

	// A second copy reuses (upserts) the connection, with the new value.
	got = c.copyTemplate(TemplateSlackSummaryES, map[string]any{
		"variables":   map[string]any{"agent_id": "agent-7", "slack_channel": "C42"},
		"connections": []any{map[string]any{"key": "slack", "value": "xoxb-rotated"}},
	})
	if got["flow_name"] != "Resumen de llamada en Slack" {
		t.Fatalf("default flow name = %v", got["flow_name"])
	}
	conns = c.srv.Connections(keyA)
	if len(conns) != 1 || conns[0].ID != conn.ID || conns[0].ExternalID != conn.ExternalID || conns[0].Value["secret_text"] != "xoxb-rotated" {
		t.Fatalf("connections after the second copy = %+v", conns)
	}
	second, _ := c.srv.Flow(keyA, str(got, "flow_id"))
	in := obj(obj(obj(second.Trigger["nextAction"])["settings"])["input"])
	if in["auth"] != "{{connections['"+conn.ExternalID+"']}}" || in["channel"] != "C42" ||
		!strings.HasPrefix(str(in, "text"), "Agente agent-7:") {
		t.Fatalf("second copy = %v", second.Trigger)
	}
}

func TestTemplateCopyVariableValues(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	got := c.copyTemplate(TemplateAvailabilityEN, map[string]any{
		"flow_name": "",
		"variables": map[string]any{"booking_api_url": "https://book.example.com", "booking_api_key": true, "timeout_seconds": json.Number("12.50")},
	})
	if got["flow_name"] != "Check appointment availability during the call" {
		t.Fatalf("an empty flow_name should fall back to the template name: %v", got)
	}
	f, _ := c.srv.Flow(keyA, str(got, "flow_id"))
	in := obj(obj(obj(f.Trigger["nextAction"])["settings"])["input"])
	if in["url"] != "https://book.example.com/availability?date={{trigger.arguments.date}}" ||
		obj(in["headers"])["X-Api-Key"] != "true" || in["timeout"] != "12.50" {
		t.Fatalf("input = %v", in)
	}
	if f.Category != categoryDuringCall {
		t.Fatalf("category = %q", f.Category)
	}
	// References to connections the request gives no value for stay as they are.
	got = c.copyTemplate(TemplateSlackSummaryES, map[string]any{"variables": map[string]any{"agent_id": "a", "slack_channel": "c"}})
	f, _ = c.srv.Flow(keyA, str(got, "flow_id"))
	if obj(obj(obj(f.Trigger["nextAction"])["settings"])["input"])["auth"] != "{{connections['slack']}}" || len(c.srv.Connections(keyA)) != 0 {
		t.Fatalf("trigger = %v", f.Trigger)
	}
	// Objects and arrays are not accepted as values.
	expectEnvelope(t, c.do("POST", "/v1/workflow/template/"+TemplateSlackSummaryES+"/copy",
		map[string]any{"variables": map[string]any{"agent_id": []any{1}, "slack_channel": "c"}}),
		400, "INVALID_TEMPLATE", "Template variable agent_id must be a string, number or boolean")
}

func TestTemplateCopyMissingVariables(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	path := "/v1/workflow/template/" + TemplateCRMWebhookEN + "/copy"
	expectEnvelope(t, c.do("POST", path, map[string]any{
		"variables":   map[string]any{"crm_url": "https://x", "slack_channel": nil},
		"connections": []any{map[string]any{"key": "slack", "value": "xoxb-1"}},
	}), 400, "INVALID_TEMPLATE", "Missing template variables: crm_api_key, slack_channel")
	// Without a body every variable is missing.
	expectEnvelope(t, c.do("POST", path, nil), 400, "INVALID_TEMPLATE", "Missing template variables: crm_api_key, crm_url, slack_channel")
	expectEnvelope(t, c.do("POST", path, "null"), 400, "INVALID_TEMPLATE", "Missing template variables: crm_api_key, crm_url, slack_channel")
	if len(c.srv.Flows(keyA)) != 0 || len(c.srv.Connections(keyA)) != 0 {
		t.Fatal("a refused copy created something")
	}
}

func TestTemplateCopyWithoutBody(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := c.srv.AddTemplate(TemplateSeed{
		Name: "Launch calls", Language: "en", Description: "No placeholders.",
		Trigger: map[string]any{
			"name": "trigger", "type": "PIECE_TRIGGER", "displayName": "Webhook",
			"settings": map[string]any{"pieceName": "@activepieces/piece-webhook", "triggerName": "catch_webhook"},
			"nextAction": map[string]any{"name": "step_1", "type": "PIECE", "displayName": "Call",
				"settings": map[string]any{"pieceName": "@diga/piece-diga", "actionName": "make_call", "input": map[string]any{"retries": 2}}},
		},
	})
	tpl := expectJSON(t, c.do("GET", "/v1/workflow/template/"+id, nil), 200)
	if tpl["flow_category"] != "call_launcher" || !reflect.DeepEqual(tpl["variables"], []any{}) || tpl["connections"] != nil {
		t.Fatalf("template = %v", tpl)
	}
	for _, body := range []any{nil, "null", map[string]any{}, map[string]any{"flow_name": nil, "variables": nil, "connections": nil}} {
		got := c.copyTemplate(id, body)
		if got["flow_name"] != "Launch calls" {
			t.Fatalf("body %v: %v", body, got)
		}
		f, ok := c.srv.Flow(keyA, str(got, "flow_id"))
		if !ok || f.Category != categoryCallLauncher || f.Status != statusDisabled || f.Published {
			t.Fatalf("flow = %+v", f)
		}
		// Numbers survive the copy unchanged.
		if n := obj(obj(obj(f.Trigger["nextAction"])["settings"])["input"])["retries"]; n != 2.0 {
			t.Fatalf("retries = %v", n)
		}
	}
	if n := len(c.srv.Flows(keyA)); n != 4 {
		t.Fatalf("%d flows", n)
	}
}

func TestTemplateCopyErrors(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	unknown := "00000000-0000-4000-8000-000000000000"
	expectEnvelope(t, c.do("POST", "/v1/workflow/template/"+unknown+"/copy", nil), 404, "TEMPLATE_NOT_FOUND", "Template "+unknown+" not found")
	expectEnvelope(t, c.as("").do("POST", "/v1/workflow/template/"+unknown+"/copy", nil), 401, "INVALID_API_KEY", "")

	// Path and body errors come together; secrets are redacted.
	const secret = "super-secret-value"
	rec := c.do("POST", "/v1/workflow/template/123/copy", map[string]any{
		"flow_name": 5,
		"variables": []any{},
		"connections": []any{
			map[string]any{"key": "slack"},
			map[string]any{"value": secret},
			map[string]any{"key": 7, "value": 8},
			secret,
		},
	})
	if strings.Contains(rec.Body.String(), secret) {
		t.Fatalf("422 echoes the secret: %s", rec.Body.String())
	}
	expectDetail(t, rec, `[
		{"type":"uuid_parsing","loc":["path","template_id"],"msg":"Input should be a valid UUID, invalid length: expected length 32 for simple format, found 3","input":"123","ctx":{"error":"invalid length: expected length 32 for simple format, found 3"}},
		{"type":"string_type","loc":["body","flow_name"],"msg":"Input should be a valid string","input":5},
		{"type":"dict_type","loc":["body","variables"],"msg":"Input should be a valid dictionary","input":[]},
		{"type":"missing","loc":["body","connections",0,"value"],"msg":"Field required","input":{"key":"slack"}},
		{"type":"missing","loc":["body","connections",1,"key"],"msg":"Field required","input":{"value":"[REDACTED]"}},
		{"type":"string_type","loc":["body","connections",2,"key"],"msg":"Input should be a valid string","input":7},
		{"type":"string_type","loc":["body","connections",2,"value"],"msg":"Input should be a valid string","input":"[REDACTED]"},
		{"type":"model_attributes_type","loc":["body","connections",3],"msg":"Input should be a valid dictionary or object to extract fields from","input":"[REDACTED]"}
	]`)
	expectDetail(t, c.do("POST", "/v1/workflow/template/"+TemplateSlackSummaryES+"/copy", map[string]any{"connections": map[string]any{"slack": secret}}),
		`[{"type":"list_type","loc":["body","connections"],"msg":"Input should be a valid list","input":"[REDACTED]"}]`)
	expectDetail(t, c.do("POST", "/v1/workflow/template/"+TemplateSlackSummaryES+"/copy", `["x"]`),
		`[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"[REDACTED]"}]`)
	// Malformed JSON is reported alone, before the path is validated.
	expectDetail(t, c.do("POST", "/v1/workflow/template/xyz/copy", `{"flow_name":`),
		`[{"type":"json_invalid","loc":["body",13],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]`)

	// A template whose tree does not validate cannot be copied.
	bad := c.srv.AddTemplate(TemplateSeed{Name: "broken", Trigger: map[string]any{
		"type": "PIECE_TRIGGER", "settings": map[string]any{"pieceName": "p", "triggerName": "t"},
		"nextAction": map[string]any{"name": "s", "type": "BOGUS", "displayName": "<<label>>"},
	}})
	expectEnvelope(t, c.do("POST", "/v1/workflow/template/"+bad+"/copy", map[string]any{"variables": map[string]any{"label": "x"}}),
		400, "INVALID_TEMPLATE", "Template "+bad+" is invalid: Input should be 'PIECE', 'CODE', 'LOOP_ON_ITEMS' or 'ROUTER' at template.trigger.nextAction.type")
	if len(c.srv.Flows(keyA)) != 0 {
		t.Fatal("a refused copy created a flow")
	}
}

func TestAddTemplate(t *testing.T) {
	t.Parallel()
	s := New(WithAPIKeys(keyA))
	id := s.AddTemplate(TemplateSeed{ID: "ABCDEF00-0000-4000-8000-000000000001", Name: "x"})
	if id != "abcdef00-0000-4000-8000-000000000001" {
		t.Fatalf("id = %q", id)
	}
	// Derived ids are deterministic and valid UUIDs.
	a := New().AddTemplate(TemplateSeed{Name: "same"})
	b := New().AddTemplate(TemplateSeed{Name: "same"})
	if canon, msg := parseUUID(a); a != b || canon != a || msg != "" {
		t.Fatalf("derived ids %q %q", a, b)
	}
	for _, seed := range []TemplateSeed{
		{ID: id},           // duplicate
		{ID: "not-a-uuid"}, // invalid
		{Trigger: map[string]any{"f": func() {}}}, // not JSON
		{ID: TemplateSlackSummaryES},              // a built-in id
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddTemplate(%+v) did not panic", seed)
				}
			}()
			s.AddTemplate(seed)
		}()
	}
	// The seed's trigger is copied: later changes to it do not leak in.
	trig := map[string]any{"type": "EMPTY", "displayName": "<<a>>"}
	id2 := s.AddTemplate(TemplateSeed{Name: "copy", Language: "en", Trigger: trig})
	trig["displayName"] = "<<b>>"
	body := (&apiClient{t: t, srv: s, key: keyA}).do("GET", "/v1/workflow/template/"+id2, nil).Body.String()
	mustContain(t, body, `"variables":["a"]`)
	mustContain(t, body, `"flow_category":"empty"`)
}
