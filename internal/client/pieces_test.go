package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

func catalogAssertNoAuth(t *testing.T, r catalogRequest) {
	t.Helper()
	if v, ok := r.Header["Authorization"]; ok {
		t.Errorf("public piece route got an Authorization header: %q", v)
	}
	if strings.Contains(r.RequestURI, catalogKey) {
		t.Errorf("the key is in the URL: %s", r.RequestURI)
	}
}

func TestListPieces_queryNoAuthAndCounts(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, true, catalogAnswer(200, `[
		{"name":"@activepieces/piece-slack","displayName":"Slack","description":"Chat","version":"0.9.1","logoUrl":"https://cdn/slack.svg","categories":["COMMUNICATION"],"actions":12,"triggers":3,"authors":["a"],"auth":{"type":"OAUTH2"}},
		{"name":"@diga/piece-diga","displayName":"Diga","actions":null,"triggers":null,"categories":null}
	]`))
	c := newCatalogClient(t, s, 0, nil)
	got, err := c.ListPieces(context.Background(), client.ListPiecesParams{
		Search: "sl ack", Categories: []string{"MARKETING", "SALES_AND_CRM"}, SuggestionType: "ACTION",
	})
	if err != nil {
		t.Fatalf("ListPieces: %v", err)
	}
	r := s.only(t)
	want := url.Values{"search": {"sl ack"}, "categories": {"MARKETING", "SALES_AND_CRM"}, "suggestion_type": {"ACTION"}}
	if r.Method != http.MethodGet || r.Path != "/v1/workflow/piece" || !reflect.DeepEqual(r.Query, want) {
		t.Errorf("request = %s %s %v, want GET /v1/workflow/piece %v", r.Method, r.Path, r.Query, want)
	}
	if strings.Count(r.RequestURI, "categories=") != 2 {
		t.Errorf("categories not repeated: %s", r.RequestURI)
	}
	catalogAssertNoAuth(t, r)
	desc, ver, logo := "Chat", "0.9.1", "https://cdn/slack.svg"
	wantPieces := []client.PieceSummary{
		{Name: "@activepieces/piece-slack", DisplayName: "Slack", Description: &desc, Version: &ver, LogoURL: &logo,
			Categories: []string{"COMMUNICATION"}, ActionCount: 12, TriggerCount: 3, Auth: json.RawMessage(`{"type":"OAUTH2"}`)},
		{Name: "@diga/piece-diga", DisplayName: "Diga"},
	}
	if !reflect.DeepEqual(got, wantPieces) {
		t.Errorf("got  %#v\nwant %#v", got, wantPieces)
	}
}

func TestListPieces_noParamsAndUnknownFields(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, false, catalogAnswer(200, `[{"name":"p","displayName":"P","actions":{"a":{},"b":{}},"triggers":[{}],"someday":{"x":1}}]`))
	got, err := newCatalogClient(t, s, 0, nil).ListPieces(context.Background(), client.ListPiecesParams{})
	if err != nil {
		t.Fatalf("ListPieces: %v", err)
	}
	if r := s.only(t); r.RequestURI != "/v1/workflow/piece" {
		t.Errorf("RequestURI = %s, want no query", r.RequestURI)
	}
	if len(got) != 1 || got[0].ActionCount != 2 || got[0].TriggerCount != 1 {
		t.Errorf("got %#v, want counts 2 and 1 from a map and an array", got)
	}
}

func TestListPieces_emptyAndNull(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`[]`, `null`} {
		s := newCatalogServer(t, false, catalogAnswer(200, body))
		got, err := newCatalogClient(t, s, 0, nil).ListPieces(context.Background(), client.ListPiecesParams{})
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("%s: got %#v, %v; want an empty non-nil slice", body, got, err)
		}
	}
}

func TestGetPiece_escapesNameAsOneSegment(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, true, catalogAnswer(200, `{
		"name":"@activepieces/piece-slack","displayName":"Slack","version":"0.9.1",
		"categories":["COMMUNICATION"],
		"actions":{
			"send_message":{"name":"send_message","displayName":"Send Message","description":"Posts","requireAuth":true,"props":{"text":{"type":"LONG_TEXT","required":true}}},
			"add_reaction":{"displayName":"Add Reaction","props":null}
		},
		"triggers":{"new_message":{"name":"new_message","displayName":"New Message","type":"APP_WEBHOOK","props":{}}}
	}`))
	got, err := newCatalogClient(t, s, 0, nil).GetPiece(context.Background(), "@activepieces/piece-slack")
	if err != nil {
		t.Fatalf("GetPiece: %v", err)
	}
	r := s.only(t)
	if r.Method != http.MethodGet || r.RequestURI != "/v1/workflow/piece/@activepieces%2Fpiece-slack" {
		t.Errorf("request = %s %s, want the name as one escaped segment", r.Method, r.RequestURI)
	}
	if r.Path != "/v1/workflow/piece/@activepieces/piece-slack" {
		t.Errorf("decoded path = %s", r.Path)
	}
	catalogAssertNoAuth(t, r)

	ver, posts, yes := "0.9.1", "Posts", true
	want := &client.PieceDetail{
		PieceSummary: client.PieceSummary{
			Name: "@activepieces/piece-slack", DisplayName: "Slack", Version: &ver,
			Categories: []string{"COMMUNICATION"}, ActionCount: 2, TriggerCount: 1,
		},
		Actions: []client.PieceOperation{
			{Name: "add_reaction", DisplayName: "Add Reaction"}, // name from the map key
			{Name: "send_message", DisplayName: "Send Message", Description: &posts, RequireAuth: &yes,
				Props: json.RawMessage(`{"text":{"type":"LONG_TEXT","required":true}}`)},
		},
		Triggers: []client.PieceOperation{{Name: "new_message", DisplayName: "New Message", Props: json.RawMessage(`{}`)}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

func TestGetPiece_otherNamesAndErrors(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "missing") {
			catalogWrite(w, 404, `{"status":"error","error_code":"PIECE_NOT_FOUND","message":"Piece missing not found"}`)
			return
		}
		catalogWrite(w, 200, `{"name":"x","actions":{},"triggers":null}`)
	})
	c := newCatalogClient(t, s, 0, nil)
	if _, err := c.GetPiece(context.Background(), "piece slack?x=1#y"); err != nil {
		t.Fatalf("GetPiece: %v", err)
	}
	if uri := s.requests()[0].RequestURI; uri != "/v1/workflow/piece/piece%20slack%3Fx=1%23y" {
		t.Errorf("RequestURI = %s", uri)
	}
	_, err := c.GetPiece(context.Background(), "missing")
	if !client.IsNotFound(err) {
		t.Errorf("err = %v, want a 404 APIError", err)
	}
	for _, name := range []string{"", ".", ".."} {
		if _, err := c.GetPiece(context.Background(), name); err == nil {
			t.Errorf("GetPiece(%q) succeeded", name)
		}
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestGetPiece_detailIsNotDecodedAsSummary(t *testing.T) {
	t.Parallel()
	// PieceDetail embeds PieceSummary; a map of definitions must reach
	// Actions, not only the count.
	var d client.PieceDetail
	if err := json.Unmarshal([]byte(`{"name":"p","actions":{"a":{"name":"a"}},"triggers":2}`), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Actions) != 1 || d.ActionCount != 1 || d.TriggerCount != 2 || d.Triggers != nil {
		t.Errorf("got %#v", d)
	}
	if err := json.Unmarshal([]byte(`{"name":"p","actions":"many"}`), &d); err == nil {
		t.Error("a string count was accepted")
	}
}
