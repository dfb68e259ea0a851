package contract

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// envRecordDir points TestReplayRecordings at recordings of a live run.
const envRecordDir = "DIGA_RECORD_DIR"

// TestReplayRecordings checks every recorded answer in $DIGA_RECORD_DIR
// (default testdata/recordings) against the contract.
func TestReplayRecordings(t *testing.T) {
	t.Parallel()
	dir := os.Getenv(envRecordDir)
	if dir == "" {
		dir = filepath.Join("testdata", "recordings")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no recordings in %s", dir)
	}
	v := mustLoad(t)
	for _, f := range files {
		x, err := ReadExchange(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, vio := range v.CheckExchange(x) {
			t.Errorf("%s: %s", filepath.Base(f), vio)
		}
	}
	t.Logf("replayed %d recordings from %s", len(files), dir)
}

// TestRecorder records a client session against the emulator and checks
// that nothing secret reaches the files and that the recordings replay
// cleanly.
func TestRecorder(t *testing.T) {
	t.Parallel()
	const key = "sk-RECORDER-SENTINEL-91c2"
	dir := t.TempDir()
	emu := emulator.New(emulator.WithAPIKeys(key))
	srv := httptest.NewServer(Wrap(t, emu))
	defer srv.Close()

	hc := &http.Client{Transport: NewRecorder(dir, nil)}
	c, err := client.New(client.Config{BaseURL: srv.URL, APIKey: key, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.CreateFlow(t.Context(), "recorded")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RenameFlow(t.Context(), created.Flow.ID, "renamed"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListFlows(t.Context(), client.ListFlowsParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetFlow(t.Context(), "missing"); !client.IsNotFound(err) {
		t.Fatalf("GetFlow(missing) = %v, want 404", err)
	}

	// A request full of secrets, sent past the contract check (its extra
	// keys and query parameters are off-contract on purpose): a connection
	// upsert (the emulator answers 200).
	raw := httptest.NewServer(emu)
	defer raw.Close()
	body := `{"piece_name":"@activepieces/piece-slack","display_name":"Slack","type":"SECRET_TEXT",` +
		`"value":{"secret_text":"xoxb-SECRET-1"},"api_key":"k-2","nested":{"refresh_token":"rt-3","password":"pw-4","list":[{"client_secret":"cs-5"}]},"echo":"` + key + `"}`
	req, err := http.NewRequestWithContext(t.Context(), "POST", raw.URL+"/v1/workflow/connections?api_key=q-6&x=1", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Api-Key", "h-7")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Fatalf("%d recordings, want 5 (create, rename, list, get, connection)", len(files))
	}
	v := mustLoad(t)
	var all strings.Builder
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(raw)
		x, err := ReadExchange(f)
		if err != nil {
			t.Fatal(err)
		}
		if x.RequestHeaders.Get("Authorization") != "" {
			t.Errorf("%s keeps the Authorization header", filepath.Base(f))
		}
		for _, vio := range v.CheckExchange(x) {
			t.Errorf("%s: %s", filepath.Base(f), vio)
		}
	}
	text := all.String()
	if !strings.Contains(text, Redacted) {
		t.Error("no redaction marker in the recordings")
	}
	for _, secret := range []string{key, "xoxb-SECRET-1", "k-2", "rt-3", "pw-4", "cs-5", "q-6", "h-7"} {
		if strings.Contains(text, secret) {
			t.Errorf("a recording contains the secret %q", secret)
		}
	}
	for _, kept := range []string{`"@activepieces/piece-slack"`, `"recorded"`, `"renamed"`, `x=1`, `"FLOW_NOT_FOUND"`} {
		if !strings.Contains(text, kept) {
			t.Errorf("recordings lost %s", kept)
		}
	}

	// The connection request kept its shape around the redacted values.
	for _, f := range files {
		if !strings.Contains(f, "connections") {
			continue
		}
		x, _ := ReadExchange(f)
		var got map[string]any
		if err := json.Unmarshal(x.RequestBody, &got); err != nil {
			t.Fatal(err)
		}
		value, _ := got["value"].(map[string]any)
		if value["secret_text"] != Redacted || got["api_key"] != Redacted || got["echo"] != Redacted {
			t.Errorf("connection request = %v", got)
		}
		if x.Status != http.StatusOK || x.Query != "api_key=%5BREDACTED%5D&x=1" {
			t.Errorf("status %d query %q", x.Status, x.Query)
		}
	}
}
