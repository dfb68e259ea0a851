package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// expectList checks status and Content-Type and decodes a bare JSON array.
func expectList(t *testing.T, rec *httptest.ResponseRecorder, status int) []map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var list []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || list == nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
	return list
}

func names(list []map[string]any) []string {
	out := []string{}
	for _, m := range list {
		out = append(out, str(m, "name"))
	}
	return out
}

func expectPieces(t *testing.T, c *apiClient, target string, want ...string) []map[string]any {
	t.Helper()
	list := expectList(t, c.do("GET", target, nil), http.StatusOK)
	if want == nil {
		want = []string{}
	}
	if got := names(list); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: pieces = %v, want %v", target, got, want)
	}
	return list
}

const (
	pieceDiga     = "@diga/piece-diga"
	pieceGmail    = "@activepieces/piece-gmail"
	pieceCalendar = "@activepieces/piece-google-calendar"
	pieceSheets   = "@activepieces/piece-google-sheets"
	pieceHTTP     = "@activepieces/piece-http"
	pieceHubSpot  = "@activepieces/piece-hubspot"
	pieceOpenAI   = "@activepieces/piece-openai"
	pieceSlack    = "@activepieces/piece-slack"
)

// allPieces is the whole catalogue in list order (by displayName).
var allPieces = []string{pieceDiga, pieceGmail, pieceCalendar, pieceSheets, pieceHTTP, pieceHubSpot, pieceOpenAI, pieceSlack}

func TestPiecesArePublic(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for _, key := range []string{"", "not-a-key", keyA} {
		expectPieces(t, c.as(key), "/v1/workflow/piece", allPieces...)
		got := expectJSON(t, c.as(key).do("GET", "/v1/workflow/piece/"+pieceSlack, nil), http.StatusOK)
		if got["name"] != pieceSlack {
			t.Fatalf("piece = %v", got)
		}
		expectEnvelope(t, c.as(key).do("GET", "/v1/workflow/piece/@activepieces/piece-nope", nil), 404, "PIECE_NOT_FOUND", "Piece @activepieces/piece-nope not found")
	}
	// Requests are recorded with the credential they presented.
	recs := c.srv.Requests()
	if len(recs) != 9 || recs[3].APIKey != "not-a-key" || recs[3].Status != 200 {
		t.Fatalf("records = %+v", recs)
	}
}

func TestPieceSummaryShape(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	rec := c.do("GET", "/v1/workflow/piece?search=diga", nil)
	list := expectPieces(t, c, "/v1/workflow/piece?search=diga", pieceDiga)
	p := list[0]
	if p["actions"] != 3.0 || p["triggers"] != 3.0 || p["suggestedActions"] != nil || p["suggestedTriggers"] != nil {
		t.Fatalf("summary = %v", p)
	}
	if !reflect.DeepEqual(p["categories"], []any{"COMMUNICATION", "AI"}) || p["pieceType"] != "CUSTOM" || p["auth"] != nil ||
		p["minimumSupportedRelease"] != "0.0.0" || p["maximumSupportedRelease"] != "99999.99999.9999" {
		t.Fatalf("summary = %v", p)
	}
	body := rec.Body.String()
	last := -1
	for _, k := range []string{"id", "name", "displayName", "logoUrl", "description", "version", "authors", "categories", "auth",
		"actions", "triggers", "suggestedActions", "suggestedTriggers", "projectUsage", "pieceType", "packageType",
		"platformId", "archiveId", "minimumSupportedRelease", "maximumSupportedRelease", "tags", "created", "updated"} {
		i := strings.Index(body, `"`+k+`":`)
		if i < 0 || i < last {
			t.Fatalf("key %s missing or out of model order in %s", k, body)
		}
		last = i
	}
	// Slack offers two auths (a list of PieceAuthProperty); OpenAI one
	// CUSTOM_AUTH with nested props; both declare their minimum release.
	slack := expectPieces(t, c, "/v1/workflow/piece?search=Slack", pieceSlack)[0]
	auths, _ := slack["auth"].([]any)
	if len(auths) != 2 || obj(auths[0])["type"] != "OAUTH2" ||
		!strings.HasPrefix(str(obj(auths[0]), "authUrl"), "https://slack.com/oauth/v2/authorize") ||
		obj(auths[1])["type"] != "CUSTOM_AUTH" || obj(obj(obj(auths[1])["props"])["botToken"])["type"] != "SECRET_TEXT" ||
		slack["version"] != "0.17.9" || slack["minimumSupportedRelease"] != "0.86.4" {
		t.Fatalf("slack = %v", slack)
	}
	openai := expectPieces(t, c, "/v1/workflow/piece?search=chatgpt", pieceOpenAI)[0]
	auth := obj(openai["auth"])
	apiKey := obj(obj(auth["props"])["apiKey"])
	if auth["type"] != "CUSTOM_AUTH" || auth["required"] != true || apiKey["type"] != "SECRET_TEXT" || apiKey["required"] != true {
		t.Fatalf("openai auth = %v", auth)
	}
}

