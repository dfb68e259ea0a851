package emulator

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// upsert posts a connection, checks that the answer never carries the
// secret nor a value key, and returns it.
func (c *apiClient) upsert(body map[string]any, secret string) map[string]any {
	c.t.Helper()
	rec := c.do("POST", "/v1/workflow/connections", body)
	got := expectJSON(c.t, rec, http.StatusOK)
	if secret != "" && strings.Contains(rec.Body.String(), secret) {
		c.t.Fatalf("the answer echoes the secret: %s", rec.Body.String())
	}
	if _, ok := got["value"]; ok || len(got) != 5 {
		c.t.Fatalf("connection answer = %v", got)
	}
	return got
}

func connBody(piece, display, typ string, value map[string]any) map[string]any {
	b := map[string]any{"piece_name": piece, "display_name": display, "type": typ}
	if value != nil {
		b["value"] = value
	}
	return b
}

func TestConnectionUpsertIsIdempotent(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	if list := expectList(t, c.do("GET", "/v1/workflow/connections", nil), 200); len(list) != 0 {
		t.Fatalf("list = %v", list)
	}
	mustContain(t, c.do("GET", "/v1/workflow/connections", nil).Body.String(), "[]")

	rec := c.do("POST", "/v1/workflow/connections", connBody("@activepieces/piece-slack", "Sales alerts", "SECRET_TEXT", map[string]any{"secret_text": "xoxb-first-secret"}))
	first := expectJSON(t, rec, 200)
	// Model order.
	mustContain(t, rec.Body.String(), `{"id":"`+str(first, "id")+`","external_id":"`+str(first, "external_id")+`","display_name":"Sales alerts","piece_name":"@activepieces/piece-slack","status":"ACTIVE"}`)
	if !strings.HasPrefix(str(first, "external_id"), "sales-alerts_") || len(str(first, "external_id")) != len("sales-alerts_")+6 || len(str(first, "id")) != 21 {
		t.Fatalf("ids = %v", first)
	}
	if strings.Contains(rec.Body.String(), "xoxb-first-secret") {
		t.Fatal("the answer echoes the secret")
	}

	again := c.upsert(connBody("@activepieces/piece-slack", "Sales alerts", "SECRET_TEXT", map[string]any{"secret_text": "xoxb-second-secret", "extra": 1}), "xoxb-second-secret")
	if !reflect.DeepEqual(again, first) {
		t.Fatalf("upsert changed the connection: %v, first %v", again, first)
	}
	conns := c.srv.Connections(keyA)
	if len(conns) != 1 || conns[0].ID != str(first, "id") || conns[0].ExternalID != str(first, "external_id") ||
		!reflect.DeepEqual(conns[0].Value, map[string]any{"secret_text": "xoxb-second-secret", "extra": 1.0}) ||
		conns[0].Type != "SECRET_TEXT" || conns[0].Status != "ACTIVE" || conns[0].Updated.Before(conns[0].Created) {
		t.Fatalf("connections = %+v", conns)
	}

	// Another display name or another piece is another connection; the
	// list is newest first.
	other := c.upsert(connBody("@activepieces/piece-slack", "Support", "SECRET_TEXT", map[string]any{"secret_text": "xoxb-3"}), "xoxb-3")
	third := c.upsert(connBody("piece-slack", "Sales alerts", "NO_AUTH", nil), "")
	if other["id"] == first["id"] || third["id"] == first["id"] || third["status"] != "ACTIVE" {
		t.Fatalf("ids %v %v %v", first, other, third)
	}
	list := expectList(t, c.do("GET", "/v1/workflow/connections", nil), 200)
	if len(list) != 3 || list[0]["id"] != third["id"] || list[1]["id"] != other["id"] || list[2]["id"] != first["id"] {
		t.Fatalf("list = %v", list)
	}
	if !reflect.DeepEqual(list[2], first) {
		t.Fatalf("listed %v, upserted %v", list[2], first)
	}
	snaps := c.srv.Connections(keyA)
	if len(snaps) != 3 || snaps[0].ID != str(third, "id") || snaps[2].ID != str(first, "id") || snaps[0].Value != nil {
		t.Fatalf("snapshots = %+v", snaps)
	}

	// Projects are separate.
	if list := expectList(t, c.as(keyB).do("GET", "/v1/workflow/connections", nil), 200); len(list) != 0 || c.srv.Connections(keyB) != nil {
		t.Fatalf("key B sees %v", list)
	}
	b := c.as(keyB).upsert(connBody("@activepieces/piece-slack", "Sales alerts", "SECRET_TEXT", map[string]any{"secret_text": "xoxb-b"}), "xoxb-b")
	if b["id"] == first["id"] {
		t.Fatal("projects share connections")
	}
	expectEnvelope(t, c.as("").do("GET", "/v1/workflow/connections", nil), 401, "INVALID_API_KEY", "")
	expectEnvelope(t, c.as("bad").do("POST", "/v1/workflow/connections", connBody("p", "d", "NO_AUTH", nil)), 401, "INVALID_API_KEY", "")
}

