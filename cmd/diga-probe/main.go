// Command diga-probe learns, from a real Diga account, which reading of
// Diga's undocumented layer over the Activepieces engine holds: how an
// import treats the short form, a loop body written in children, a piece
// step without pieceVersion or with a version range, and what GET shows of
// the stored tree. The provider is built to work under every reading, and
// the emulator (internal/emulator) offers each as a mode; the probe names
// the modes that match the account.
//
//	DIGA_API_KEY=... make probe-live
//	DIGA_API_KEY=... go run ./cmd/diga-probe -json probe.json
//
// It creates one scratch flow named tf-probe-<random>, imports six bodies
// into its draft (reading it back after each), and always deletes it, on
// errors and Ctrl-C too; when the delete fails it prints the flow's id. It
// never publishes or enables anything, and never prints the API key. It
// is not run in CI: no machine there reaches the API.
//
// With DIGA_PROBE_AGENT_ID naming a scratch voice agent it also learns
// whether Diga refuses to assign a flow that is not published and enabled
// (agent.go): the scratch flow, then an id of no flow, assigned to the
// agent's draft, each read back, and the draft's own flows restored, on
// errors and Ctrl-C too. It never launches or publishes an agent version.
//
// Exit status: 0 when the probe ran, the scratch flow is deleted and the
// agent's draft (if any) restored, 1 when it failed or either could not be
// undone, 2 when DIGA_API_KEY is unset or the flags or the agent id are
// wrong.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

const usageText = `Usage: DIGA_API_KEY=... make probe-live
       DIGA_API_KEY=... go run ./cmd/diga-probe [-json report.json]

Learns which reading of Diga's import and read behaviour holds for your
account, and names the emulator modes (-import-mode, -response-mode) that
match it. Environment: DIGA_API_KEY (required), DIGA_BASE_URL (default
https://api.diga.io; plain http only to a loopback host), DIGA_PROBE_AGENT_ID
(optional: a scratch voice agent for the agent step below).

What it sends, one request after the other: 15 requests when nothing is
retried, 18 when GET hides loop bodies, 2 fewer when the piece catalogue
gives no version:
  1  GET    /v1/workflow/piece/@diga%2Fpiece-diga   (public, without the key)
  1  POST   /v1/workflow/                           create "tf-probe-<random>"
  6  POST   /v1/workflow/{id}/import                d: complete engine tree (CODE,
            LOOP_ON_ITEMS, ROUTER); b: loop body in children; c: PIECE step without
            pieceVersion; e: pieceVersion ^x.y.z; a1, a2: the short form
  6  GET    /v1/workflow/{id}                       after each import
  0-3 GET   /v1/workflow/{id}/steps/{step}/sample-data   only when GET hides loop bodies
  1  DELETE /v1/workflow/{id}                       always, also on errors and Ctrl-C
Nothing is published or enabled: the scratch flow never runs. Requests that
fail with 429/502/503/504 are retried (at most -max-retries times each).
A lost create answer may add one listing of flows.

With DIGA_PROBE_AGENT_ID, before the delete, 6 to 8 requests more (does Diga
refuse to assign a flow that is not published and enabled, or an id of no
flow?):
  1  GET    /v1/agent/{agent_id}                    the draft: its flows, kept to restore
  1  GET    /v1/agent/{agent_id}?is_published=true  the published version (read only)
  2  PATCH  /v1/agent/{agent_id}                    flow_ids = the draft's + the scratch
            flow; then the draft's + an id of no flow
  2  GET    /v1/agent/{agent_id}                    after each
  0-2 PATCH+GET                                     the draft's own flow_ids back, when an
            assignment stayed (also on errors and Ctrl-C)
No agent version is launched or published: calls never see the change. Use an
agent you can spare; a conversational-path agent (mode path) is only read. The
-json report holds the agent's answers whole (its prompt included); the printed
output shows only their versions, modes and flows.

The output never contains the API key: share it as it is.

Flags:
`

func main() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	os.Exit(realMain(os.Args[1:], os.Getenv, os.Stdout, os.Stderr, sig))
}

// realMain is main without the process: arguments, environment, output
// and the interrupt signals come in, the exit status goes out.
func realMain(args []string, getenv func(string) string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	fs := flag.NewFlagSet("diga-probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonOut := fs.String("json", "", "also write the whole report (every request and answer, secret-free) to this `file`")
	timeout := fs.Duration("timeout", 10*time.Minute, "stop probing after this long (the scratch flow is still deleted)")
	maxRetries := fs.Int("max-retries", 3, "retries of one request on 429/502/503/504 or a transport error")
	fs.Usage = func() {
		_, _ = io.WriteString(stderr, usageText)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		_, _ = fmt.Fprintf(stderr, "diga-probe: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *maxRetries < 0 {
		_, _ = fmt.Fprintln(stderr, "diga-probe: -max-retries must be 0 or more")
		return 2
	}
	key := getenv("DIGA_API_KEY")
	if key == "" {
		_, _ = fmt.Fprintln(stderr, "diga-probe: DIGA_API_KEY is not set: nothing to probe. Set it to an API key of the Diga "+
			"project to check (Settings > Project > API Keys); see the README, \"Checking our assumptions against your Diga account\".")
		return 2
	}
	base := getenv("DIGA_BASE_URL")
	if base == "" {
		base = client.DefaultBaseURL
	}
	agentID := strings.TrimSpace(getenv("DIGA_PROBE_AGENT_ID"))
	if agentID != "" && !uuidPattern.MatchString(agentID) {
		_, _ = fmt.Fprintf(stderr, "diga-probe: DIGA_PROBE_AGENT_ID %q is not an agent id: Diga's agent ids are UUIDs "+
			"(e.g. 5b7e1c9a-0d2f-4e6b-8a1c-3f5d7b9e1a2c; the diga_agents data source lists them)\n", agentID)
		return 2
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	// The first interrupt stops the probe (the flow is then deleted); a
	// second one gives up the deletion too (its id is printed).
	cleanupCtx, cancelCleanup := context.WithCancel(context.Background())
	defer cancelCleanup()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sig:
			_, _ = fmt.Fprintln(stderr, "\ndiga-probe: interrupted; deleting the scratch flow (interrupt again to skip that)")
			cancel()
		case <-done:
			return
		}
		select {
		case <-sig:
			cancelCleanup()
		case <-done:
		}
	}()

	rep, err := run(ctx, config{
		BaseURL:    base,
		APIKey:     key,
		Out:        stdout,
		MaxRetries: *maxRetries,
		AgentID:    agentID,
		CleanupContext: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(cleanupCtx, 2*time.Minute)
		},
	})
	if rep == nil {
		_, _ = fmt.Fprintln(stderr, "diga-probe:", scrubber(key)(err.Error()))
		return 2
	}
	if *jsonOut != "" {
		if werr := writeReport(*jsonOut, rep); werr != nil {
			_, _ = fmt.Fprintln(stderr, "diga-probe: writing the report:", werr)
			if err == nil {
				err = werr
			}
		} else {
			_, _ = fmt.Fprintf(stdout, "Report written to %s.\n", *jsonOut)
		}
	}
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "diga-probe:", scrubber(key)(err.Error()))
		return 1
	}
	return 0
}

// uuidPattern is the form of Diga's agent ids (format uuid in the API).
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func writeReport(path string, rep *Report) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
