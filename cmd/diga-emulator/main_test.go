package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// lockedBuffer is a goroutine-safe stderr sink.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunServesAndShutsDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-api-key", "k1,k2", "-api-key", "secret-key-3", "-seed-flows", "3"}, outW, stderr)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("reading banner: %v (stderr %s)", err, stderr.String())
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "diga-emulator listening on ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("banner %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()

	client := &http.Client{Timeout: 5 * time.Second}
	for _, key := range []string{"k1", "k2", "secret-key-3"} {
		req, _ := http.NewRequest("GET", base+"/v1/workflow/?limit=30", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Data []json.RawMessage `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || len(page.Data) != 3 {
			t.Fatalf("%s: status %d, %d flows, %v", key, resp.StatusCode, len(page.Data), err)
		}
	}
	// The Go client follows the slash redirect and re-sends the header on
	// the same host.
	req, _ := http.NewRequest("GET", base+"/v1/workflow", nil)
	req.Header.Set("Authorization", "Bearer k1")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("redirected list: %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown")
	}
	logs := stderr.String()
	if strings.Contains(logs, "secret-key-3") || strings.Contains(logs, "Bearer") {
		t.Fatalf("key leaked into logs:\n%s", logs)
	}
	if n := strings.Count(logs, "\n"); n != 5 {
		t.Fatalf("want 5 log lines, got %d:\n%s", n, logs)
	}
	if !strings.Contains(logs, `GET "/v1/workflow" 307`) || !strings.Contains(logs, `GET "/v1/workflow/?limit=30" 200`) {
		t.Fatalf("log lines:\n%s", logs)
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8787", "example.com:80", "[::]:0", "nonsense"} {
		err := run(context.Background(), []string{"-listen", addr}, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%s accepted", addr)
		}
	}
}

func TestCheckLoopbackAccepts(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"127.0.0.1:8787", "127.1.2.3:0", "[::1]:0", "localhost:0"} {
		if err := checkLoopback(addr); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

func TestKeyListFlag(t *testing.T) {
	t.Parallel()
	var k keyList
	if err := k.Set("a, b,,c"); err != nil || len(k) != 3 || k[1] != "b" {
		t.Fatalf("%v %v", k, err)
	}
	if err := k.Set(" , "); err == nil {
		t.Fatal("empty key list accepted")
	}
	if err := run(context.Background(), []string{"extra"}, io.Discard, io.Discard); err == nil {
		t.Fatal("positional argument accepted")
	}
}

// startRun starts run with args and returns the base URL, the stderr sink
// and a function that shuts the emulator down and returns run's error.
func startRun(t *testing.T, args ...string) (string, *lockedBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), outW, stderr)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("reading banner: %v (stderr %s)", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	base := strings.TrimPrefix(strings.TrimSpace(line), "diga-emulator listening on ")
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("no shutdown")
			return nil
		}
	}
	return base, stderr, stop
}

func TestRunInjectsErrors(t *testing.T) {
	t.Parallel()
	base, stderr, stop := startRun(t, "-api-key", "k", "-fault-seed", "5", "-error-rate", "1", "-error-statuses", "429", "-retry-after", "1500ms")
	client := &http.Client{Timeout: 10 * time.Second}
	for _, key := range []string{"k", "wrong"} {
		req, _ := http.NewRequest("POST", base+"/v1/workflow/", strings.NewReader(`{"name":"x"}`))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if key == "wrong" {
			if resp.StatusCode != 401 {
				t.Fatalf("wrong key faulted: %d %s", resp.StatusCode, b)
			}
			continue
		}
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || !strings.Contains(string(b), `"error_code":"RATE_LIMITED"`) {
			t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, b)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	logs := stderr.String()
	if !strings.Contains(logs, "fault injection: seed 5, error rate 1 (statuses 429, Retry-After 1.5s)") ||
		!strings.Contains(logs, `POST "/v1/workflow/" 429`) || !strings.Contains(logs, `POST "/v1/workflow/" 401`) {
		t.Fatalf("logs:\n%s", logs)
	}
}

func TestRunLosesAnswers(t *testing.T) {
	t.Parallel()
	base, stderr, stop := startRun(t, "-api-key", "k", "-lost-answer-rate", "1")
	client := &http.Client{Timeout: 10 * time.Second}
	req, _ := http.NewRequest("POST", base+"/v1/workflow/", strings.NewReader(`{"name":"lost"}`))
	req.Header.Set("Authorization", "Bearer k")
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("lost create answered %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", base+"/v1/workflow/", nil)
	req.Header.Set("Authorization", "Bearer k")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"name":"lost"`) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if logs := stderr.String(); !strings.Contains(logs, `POST "/v1/workflow/" lost`) || !strings.Contains(logs, `GET "/v1/workflow/" 200`) {
		t.Fatalf("logs:\n%s", logs)
	}
}

func TestRunRejectsBadFaultFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-error-rate", "2"},
		{"-error-rate", "NaN"},
		{"-lost-answer-rate", "-0.5"},
		{"-error-statuses", "200"},
		{"-error-statuses", "abc"},
		{"-error-statuses", ","},
		{"-latency", "-1s"},
		{"-latency-jitter", "-1ms"},
		{"-retry-after", "-1s"},
	} {
		if err := run(context.Background(), append([]string{"-listen", "127.0.0.1:0"}, args...), io.Discard, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestStatusListFlag(t *testing.T) {
	t.Parallel()
	var l statusList
	if err := l.Set(" 502, 503 ,"); err != nil || len(l) != 2 || l[1] != 503 || l.String() != "502,503" {
		t.Fatalf("%v %v", l, err)
	}
}

func TestRunHelpListsEveryFlagAndMode(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), []string{"-help"}, io.Discard, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run -help: %v", err)
	}
	help := out.String()
	for _, m := range append(append(emulator.ImportModeNames(), emulator.ResponseModeNames()...), emulator.AgentFlowModeNames()...) {
		if !strings.Contains(help, m) {
			t.Errorf("-help does not mention mode %q:\n%s", m, help)
		}
	}
	for _, f := range []string{
		"listen", "api-key", "seed-flows", "sparse-rename", "import-mode", "response-mode", "strict",
		"lenient-response-model", "fault-seed", "error-rate", "error-statuses", "retry-after",
		"lost-answer-rate", "latency", "latency-jitter", "fault-unauthenticated", "agent-flow-mode", "seed-agent",
	} {
		if !strings.Contains(help, "\n  -"+f+" ") && !strings.Contains(help, "\n  -"+f+"\n") {
			t.Errorf("-help does not list -%s:\n%s", f, help)
		}
	}
}

