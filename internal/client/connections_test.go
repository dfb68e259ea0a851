package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

const connJSON = `{"id":"conn_1","external_id":"slack-main","display_name":"Slack (main)","piece_name":"piece-slack","status":"ACTIVE"}`

func TestListConnections(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, true, catalogAnswer(200, `[`+connJSON+`,{"id":"conn_2","external_id":"hs","display_name":"HubSpot","piece_name":"piece-hubspot","status":"ERROR"}]`))
	got, err := newCatalogClient(t, s, 0, nil).ListConnections(context.Background())
	if err != nil {
		t.Fatalf("ListConnections: %v", err)
	}
	r := s.only(t)
	if r.Method != http.MethodGet || r.RequestURI != "/v1/workflow/connections" || len(r.Body) != 0 {
		t.Errorf("request = %s %s body %q", r.Method, r.RequestURI, r.Body)
	}
	catalogAssertBearer(t, r)
	want := []client.Connection{
		{ID: "conn_1", ExternalID: "slack-main", DisplayName: "Slack (main)", PieceName: "piece-slack", Status: "ACTIVE"},
		{ID: "conn_2", ExternalID: "hs", DisplayName: "HubSpot", PieceName: "piece-hubspot", Status: "ERROR"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestListConnections_emptyUnknownFieldsAndMissingID(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`[]`: "", `null`: "",
		`[{"id":"c","external_id":"e","display_name":"d","piece_name":"p","status":"ACTIVE","value":{"x":1},"new":true}]`: "",
		`[{"external_id":"e"}]`: "no id",
	} {
		s := newCatalogServer(t, false, catalogAnswer(200, body))
		got, err := newCatalogClient(t, s, 0, nil).ListConnections(context.Background())
		switch {
		case want != "":
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: err = %v, want %q", body, err, want)
			}
		case err != nil || got == nil:
			t.Errorf("%s: got %#v, %v; want a non-nil slice", body, got, err)
		}
	}
}

func TestUpsertConnection(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, true, catalogAnswer(200, connJSON))
	c := newCatalogClient(t, s, 0, nil)
	got, err := c.UpsertConnection(context.Background(), client.CreateConnectionRequest{
		PieceName: "piece-slack", DisplayName: "Slack (main)", Type: client.ConnectionTypeSecretText,
		Value: json.RawMessage(`{ "secret_text": "xoxb-123-456" }`),
	})
	if err != nil {
		t.Fatalf("UpsertConnection: %v", err)
	}
	want := &client.Connection{ID: "conn_1", ExternalID: "slack-main", DisplayName: "Slack (main)", PieceName: "piece-slack", Status: "ACTIVE"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	r := s.only(t)
	if r.Method != http.MethodPost || r.RequestURI != "/v1/workflow/connections" {
		t.Errorf("request = %s %s", r.Method, r.RequestURI)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	catalogAssertBearer(t, r)
	catalogJSONEqual(t, "body", r.Body, `{"piece_name":"piece-slack","display_name":"Slack (main)","type":"SECRET_TEXT","value":{"secret_text":"xoxb-123-456"}}`)
}

func TestUpsertConnection_withoutValue(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, true, catalogAnswer(200, connJSON))
	c := newCatalogClient(t, s, 0, nil)
	for _, v := range []json.RawMessage{nil, json.RawMessage(" null ")} {
		if _, err := c.UpsertConnection(context.Background(), client.CreateConnectionRequest{
			PieceName: "piece-http", DisplayName: "HTTP", Type: client.ConnectionTypeNoAuth, Value: v,
		}); err != nil {
			t.Fatalf("UpsertConnection: %v", err)
		}
	}
	for _, r := range s.requests() {
		catalogJSONEqual(t, "body", r.Body, `{"piece_name":"piece-http","display_name":"HTTP","type":"NO_AUTH"}`)
	}
}

