package contract

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
)

// Middleware serves every request with next, unchanged, and reports each
// way the request or its answer departs from the contract (see the package
// doc for the rules). The answer is buffered and sent after the check, so
// every report for a request is made before its client sees the answer
// (handlers cannot stream through it; Hijack still works). report may be
// called from several goroutines at once.
func (v *Validator) Middleware(next http.Handler, report func(Violation)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var reqBody []byte
		if r.Body != nil && r.Body != http.NoBody {
			b, err := io.ReadAll(r.Body)
			_ = r.Body.Close()
			if err != nil {
				report(Violation{Operation: r.Method + " " + r.URL.EscapedPath(), Direction: dirRequest, Field: "body", Message: "reading the request body: " + err.Error()})
			}
			reqBody = b
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		cw := &captureWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		if cw.hijacked {
			// No HTTP answer to check (the handler took the connection).
			path := r.URL.EscapedPath()
			op, params := v.match(r.Method, path)
			if op == nil {
				report(v.undocumented(r.Method, path))
				return
			}
			markSeen(op.key)
			for _, vio := range v.checkRequestOp(op, params, r, reqBody) {
				report(vio)
			}
			return
		}
		status := cw.status
		if status == 0 {
			status = http.StatusOK
		}
		for _, vio := range v.checkExchange(r, reqBody, status, w.Header(), cw.body.Bytes()) {
			report(vio)
		}
		cw.send(status)
	})
}

// Wrap is Middleware for a test: every violation fails t with t.Errorf,
// naming the operation, direction, status and field. A contract that does
// not load fails t at once.
func Wrap(t testing.TB, next http.Handler) http.Handler {
	t.Helper()
	v, err := Load()
	if err != nil {
		t.Fatalf("loading the Diga contract: %v", err)
	}
	return v.Middleware(next, func(vio Violation) {
		t.Errorf("Diga contract violation: %s", vio)
	})
}

// WrapRequests is Wrap for a handler that answers off-contract on purpose
// (fault injection: 429/5xx, HTML error pages, dropped connections): every
// request reaching it must still match the contract, and a departure fails
// t; the answers are not checked. It is the explicit opt-out from Wrap's
// response checks.
func WrapRequests(t testing.TB, next http.Handler) http.Handler {
	t.Helper()
	v, err := Load()
	if err != nil {
		t.Fatalf("loading the Diga contract: %v", err)
	}
	return v.Middleware(next, func(vio Violation) {
		if vio.Direction == dirRequest {
			t.Errorf("Diga contract violation: %s", vio)
		}
	})
}

// captureWriter buffers the answer so that it is checked (and any violation
// reported) before the client receives it: a test that reads the reports
// right after a call sees them all. Headers go straight to the real writer's
// map; status and body are written once the handler has returned.
type captureWriter struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (w *captureWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// Flush is a no-op: the answer is sent whole after the check.
func (w *captureWriter) Flush() {}

// Hijack lets fault-injecting handlers drop the connection.
func (w *captureWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("contract: the underlying ResponseWriter cannot be hijacked")
	}
	conn, rw, err := h.Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, rw, err
}

// Unwrap serves http.ResponseController (deadlines, full duplex).
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// send writes the buffered answer to the client.
func (w *captureWriter) send(status int) {
	w.ResponseWriter.WriteHeader(status)
	if w.body.Len() > 0 {
		_, _ = w.ResponseWriter.Write(w.body.Bytes())
	}
}
