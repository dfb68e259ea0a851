// Command diga-emulator serves the in-memory Diga workflow API emulator on a
// loopback address, for local demos and for running the provider against it.
//
//	go run ./cmd/diga-emulator -listen 127.0.0.1:8787 -api-key demo-key
//
// Once listening it prints exactly one line to stdout,
// "diga-emulator listening on http://ADDR" (ADDR is the real address, so
// "-listen 127.0.0.1:0" works), then logs one line per request to stderr
// (method, path, query, status, duration — never the API key). SIGINT or
// SIGTERM shuts it down cleanly.
//
// Fault injection (internal/emulator/BEHAVIOUR.md, "Fault injection") is
// off unless a rate or a latency is given:
//
//	go run ./cmd/diga-emulator -fault-seed 7 -error-rate 0.2 \
//	    -error-statuses 429,502,503 -retry-after 1s \
//	    -lost-answer-rate 0.05 -latency 20ms -latency-jitter 10ms
//
// It is then announced by one more stderr line before the first request.
// In the request log a lost answer shows "lost" instead of a status, and a
// request whose client went away during the injected latency "canceled".
//
// The emulator's modes (internal/emulator/BEHAVIOUR.md, "Modes") are chosen
// with -import-mode (lenient, engine), -response-mode (declared, full,
// declared-no-loop-bodies) and -agent-flow-mode (accepted, checked), or
// -strict for engine, declared-no-loop-bodies and checked; a mode other than
// the defaults is announced on stderr too. -help lists what it can do, one
// line each, then every flag.
//
// -seed-agent NAME adds, for every API key, a voice agent named NAME and one
// phone number that answers for it, and prints one stderr line per key with
// their ids.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

