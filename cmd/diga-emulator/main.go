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
package main

import (
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
	"strings"
	"syscall"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("diga-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8787", "loopback `address` to listen on (port 0 picks a free port)")
	var keys keyList
	fs.Var(&keys, "api-key", "accepted API `key`; repeat the flag or separate keys with commas (default demo-key)")
	seed := fs.Int("seed-flows", 0, "create `N` empty flows for every API key at startup")
	sparse := fs.Bool("sparse-rename", false, "answer rename without status and flow_category, like Diga's docs example")
	strict := fs.Bool("strict-response-model", false, "render trigger trees through the documented response models (drop undeclared keys)")
	if err := fs.Parse(args); err != nil {
		return err
	}
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

	opts := []emulator.Option{emulator.WithAPIKeys(keys...)}
	if *sparse {
		opts = append(opts, emulator.WithSparseRenameResponse())
	}
	if *strict {
		opts = append(opts, emulator.WithStrictResponseModel())
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
	status int
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

// logRequests writes one line per request. Headers (and so the API key) are
// never logged.
func logRequests(next http.Handler, logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		target := r.URL.Path
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		logger.Printf("%s %q %d %s", r.Method, target, status, time.Since(start).Round(time.Microsecond))
	})
}