func TestPieceFilters(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	// search: case-insensitive substring of name, displayName, description.
	expectPieces(t, c, "/v1/workflow/piece?search=SLACK", pieceSlack)
	expectPieces(t, c, "/v1/workflow/piece?search=activepieces%2Fpiece-h", pieceHTTP, pieceHubSpot)
	expectPieces(t, c, "/v1/workflow/piece?search=google", pieceCalendar, pieceSheets)
	expectPieces(t, c, "/v1/workflow/piece?search=chatgpt", pieceOpenAI)
	expectPieces(t, c, "/v1/workflow/piece?search=nothing-like-this")
	expectPieces(t, c, "/v1/workflow/piece?search=", allPieces...)

	// categories: repeated, any of them.
	expectPieces(t, c, "/v1/workflow/piece?categories=AI", pieceDiga, pieceOpenAI)
	expectPieces(t, c, "/v1/workflow/piece?categories=AI&categories=SALES_AND_CRM", pieceDiga, pieceHubSpot, pieceOpenAI)
	expectPieces(t, c, "/v1/workflow/piece?categories=PRODUCTIVITY", pieceGmail, pieceCalendar, pieceSheets)
	expectPieces(t, c, "/v1/workflow/piece?categories=COMMERCE")
	expectPieces(t, c, "/v1/workflow/piece?categories=COMMUNICATION&search=mail", pieceGmail)

	// suggestion_type: pieces offering that kind, with the matching
	// operations listed.
	list := expectPieces(t, c, "/v1/workflow/piece?suggestion_type=TRIGGER", pieceDiga, pieceGmail, pieceCalendar, pieceSheets, pieceSlack)
	if list[0]["suggestedActions"] != nil || len(list[0]["suggestedTriggers"].([]any)) != 3 {
		t.Fatalf("diga = %v", list[0])
	}
	list = expectPieces(t, c, "/v1/workflow/piece?suggestion_type=ACTION&search=add_contact", pieceHubSpot)
	want := []any{map[string]any{"name": "add_contact_to_list", "displayName": "Add contact To List", "description": "Add contact to list"}}
	if !reflect.DeepEqual(list[0]["suggestedActions"], want) || list[0]["suggestedTriggers"] != nil {
		t.Fatalf("hubspot = %v", list[0])
	}
	// "call" is in Diga's description (all its operations) and in the
	// Custom API Call actions of OpenAI and Slack.
	list = expectPieces(t, c, "/v1/workflow/piece?suggestion_type=ACTION_AND_TRIGGER&search=call", pieceDiga, pieceOpenAI, pieceSlack)
	if len(list[0]["suggestedActions"].([]any)) != 3 || len(list[0]["suggestedTriggers"].([]any)) != 3 ||
		len(list[1]["suggestedActions"].([]any)) != 1 || len(list[1]["suggestedTriggers"].([]any)) != 0 {
		t.Fatalf("diga, openai = %v", list[:2])
	}
	expectPieces(t, c, "/v1/workflow/piece?suggestion_type=TRIGGER&categories=AI", pieceDiga)
	expectPieces(t, c, "/v1/workflow/piece?suggestion_type=TRIGGER&categories=DEVELOPMENT")
}

func TestPieceQueryValidation(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	cats := `"'AI', 'COMMUNICATION', 'SALES_AND_CRM', 'MARKETING', 'PRODUCTIVITY', 'COMMERCE' or 'DEVELOPMENT'"`
	expectDetail(t, c.as("").do("GET", "/v1/workflow/piece?categories=AI&categories=ai&suggestion_type=BOTH&categories=CRM", nil), `[
		{"type":"enum","loc":["query","suggestion_type"],"msg":"Input should be 'ACTION', 'TRIGGER' or 'ACTION_AND_TRIGGER'","input":"BOTH","ctx":{"expected":"'ACTION', 'TRIGGER' or 'ACTION_AND_TRIGGER'"}},
		{"type":"enum","loc":["query","categories",1],"msg":"Input should be `+cats[1:len(cats)-1]+`","input":"ai","ctx":{"expected":`+cats+`}},
		{"type":"enum","loc":["query","categories",2],"msg":"Input should be `+cats[1:len(cats)-1]+`","input":"CRM","ctx":{"expected":`+cats+`}}
	]`)
}