func TestConnectionStatus(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	// No value: ERROR, except for NO_AUTH.
	got := c.upsert(connBody("@activepieces/piece-openai", "OpenAI", "SECRET_TEXT", nil), "")
	if got["status"] != "ERROR" {
		t.Fatalf("no value: %v", got)
	}
	if got := c.upsert(connBody("@activepieces/piece-openai", "OpenAI", "SECRET_TEXT", map[string]any{}), ""); got["status"] != "ERROR" {
		t.Fatalf("empty value: %v", got)
	}
	got = c.upsert(connBody("@activepieces/piece-openai", "OpenAI", "SECRET_TEXT", map[string]any{"secret_text": "sk-1234"}), "sk-1234")
	if got["status"] != "ACTIVE" {
		t.Fatalf("with a value: %v", got)
	}
	// Without a value the stored one is kept.
	if got := c.upsert(connBody("@activepieces/piece-openai", "OpenAI", "SECRET_TEXT", nil), ""); got["status"] != "ACTIVE" {
		t.Fatalf("kept value: %v", got)
	}
	if v := c.srv.Connections(keyA)[0].Value; v["secret_text"] != "sk-1234" {
		t.Fatalf("value = %v", v)
	}
	// A type change without a value leaves a value of the wrong shape.
	if got := c.upsert(connBody("@activepieces/piece-openai", "OpenAI", "BASIC_AUTH", nil), ""); got["status"] != "ERROR" {
		t.Fatalf("type change: %v", got)
	}
	if got := c.upsert(connBody("@activepieces/piece-openai", "OpenAI", "BASIC_AUTH", map[string]any{"username": "u", "password": "p4ss"}), "p4ss"); got["status"] != "ACTIVE" {
		t.Fatalf("basic auth: %v", got)
	}
	for typ, value := range map[string]map[string]any{
		"CUSTOM_AUTH":     {"props": map[string]any{"base_url": "https://x"}},
		"OAUTH2":          {"code": "auth-code", "client_id": "id", "redirect_url": "https://r"},
		"PLATFORM_OAUTH2": {"code": "auth-code"},
		"CLOUD_OAUTH2":    {"code": "auth-code"},
		"NO_AUTH":         {"anything": true},
	} {
		if got := c.upsert(connBody("p", typ, typ, value), ""); got["status"] != "ACTIVE" {
			t.Fatalf("%s: %v", typ, got)
		}
	}
}

func TestConnectionBadValues(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	const secret = "wrong-shape-secret"
	for typ, want := range map[string]string{
		"SECRET_TEXT":  "secret_text (a non-empty string) is required",
		"BASIC_AUTH":   "username and password (strings) are required",
		"CUSTOM_AUTH":  "props (an object) is required",
		"OAUTH2":       "code (a non-empty authorization code) is required",
		"CLOUD_OAUTH2": "code (a non-empty authorization code) is required",
	} {
		rec := c.do("POST", "/v1/workflow/connections", connBody("p", "d", typ, map[string]any{"token": secret}))
		expectEnvelope(t, rec, 400, "INVALID_CONNECTION_VALUE", "Invalid value for a "+typ+" connection: "+want)
		if strings.Contains(rec.Body.String(), secret) {
			t.Fatal("the answer echoes the secret")
		}
	}
	expectEnvelope(t, c.do("POST", "/v1/workflow/connections", connBody("", "d", "NO_AUTH", nil)), 400, "INVALID_CONNECTION", "piece_name must not be empty")
	expectEnvelope(t, c.do("POST", "/v1/workflow/connections", connBody("p", "", "NO_AUTH", nil)), 400, "INVALID_CONNECTION", "display_name must not be empty")
	if n := len(c.srv.Connections(keyA)); n != 0 {
		t.Fatalf("%d connections stored", n)
	}
}

func TestConnectionValidation(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	const secret = "a-secret-never-echoed"
	types := `'OAUTH2', 'PLATFORM_OAUTH2', 'CLOUD_OAUTH2', 'SECRET_TEXT', 'BASIC_AUTH', 'CUSTOM_AUTH' or 'NO_AUTH'`
	check := func(body any, want string) {
		t.Helper()
		rec := c.do("POST", "/v1/workflow/connections", body)
		if strings.Contains(rec.Body.String(), secret) {
			t.Fatalf("422 echoes the secret: %s", rec.Body.String())
		}
		expectDetail(t, rec, want)
	}
	check(map[string]any{"piece_name": "p", "display_name": "d", "type": "SECRET", "value": map[string]any{"secret_text": secret}},
		`[{"type":"enum","loc":["body","type"],"msg":"Input should be `+types+`","input":"SECRET","ctx":{"expected":"`+types+`"}}]`)
	check(map[string]any{"type": "SECRET_TEXT", "value": map[string]any{"secret_text": secret}}, `[
		{"type":"missing","loc":["body","piece_name"],"msg":"Field required","input":{"type":"SECRET_TEXT","value":"[REDACTED]"}},
		{"type":"missing","loc":["body","display_name"],"msg":"Field required","input":{"type":"SECRET_TEXT","value":"[REDACTED]"}}]`)
	check(map[string]any{"piece_name": 1, "display_name": "d", "type": "NO_AUTH", "value": secret}, `[
		{"type":"string_type","loc":["body","piece_name"],"msg":"Input should be a valid string","input":1},
		{"type":"dict_type","loc":["body","value"],"msg":"Input should be a valid dictionary","input":"[REDACTED]"}]`)
	check(map[string]any{"piece_name": "p", "display_name": "d", "type": "NO_AUTH", "value": nil},
		`[{"type":"dict_type","loc":["body","value"],"msg":"Input should be a valid dictionary","input":null}]`)
	check(`["`+secret+`"]`,
		`[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"[REDACTED]"}]`)
	check(nil, `[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]`)
	rec := c.do("POST", "/v1/workflow/connections", `{"value":{"secret_text":"`+secret+`"}`)
	expectDetail(t, rec, `[{"type":"json_invalid","loc":["body",48],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting ',' delimiter"}}]`)
	if n := len(c.srv.Connections(keyA)); n != 0 {
		t.Fatalf("%d connections stored", n)
	}
}