// usageText heads -help's output, before the flag list: what the emulator
// can do, one line each.
const usageText = `Usage: diga-emulator [flags]

Serves the in-memory Diga workflow API emulator on a loopback address. Prints
"diga-emulator listening on http://ADDR" on stdout once listening, then one
line per request on stderr (never the API key). SIGINT or SIGTERM stops it.

Modes (readings of what Diga does over the Activepieces engine; see
internal/emulator/BEHAVIOUR.md, "Modes"):
  -import-mode lenient     store an import as sent, defaults filled in (default)
  -import-mode engine      import as Activepieces' IMPORT_FLOW; no publish while a step is invalid
  -response-mode declared  answer trees through the documented models (default)
  -response-mode full      answer the stored tree itself, keys sorted (off-contract)
  -response-mode declared-no-loop-bodies
                           documented models, a loop's children always null
  -agent-flow-mode accepted
                           store flow_ids naming unpublished, disabled or non-Diga flows (default)
  -agent-flow-mode checked refuse such flow_ids (400 FLOW_NOT_ASSIGNABLE)
  -strict                  -import-mode engine, -response-mode declared-no-loop-bodies,
                           -agent-flow-mode checked

Faults (off unless a rate or a latency is given; BEHAVIOUR.md, "Fault injection"):
  -error-rate R            answer a share R of requests with an injected error
  -error-statuses S        the injected statuses, chosen uniformly (a 429 carries -retry-after)
  -lost-answer-rate R      apply a share R of writes, then close the connection unanswered
  -latency D               delay every request by D (-latency-jitter J adds ± J)
  -fault-seed N            the same seed and request order give the same faults

Seeding and answers:
  -api-key K               accept key K (each key is its own project; default demo-key)
  -seed-flows N            create N empty flows per key at startup
  -seed-agent NAME         a voice agent NAME and one inbound phone number per key
  -sparse-rename           answer rename without status and flow_category

Flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "diga-emulator:", err)
		stop()
		os.Exit(1)
	}
}

// keyList collects -api-key values; each flag may hold several keys
// separated by commas.
type keyList []string

func (k *keyList) String() string { return fmt.Sprintf("%d key(s)", len(*k)) }

func (k *keyList) Set(v string) error {
	added := 0
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*k = append(*k, part)
			added++
		}
	}
	if added == 0 {
		return errors.New("empty API key")
	}
	return nil
}

// statusList collects -error-statuses: comma-separated HTTP statuses.
type statusList []int

func (l *statusList) String() string {
	parts := make([]string, len(*l))
	for i, st := range *l {
		parts[i] = strconv.Itoa(st)
	}
	return strings.Join(parts, ",")
}

func (l *statusList) Set(v string) error {
	var out []int
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		st, err := strconv.Atoi(part)
		if err != nil || st < 400 || st > 599 {
			return fmt.Errorf("invalid status %q (want 400…599)", part)
		}
		out = append(out, st)
	}
	if len(out) == 0 {
		return errors.New("no status given")
	}
	*l = out
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("diga-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8787", "loopback `address` to listen on (port 0 picks a free port)")
	var keys keyList
	fs.Var(&keys, "api-key", "accepted API `key`; repeat the flag or separate keys with commas (default demo-key)")
	seed := fs.Int("seed-flows", 0, "create `N` empty flows for every API key at startup")
	sparse := fs.Bool("sparse-rename", false, "answer rename without status and flow_category, like Diga's docs example")
	importMode := fs.String("import-mode", emulator.ImportLenient.String(),
		"`mode` of imports: "+strings.Join(emulator.ImportModeNames(), " or "))
	responseMode := fs.String("response-mode", emulator.ResponseDeclared.String(),
		"`mode` of the trigger trees in answers: "+strings.Join(emulator.ResponseModeNames(), ", "))
	agentFlowMode := fs.String("agent-flow-mode", emulator.AgentFlowsAccepted.String(),
		"`mode` of flow assignments to agents: "+strings.Join(emulator.AgentFlowModeNames(), " or "))
	seedAgent := fs.String("seed-agent", "", "create a voice agent named `NAME` and one phone number answering for it, for every API key")
	strict := fs.Bool("strict", false, "-import-mode engine, -response-mode declared-no-loop-bodies and -agent-flow-mode checked (each of those flags, when given, overrides its part)")
	lenient := fs.Bool("lenient-response-model", false, "same as -response-mode full (older name)")
	var faults emulator.Faults
	statuses := append(statusList(nil), emulator.DefaultErrorStatuses...)
	fs.Int64Var(&faults.Seed, "fault-seed", 0, "`seed` of the fault injection PRNG (same seed and request order → same faults)")
	fs.Float64Var(&faults.ErrorRate, "error-rate", 0, "share (0…1) of requests answered with an injected error before being processed")
	fs.Var(&statuses, "error-statuses", "comma-separated injected error `statuses`, chosen uniformly")
	fs.DurationVar(&faults.RetryAfter, "retry-after", time.Second, "Retry-After sent with an injected 429 (whole seconds, rounded up)")
	fs.Float64Var(&faults.LostAnswerRate, "lost-answer-rate", 0, "share (0…1) of writes applied and then answered by closing the connection")
	fs.DurationVar(&faults.Latency, "latency", 0, "injected delay before each request is processed")
	fs.DurationVar(&faults.LatencyJitter, "latency-jitter", 0, "uniform ± jitter added to -latency")
	fs.BoolVar(&faults.FaultUnauthenticated, "fault-unauthenticated", false, "also inject faults into requests without a valid API key")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	im, err := emulator.ParseImportMode(*importMode)
	if err != nil {
		return fmt.Errorf("-import-mode: %w", err)
	}
	rm, err := emulator.ParseResponseMode(*responseMode)
	if err != nil {
		return fmt.Errorf("-response-mode: %w", err)
	}
	am, err := emulator.ParseAgentFlowMode(*agentFlowMode)
	if err != nil {
		return fmt.Errorf("-agent-flow-mode: %w", err)
	}
	if *strict && !given["agent-flow-mode"] {
		am = emulator.AgentFlowsChecked
	}
	if *strict && !given["import-mode"] {
		im = emulator.ImportEngine
	}
	if *strict && !given["response-mode"] {
		rm = emulator.ResponseDeclaredNoLoopBodies
	}
	if *lenient {
		if given["response-mode"] && rm != emulator.ResponseFull {
			return errors.New("-lenient-response-model contradicts -response-mode " + rm.String())
		}
		rm = emulator.ResponseFull
	}
	faults.ErrorStatuses = statuses
	if err := faults.Validate(); err != nil {
		return err
	}
	faultsOn := faults.ErrorRate > 0 || faults.LostAnswerRate > 0 || faults.Latency > 0 || faults.LatencyJitter > 0
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *seed < 0 {
		return errors.New("-seed-flows must not be negative")
	}
	if len(keys) == 0 {
		keys = keyList{"demo-key"}
	}
	if err := checkLoopback(*listen); err != nil {
		return err
	}

	opts := []emulator.Option{emulator.WithAPIKeys(keys...), emulator.WithImportMode(im), emulator.WithResponseMode(rm), emulator.WithAgentFlowMode(am)}
	if *sparse {
		opts = append(opts, emulator.WithSparseRenameResponse())
	}
	if faultsOn {
		opts = append(opts, emulator.WithFaults(faults))
	}
	srv := emulator.New(opts...)
	for _, k := range keys {
		srv.SeedFlows(k, *seed, "Seed flow ")
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return fmt.Errorf("refusing to serve on non-loopback address %s", ln.Addr())
	}
	logger := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
	if im != emulator.ImportLenient || rm != emulator.ResponseDeclared || am != emulator.AgentFlowsAccepted {
		logger.Printf("modes: import %s, response %s, agent flows %s", im, rm, am)
	}
	if *seedAgent != "" {
		for i, k := range keys {
			agentID := srv.AddAgent(k, emulator.AgentSeed{Name: *seedAgent})
			phoneID := srv.AddPhone(k, emulator.PhoneSeed{Number: fmt.Sprintf("+3491000%04d", i), Nickname: *seedAgent, InboundAgentID: agentID})
			logger.Printf("seeded agent %q: agent_id %s, inbound phone %s (key #%d)", *seedAgent, agentID, phoneID, i+1)
		}
	}
	if faultsOn {
		logger.Printf("fault injection: seed %d, error rate %g (statuses %s, Retry-After %s), lost-answer rate %g, latency %s ± %s, unauthenticated %t",
			faults.Seed, faults.ErrorRate, statuses.String(), faults.RetryAfter, faults.LostAnswerRate, faults.Latency, faults.LatencyJitter, faults.FaultUnauthenticated)
	}
	httpSrv := &http.Server{
		Handler:           logRequests(srv, logger),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          logger,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()
	fmt.Fprintf(stdout, "diga-emulator listening on http://%s\n", ln.Addr())

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	// End pending injected delays so that Shutdown does not wait for them.
	srv.SetFaults(emulator.Faults{})
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// checkLoopback refuses listen addresses that are not on the loopback
// interface: the emulator accepts any configured key and must not be
// reachable from the network.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid -listen address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to listen on %q: only loopback addresses (127.0.0.0/8, ::1, localhost) are allowed", addr)
	}
	return nil
}

type statusWriter struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Hijack lets the emulator drop the connection for a lost answer and
// remembers that it did.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, brw, err
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one line per request. Headers (and so the API key) are
// never logged. A request answered by dropping the connection (hijacked, or
// aborted with http.ErrAbortHandler) is logged as "lost"; one that wrote
// nothing because its client went away as "canceled".
func logRequests(next http.Handler, logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			var outcome string
			switch {
			case sw.status != 0:
				outcome = strconv.Itoa(sw.status)
			case r.Context().Err() != nil:
				// Checked first: the emulator also closes the connection
				// of a request it drops because its client went away.
				outcome = "canceled"
			case sw.hijacked || isAbort(v):
				outcome = "lost"
			default:
				outcome = strconv.Itoa(http.StatusOK)
			}
			target := r.URL.Path
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			logger.Printf("%s %q %s %s", r.Method, target, outcome, time.Since(start).Round(time.Microsecond))
			if v != nil {
				panic(v)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// isAbort reports whether a recovered panic value is http.ErrAbortHandler,
// the emulator's way of dropping a connection unanswered.
func isAbort(v any) bool {
	err, ok := v.(error)
	return ok && errors.Is(err, http.ErrAbortHandler)
}