// propOf returns a detail's action (or trigger) prop.
func propOf(t *testing.T, detail map[string]any, kind, op, prop string) map[string]any {
	t.Helper()
	o := obj(obj(detail[kind])[op])
	if o == nil {
		t.Fatalf("%s has no %s %s", detail["name"], kind, op)
	}
	p := obj(obj(o["props"])[prop])
	if p == nil {
		t.Fatalf("%s %s has no prop %s: %v", detail["name"], op, prop, o["props"])
	}
	return p
}

// expectProp checks a prop's required flag and its defaultValue: want nil
// means the key must be absent.
func expectProp(t *testing.T, detail map[string]any, kind, op, prop, typ string, required bool, want any) {
	t.Helper()
	p := propOf(t, detail, kind, op, prop)
	got, has := p["defaultValue"]
	if p["required"] != required || p["type"] != typ || has != (want != nil) || (want != nil && !reflect.DeepEqual(got, want)) {
		t.Fatalf("%s %s.%s = %v, want %s required=%v default %#v", detail["name"], op, prop, p, typ, required, want)
	}
}

func TestPieceDetail(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	encoded := expectJSON(t, c.do("GET", "/v1/workflow/piece/@activepieces%2Fpiece-slack", nil), http.StatusOK)
	fully := expectJSON(t, c.do("GET", "/v1/workflow/piece/%40activepieces%2Fpiece-slack", nil), http.StatusOK)
	raw := expectJSON(t, c.do("GET", "/v1/workflow/piece/@activepieces/piece-slack", nil), http.StatusOK)
	if !reflect.DeepEqual(encoded, raw) || !reflect.DeepEqual(fully, raw) {
		t.Fatalf("encoded and raw forms differ:\n%v\n%v", encoded, raw)
	}
	actions := obj(raw["actions"])
	send := obj(actions["send_channel_message"])
	if len(actions) != 72 || send["name"] != "send_channel_message" || send["requireAuth"] != true {
		t.Fatalf("actions = %v", actions)
	}
	// Activepieces-style props: required, type, and defaultValue only where
	// the property has one ([], false, "" and 0 are defaults; absent is none).
	expectProp(t, raw, "actions", "send_channel_message", "channel", "DROPDOWN", true, nil)
	expectProp(t, raw, "actions", "send_channel_message", "text", "LONG_TEXT", false, nil)
	expectProp(t, raw, "actions", "send_channel_message", "sendAsBot", "CHECKBOX", true, true)
	expectProp(t, raw, "actions", "send_channel_message", "blocks", "JSON", false, []any{})
	expectProp(t, raw, "actions", "send_channel_message", "mentionOriginFlow", "CHECKBOX", false, false)
	trig := obj(obj(raw["triggers"])["new-message"])
	if sample, has := trig["sampleData"]; trig["type"] != "APP_WEBHOOK" || trig["testStrategy"] != "SIMULATION" || !has || sample != nil {
		t.Fatalf("triggers = %v", raw["triggers"])
	}
	expectProp(t, raw, "triggers", "new-message", "ignoreBots", "CHECKBOX", true, false)
	if _, ok := raw["suggestedActions"]; ok {
		t.Fatal("the detail has summary-only keys")
	}

	gmail := expectJSON(t, c.do("GET", "/v1/workflow/piece/@activepieces%2Fpiece-gmail", nil), http.StatusOK)
	expectProp(t, gmail, "triggers", "gmail_new_email_received", "subject", "SHORT_TEXT", false, "")
	// A package of the older framework: no piece auth, an OAUTH2 prop instead.
	expectProp(t, gmail, "actions", "send_email", "authentication", "OAUTH2", true, nil)
	if gmail["auth"] != nil || obj(obj(gmail["triggers"])["gmail_new_email_received"])["testStrategy"] != nil {
		t.Fatalf("gmail = %v", gmail)
	}
	openai := expectJSON(t, c.do("GET", "/v1/workflow/piece/@activepieces%2Fpiece-openai", nil), http.StatusOK)
	expectProp(t, openai, "actions", "ask_chatgpt", "model", "DROPDOWN", true, "gpt-3.5-turbo")
	expectProp(t, openai, "actions", "ask_chatgpt", "maxTokens", "NUMBER", true, 2048.0)
	expectProp(t, openai, "actions", "ask_chatgpt", "frequencyPenalty", "NUMBER", false, 0.0)
	expectProp(t, openai, "actions", "ask_chatgpt", "prompt", "LONG_TEXT", true, nil)

	diga := expectJSON(t, c.do("GET", "/v1/workflow/piece/@diga%2Fpiece-diga", nil), http.StatusOK)
	var trigNames, actionNames []string
	for name := range obj(diga["triggers"]) {
		trigNames = append(trigNames, name)
	}
	for name := range obj(diga["actions"]) {
		actionNames = append(actionNames, name)
	}
	sort.Strings(trigNames)
	sort.Strings(actionNames)
	if !reflect.DeepEqual(trigNames, []string{"call_finished", "function_call", "pre_call"}) ||
		!reflect.DeepEqual(actionNames, []string{"make_call", "return_call_data", "return_response"}) ||
		obj(obj(diga["actions"])["make_call"])["displayName"] != "Make Call" ||
		obj(obj(diga["actions"])["make_call"])["requireAuth"] != false || len(obj(obj(obj(diga["triggers"])["call_finished"])["props"])) != 0 {
		t.Fatalf("diga = %v", diga)
	}
	expectProp(t, diga, "triggers", "pre_call", "timeout", "NUMBER", false, 30.0)
	expectProp(t, diga, "triggers", "pre_call", "abort_on_failure", "CHECKBOX", false, false)
	expectProp(t, diga, "triggers", "function_call", "function_name", "SHORT_TEXT", true, nil)
	expectProp(t, diga, "triggers", "function_call", "description", "LONG_TEXT", true, nil)
	expectProp(t, diga, "triggers", "function_call", "parameters", "ARRAY", true, nil)
	expectProp(t, diga, "triggers", "function_call", "execution_mode", "STATIC_DROPDOWN", false, "synchronous")

	http1 := expectJSON(t, c.do("GET", "/v1/workflow/piece/@activepieces%2Fpiece-http", nil), http.StatusOK)
	if len(obj(http1["triggers"])) != 0 || http1["auth"] != nil {
		t.Fatalf("http = %v", http1)
	}
	expectProp(t, http1, "actions", "send_request", "url", "SHORT_TEXT", true, nil)
	expectProp(t, http1, "actions", "send_request", "headers", "OBJECT", true, nil)
	expectProp(t, http1, "actions", "send_request", "authType", "STATIC_DROPDOWN", true, "NONE")
	expectProp(t, http1, "actions", "send_request", "body", "DYNAMIC", false, nil)
	eho := obj(obj(obj(http1["actions"])["send_request"])["errorHandlingOptions"])
	if obj(eho["retryOnFailure"])["hide"] != true {
		t.Fatalf("send_request errorHandlingOptions = %v", eho)
	}

	// Unknown names (case matters), and the router around the path parameter.
	expectEnvelope(t, c.do("GET", "/v1/workflow/piece/@activepieces%2FPiece-Slack", nil), 404, "PIECE_NOT_FOUND", "Piece @activepieces/Piece-Slack not found")
	expectEnvelope(t, c.do("GET", "/v1/workflow/piece/piece-slack", nil), 404, "PIECE_NOT_FOUND", "Piece piece-slack not found")
	for target, location := range map[string]string{
		"/v1/workflow/piece/@activepieces/piece-slack/": "http://example.com/v1/workflow/piece/@activepieces/piece-slack",
		"/v1/workflow/piece/":                           "http://example.com/v1/workflow/piece",
	} {
		rec := c.do("GET", target, nil)
		if rec.Code != http.StatusTemporaryRedirect || rec.Header().Get("Location") != location {
			t.Fatalf("%s: %d %q", target, rec.Code, rec.Header().Get("Location"))
		}
	}
	rec := c.do("POST", "/v1/workflow/piece/@activepieces/piece-slack", map[string]any{})
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET" {
		t.Fatalf("POST: %d %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// TestPieceDetailKeepsPackageOrder: props, actions and triggers come out in
// the order the package defines them, as Activepieces serves them.
func TestPieceDetailKeepsPackageOrder(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	body := c.do("GET", "/v1/workflow/piece/@diga%2Fpiece-diga", nil).Body.String()
	last := -1
	for _, k := range []string{`"make_call":`, `"return_response":`, `"return_call_data":`, `"pre_call":`, `"timeout":`, `"abort_on_failure":`, `"call_finished":`, `"function_call":`} {
		i := strings.Index(body, k)
		if i < 0 || i < last {
			t.Fatalf("%s missing or out of the package's order in %s", k, body)
		}
		last = i
	}
}

// TestPieceDetailOverTheWire checks the percent-encoded name through a real
// HTTP server, the way clients escape it (url.PathEscape).
func TestPieceDetailOverTheWire(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(New())
	defer srv.Close()
	for _, path := range []string{"/v1/workflow/piece/@activepieces%2Fpiece-gmail", "/v1/workflow/piece/%40activepieces%2Fpiece-gmail", "/v1/workflow/piece/@activepieces/piece-gmail"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"name":"@activepieces/piece-gmail"`) {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
}