// TestRunModes starts the emulator in each mode combination the flags can
// ask for and checks the mode shows: ImportEngine refuses a PIECE step
// without pieceVersion (500); the response mode decides whether a loop
// body sent in firstLoopAction is shown.
func TestRunModes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args       []string
		engine     bool
		loopShown  string // "children", "firstLoopAction" or "" (not shown)
		modesLog   string
		refusedArg bool
	}{
		{nil, false, "children", "", false},
		{[]string{"-import-mode", "engine"}, true, "children", "modes: import engine, response declared", false},
		{[]string{"-response-mode", "full"}, false, "firstLoopAction", "modes: import lenient, response full", false},
		{[]string{"-lenient-response-model"}, false, "firstLoopAction", "modes: import lenient, response full", false},
		{[]string{"-strict"}, true, "", "modes: import engine, response declared-no-loop-bodies", false},
		{[]string{"-strict", "-response-mode", "declared"}, true, "children", "modes: import engine, response declared", false},
		{[]string{"-strict", "-import-mode", "lenient"}, false, "", "modes: import lenient, response declared-no-loop-bodies", false},
		{[]string{"-import-mode", "strict"}, false, "", "", true},
		{[]string{"-response-mode", "loose"}, false, "", "", true},
		{[]string{"-response-mode", "declared", "-lenient-response-model"}, false, "", "", true},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			if tc.refusedArg {
				if err := run(context.Background(), append([]string{"-listen", "127.0.0.1:0"}, tc.args...), io.Discard, io.Discard); err == nil {
					t.Fatal("accepted")
				}
				return
			}
			base, stderr, stop := startRun(t, append([]string{"-api-key", "k"}, tc.args...)...)
			client := &http.Client{Timeout: 10 * time.Second}
			do := func(method, path, body string) (int, string) {
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer k")
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			status, body := do("POST", "/v1/workflow/", `{"name":"m"}`)
			var created struct{ ID string }
			if err := json.Unmarshal([]byte(body), &created); err != nil || status != 201 {
				t.Fatalf("%d %s", status, body)
			}
			trigger := `{"name":"trigger","type":"PIECE_TRIGGER","displayName":"T","settings":{"pieceName":"@x/piece-x","pieceVersion":"1.0.0","triggerName":"t","input":{},"propertySettings":{}},"nextAction":%s}`
			noVersion := `{"name":"p","type":"PIECE","displayName":"P","settings":{"pieceName":"@x/piece-x","actionName":"a","input":{}}}`
			status, body = do("POST", "/v1/workflow/"+created.ID+"/import", `{"displayName":"m","trigger":`+fmt.Sprintf(trigger, noVersion)+`}`)
			if tc.engine != (status == 500) {
				t.Fatalf("import without pieceVersion: %d %s", status, body)
			}
			loop := `{"name":"loop","type":"LOOP_ON_ITEMS","displayName":"L","settings":{"items":"{{trigger.x}}"},"firstLoopAction":{"name":"body","type":"CODE","displayName":"B","settings":{"sourceCode":{"code":"x","packageJson":"{}"},"input":{}}}}`
			status, body = do("POST", "/v1/workflow/"+created.ID+"/import", `{"displayName":"m","trigger":`+fmt.Sprintf(trigger, loop)+`}`)
			if status != 200 {
				t.Fatalf("import: %d %s", status, body)
			}
			shown := ""
			switch {
			case strings.Contains(body, `"firstLoopAction":{`):
				shown = "firstLoopAction"
			case strings.Contains(body, `"children":[{"name":"body"`):
				shown = "children"
			}
			if shown != tc.loopShown {
				t.Fatalf("loop body shown in %q, want %q: %s", shown, tc.loopShown, body)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if logs := stderr.String(); (tc.modesLog == "") == strings.Contains(logs, "modes:") || !strings.Contains(logs, tc.modesLog) {
				t.Fatalf("logs:\n%s", logs)
			}
		})
	}
}

// TestRunSeedAgent starts the emulator with a demo agent: each key's
// project has the agent and one phone answering for it. With -strict the
// agent flow checks are on (an unpublished flow is refused); without, the
// same assignment is stored.
func TestRunSeedAgent(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%t", strict), func(t *testing.T) {
			t.Parallel()
			args := []string{"-api-key", "k1,k2", "-seed-agent", "Reception"}
			if strict {
				args = append(args, "-strict")
			}
			base, stderr, stop := startRun(t, args...)
			client := &http.Client{Timeout: 10 * time.Second}
			do := func(key, method, path, body string) (int, string) {
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			var agents struct {
				Data []struct {
					AgentID string `json:"agent_id"`
					Name    string `json:"name"`
				} `json:"data"`
			}
			for _, key := range []string{"k1", "k2"} {
				status, body := do(key, "GET", "/v1/agent/", "")
				if err := json.Unmarshal([]byte(body), &agents); err != nil || status != 200 || len(agents.Data) != 1 || agents.Data[0].Name != "Reception" {
					t.Fatalf("%s: agents %d %s", key, status, body)
				}
				status, body = do(key, "GET", "/v1/phone/?inbound_agent_id="+agents.Data[0].AgentID, "")
				if status != 200 || strings.Count(body, `"number":`) != 1 {
					t.Fatalf("%s: phones %d %s", key, status, body)
				}
			}
			status, body := do("k2", "POST", "/v1/workflow/", `{"name":"draft only"}`)
			var created struct{ ID string }
			if err := json.Unmarshal([]byte(body), &created); err != nil || status != 201 {
				t.Fatalf("%d %s", status, body)
			}
			status, body = do("k2", "PATCH", "/v1/agent/"+agents.Data[0].AgentID, `{"flow_ids":["`+created.ID+`"]}`)
			if want := map[bool]int{false: 200, true: 400}[strict]; status != want {
				t.Fatalf("assigning an unpublished flow: %d %s, want %d", status, body, want)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			logs := stderr.String()
			if strings.Count(logs, `seeded agent "Reception"`) != 2 || strict != strings.Contains(logs, "agent flows checked") {
				t.Fatalf("logs:\n%s", logs)
			}
		})
	}
}