func TestUpsertConnection_refusesBadRequestsWithoutEchoingValue(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, false, catalogAnswer(200, connJSON))
	c := newCatalogClient(t, s, 0, nil)
	ok := client.CreateConnectionRequest{PieceName: "p", DisplayName: "d", Type: client.ConnectionTypeSecretText}
	for name, mutate := range map[string]func(*client.CreateConnectionRequest){
		"no piece":    func(r *client.CreateConnectionRequest) { r.PieceName = "" },
		"no type":     func(r *client.CreateConnectionRequest) { r.Type = "" },
		"not JSON":    func(r *client.CreateConnectionRequest) { r.Value = json.RawMessage(`hunter2-secret`) },
		"not object":  func(r *client.CreateConnectionRequest) { r.Value = json.RawMessage(`"hunter2-secret"`) },
		"broken JSON": func(r *client.CreateConnectionRequest) { r.Value = json.RawMessage(`{"k":"hunter2-secret"`) },
	} {
		req := ok
		mutate(&req)
		_, err := c.UpsertConnection(context.Background(), req)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error shows the value: %v", name, err)
		}
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// secretValue has a string that Go and Python escape differently in JSON
// (quotes, '<', a non-ASCII letter and an astral character), a plain one,
// and a short one that is deliberately left alone.
const secretValue = `{"username":"admin-user","password":"p@ss\"<w0rd>-ñ-😀","props":{"nested":["tok-ABCDEF"]},"pin":"abc"}`

var secretParts = []string{"admin-user", "p@ss", "w0rd", "tok-ABCDEF", `\u00f1`, `\ud83d`}

func TestUpsertConnection_redactsSecretsEchoedInErrors(t *testing.T) {
	t.Parallel()
	// The request's value as each server would spell it back.
	goEcho := func(r *http.Request) any {
		var in any
		_ = json.NewDecoder(r.Body).Decode(&in)
		return in
	}
	cases := map[string]http.HandlerFunc{
		// FastAPI 422: "input" echoes the offending value (here the
		// whole value object), msg repeats a leaf.
		"fastapi 422 echo": func(w http.ResponseWriter, r *http.Request) {
			in := goEcho(r).(map[string]any)
			b, _ := json.Marshal(map[string]any{"detail": []any{map[string]any{
				"type": "value_error", "loc": []any{"body", "value", "tok-ABCDEF"},
				"msg":   "Value error, password p@ss\"<w0rd>-ñ-😀 rejected for admin-user",
				"input": in["value"], "ctx": map[string]any{"error": in["value"]},
			}}})
			catalogWrite(w, 422, string(b))
		},
		// Python json.dumps default (ensure_ascii): non-ASCII as \uXXXX.
		"ascii-escaped envelope": func(w http.ResponseWriter, _ *http.Request) {
			catalogWrite(w, 400, `{"status":"error","error_code":"ENGINE_ERROR","message":"bad value {\"password\": \"p@ss\\\"<w0rd>-\u00f1-\ud83d\ude00\", \"username\": \"admin-user\"}"}`)
		},
		// detail as an object (HTTPException(detail={...})).
		"object detail": func(w http.ResponseWriter, r *http.Request) {
			b, _ := json.Marshal(map[string]any{"detail": map[string]any{"engine": goEcho(r)}})
			catalogWrite(w, 400, string(b))
		},
		// A proxy's non-JSON page quoting the raw body.
		"raw text": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(400)
			b, _ := json.Marshal(goEcho(r))
			_, _ = w.Write([]byte("rejected: " + string(b) + " password=p@ss\"<w0rd>-ñ-😀"))
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newCatalogServer(t, false, h)
			logger := &catalogLogger{}
			_, err := newCatalogClient(t, s, 0, logger).UpsertConnection(context.Background(), client.CreateConnectionRequest{
				PieceName: "piece-x", DisplayName: "X", Type: client.ConnectionTypeBasicAuth, Value: json.RawMessage(secretValue),
			})
			e := catalogAPIError(t, err)
			texts := map[string]string{
				"Error()":  err.Error(),
				"APIError": fmt.Sprintf("%#v %+v", *e, e.Detail),
				"logs":     logger.text(),
			}
			for what, text := range texts {
				for _, part := range secretParts {
					if strings.Contains(text, part) || strings.Contains(text, "ñ") || strings.Contains(text, "😀") {
						t.Errorf("%s shows a secret (%q): %s", what, part, text)
					}
				}
			}
			if !strings.Contains(err.Error()+e.Body+e.DetailText, "[REDACTED]") {
				t.Errorf("no [REDACTED] marker in %q", err)
			}
			if name == "fastapi 422 echo" {
				// The rest of the message survives; the 3-character
				// string is not treated as a secret.
				if len(e.Detail) != 1 || !strings.HasPrefix(e.Detail[0].Msg, "Value error, password [REDACTED] rejected for [REDACTED]") {
					t.Errorf("Detail = %+v", e.Detail)
				}
				if got := e.Detail[0].Field(); got != "body.value.[REDACTED]" {
					t.Errorf("Field() = %q", got)
				}
			}
		})
	}
}

