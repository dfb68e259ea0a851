package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
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
	pieceDiga    = "@diga/piece-diga"
	pieceGmail   = "@activepieces/piece-gmail"
	pieceHTTP    = "@activepieces/piece-http"
	pieceHubSpot = "@activepieces/piece-hubspot"
	pieceOpenAI  = "@activepieces/piece-openai"
	pieceSlack   = "@activepieces/piece-slack"
)

func TestPiecesArePublic(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for _, key := range []string{"", "not-a-key", keyA} {
		expectPieces(t, c.as(key), "/v1/workflow/piece", pieceDiga, pieceGmail, pieceHTTP, pieceHubSpot, pieceOpenAI, pieceSlack)
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
	if p["actions"] != 1.0 || p["triggers"] != 3.0 || p["suggestedActions"] != nil || p["suggestedTriggers"] != nil {
		t.Fatalf("summary = %v", p)
	}
	if !reflect.DeepEqual(p["categories"], []any{"COMMUNICATION", "AI"}) || p["pieceType"] != "CUSTOM" || p["auth"] != nil {
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
	slack := expectPieces(t, c, "/v1/workflow/piece?search=Slack", pieceSlack)[0]
	auth := obj(slack["auth"])
	if auth["type"] != "OAUTH2" || auth["authUrl"] != "https://slack.com/oauth/v2/authorize" {
		t.Fatalf("slack auth = %v", auth)
	}
}

func TestPieceFilters(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	// search: case-insensitive substring of name, displayName, description.
	expectPieces(t, c, "/v1/workflow/piece?search=SLACK", pieceSlack)
	expectPieces(t, c, "/v1/workflow/piece?search=activepieces%2Fpiece-h", pieceHTTP, pieceHubSpot)
	expectPieces(t, c, "/v1/workflow/piece?search=crm", pieceHubSpot)
	expectPieces(t, c, "/v1/workflow/piece?search=nothing-like-this")
	expectPieces(t, c, "/v1/workflow/piece?search=", pieceDiga, pieceGmail, pieceHTTP, pieceHubSpot, pieceOpenAI, pieceSlack)

	// categories: repeated, any of them.
	expectPieces(t, c, "/v1/workflow/piece?categories=AI", pieceDiga, pieceOpenAI)
	expectPieces(t, c, "/v1/workflow/piece?categories=AI&categories=SALES_AND_CRM", pieceDiga, pieceHubSpot, pieceOpenAI)
	expectPieces(t, c, "/v1/workflow/piece?categories=COMMERCE")
	expectPieces(t, c, "/v1/workflow/piece?categories=COMMUNICATION&search=mail", pieceGmail)

	// suggestion_type: pieces offering that kind, with the matching
	// operations listed.
	list := expectPieces(t, c, "/v1/workflow/piece?suggestion_type=TRIGGER", pieceDiga, pieceGmail, pieceHubSpot, pieceSlack)
	if list[0]["suggestedActions"] != nil || len(list[0]["suggestedTriggers"].([]any)) != 3 {
		t.Fatalf("diga = %v", list[0])
	}
	list = expectPieces(t, c, "/v1/workflow/piece?suggestion_type=ACTION&search=deal", pieceHubSpot)
	want := []any{map[string]any{"name": "create_deal", "displayName": "Create Deal", "description": "Creates a new deal in HubSpot"}}
	if !reflect.DeepEqual(list[0]["suggestedActions"], want) || list[0]["suggestedTriggers"] != nil {
		t.Fatalf("hubspot = %v", list[0])
	}
	list = expectPieces(t, c, "/v1/workflow/piece?suggestion_type=ACTION_AND_TRIGGER&search=call", pieceDiga)
	if len(list[0]["suggestedActions"].([]any)) != 1 || len(list[0]["suggestedTriggers"].([]any)) != 3 {
		t.Fatalf("diga = %v", list[0])
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
	if len(actions) != 2 || send["name"] != "send_channel_message" || send["requireAuth"] != true ||
		obj(obj(send["props"])["channel"])["required"] != true {
		t.Fatalf("actions = %v", actions)
	}
	trig := obj(obj(raw["triggers"])["new_message"])
	if trig["type"] != "APP_WEBHOOK" || trig["sampleData"] == nil {
		t.Fatalf("triggers = %v", raw["triggers"])
	}
	if _, ok := raw["suggestedActions"]; ok {
		t.Fatal("the detail has summary-only keys")
	}

	diga := expectJSON(t, c.do("GET", "/v1/workflow/piece/@diga%2Fpiece-diga", nil), http.StatusOK)
	var trigNames []string
	for name := range obj(diga["triggers"]) {
		trigNames = append(trigNames, name)
	}
	if len(trigNames) != 3 || obj(diga["triggers"])["call_finished"] == nil || obj(diga["triggers"])["function_call"] == nil ||
		obj(diga["triggers"])["pre_call"] == nil || obj(obj(diga["actions"])["make_call"])["displayName"] != "Make Call" {
		t.Fatalf("diga = %v", diga)
	}
	http1 := expectJSON(t, c.do("GET", "/v1/workflow/piece/@activepieces%2Fpiece-http", nil), http.StatusOK)
	if len(obj(http1["triggers"])) != 0 || http1["auth"] != nil {
		t.Fatalf("http = %v", http1)
	}
	// Activepieces-style props: required, type, and defaultValue only where
	// the property has one ({} is a default, absent is none).
	httpProps := obj(obj(obj(http1["actions"])["send_request"])["props"])
	headers, url := obj(httpProps["headers"]), obj(httpProps["url"])
	if headers["required"] != true || headers["type"] != "OBJECT" || !reflect.DeepEqual(headers["defaultValue"], map[string]any{}) {
		t.Fatalf("headers = %v, want required OBJECT with the default {}", headers)
	}
	if _, has := url["defaultValue"]; has || url["required"] != true {
		t.Fatalf("url = %v, want required without defaultValue", url)
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