func TestUpsertConnection_redactsBeforeTruncating(t *testing.T) {
	t.Parallel()
	// APIError.Body keeps the first 2 KiB: a secret cut in half by that
	// limit must not leave its first half behind.
	for _, pad := range []int{2048 - 5, 2048 - 9, 2048 - 2} {
		s := newCatalogServer(t, false, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(502)
			_, _ = w.Write([]byte(strings.Repeat("x", pad) + "tok-ABCDEF and more"))
		})
		_, err := newCatalogClient(t, s, 0, nil).UpsertConnection(context.Background(), client.CreateConnectionRequest{
			PieceName: "piece-x", DisplayName: "X", Type: client.ConnectionTypeSecretText, Value: json.RawMessage(`{"secret_text":"tok-ABCDEF"}`),
		})
		e := catalogAPIError(t, err)
		if strings.Contains(e.Body, "tok-") || len(e.Body) > 2048 {
			t.Errorf("pad %d: Body ends %q", pad, e.Body[len(e.Body)-20:])
		}
	}
}

func TestUpsertConnection_keepsShortValuesAndOtherErrors(t *testing.T) {
	t.Parallel()
	s := newCatalogServer(t, false, catalogAnswer(404, `{"status":"error","error_code":"PIECE_NOT_FOUND","message":"piece piece-x not found (abc)"}`))
	_, err := newCatalogClient(t, s, 0, nil).UpsertConnection(context.Background(), client.CreateConnectionRequest{
		PieceName: "piece-x", DisplayName: "X", Type: client.ConnectionTypeSecretText, Value: json.RawMessage(`{"secret_text":"abc"}`),
	})
	if !client.IsNotFound(err) {
		t.Fatalf("err = %v, want a 404", err)
	}
	if want := "PIECE_NOT_FOUND: piece piece-x not found (abc)"; !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want it to contain %q", err, want)
	}
}

func TestConnectionTypes(t *testing.T) {
	t.Parallel()
	want := []string{"OAUTH2", "PLATFORM_OAUTH2", "CLOUD_OAUTH2", "SECRET_TEXT", "BASIC_AUTH", "CUSTOM_AUTH", "NO_AUTH"}
	if got := client.ConnectionTypes(); !reflect.DeepEqual(got, want) {
		t.Errorf("ConnectionTypes() = %v, want %v", got, want)
	}
	consts := []client.ConnectionType{
		client.ConnectionTypeOAuth2, client.ConnectionTypePlatformOAuth2, client.ConnectionTypeCloudOAuth2,
		client.ConnectionTypeSecretText, client.ConnectionTypeBasicAuth, client.ConnectionTypeCustomAuth, client.ConnectionTypeNoAuth,
	}
	for i, ct := range consts {
		if string(ct) != want[i] {
			t.Errorf("constant %d = %q, want %q", i, ct, want[i])
		}
	}
}

func TestCreateConnectionRequest_formattingHidesValue(t *testing.T) {
	t.Parallel()
	req := client.CreateConnectionRequest{PieceName: "p", Type: client.ConnectionTypeSecretText, Value: json.RawMessage(`{"secret_text":"hunter2-secret"}`)}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(f, req); strings.Contains(out, "hunter2") {
			t.Errorf("%s shows the value: %s", f, out)
		}
	}
	if out := fmt.Sprintf("%v", &req); strings.Contains(out, "hunter2") {
		t.Errorf("pointer shows the value: %s", out)
	}
}
