package provider

import (
	"context"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

type payloadKey struct{}

// payload stands for what terraform-plugin-go attaches to every request's
// context (loggers, their options, ids).
type payload struct{ _ [64 << 10]byte }

// callWithPayload calls ValidateResourceConfig on server with a context
// carrying a payload, and returns a weak pointer to it: once this returns,
// only what the server kept can keep the payload alive.
//
//go:noinline
func callWithPayload(server tfprotov6.ProviderServer) (weak.Pointer[payload], error) {
	p := &payload{}
	ctx := context.WithValue(context.Background(), payloadKey{}, p)
	_, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "diga_flow"})
	return weak.Make(p), err
}

// retainedAfterRPC reports whether the payload of one call is still
// reachable once the call has returned and the GC has run.
func retainedAfterRPC(t *testing.T, server tfprotov6.ProviderServer) bool {
	t.Helper()
	w, err := callWithPayload(server)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		runtime.GC()
	}
	retained := w.Value() != nil
	runtime.KeepAlive(server) // what the server keeps is what counts
	return retained
}

// The framework's server keeps every request context until StopProvider;
// ours lets go of a request's values when it returns.
func TestProtocolServer_releasesRequestContexts(t *testing.T) {
	framework, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	if !retainedAfterRPC(t, framework) {
		// The control: if this fails, the framework stopped keeping request
		// contexts and the wrapper (and this test) can go.
		t.Error("the framework's server no longer keeps request contexts; the wrapper is unnecessary")
	}

	ours, err := ProtocolServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ours.(releasingServer); !ok {
		t.Fatalf("ProtocolServer returned %T, want the releasing wrapper", ours)
	}
	if retainedAfterRPC(t, ours) {
		t.Fatal("a request's context values are still reachable after the RPC returned")
	}
}

// The wrapper keeps the optional interfaces terraform-plugin-go finds by
// type assertion: without them list resources and actions would vanish.
func TestProtocolServer_keepsOptionalInterfaces(t *testing.T) {
	ours, err := ProtocolServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ours.(tfprotov6.ListResourceServer); !ok {
		t.Error("list resources lost")
	}
	if _, ok := ours.(tfprotov6.ActionServer); !ok {
		t.Error("actions lost")
	}
	if _, ok := ours.(tfprotov6.StateStoreServer); !ok {
		t.Error("state store RPCs lost")
	}
}

func TestRequestScope(t *testing.T) {
	t.Run("values until released", func(t *testing.T) {
		parent := context.WithValue(context.Background(), payloadKey{}, "v")
		ctx, release := requestScope(parent)
		child, cancelChild := context.WithCancel(ctx)
		defer cancelChild()
		if got := child.Value(payloadKey{}); got != "v" {
			t.Fatalf("Value during the RPC = %v, want v", got)
		}
		release()
		<-child.Done() // released: derived contexts are cancelled
		if ctx.Err() != context.Canceled {
			t.Fatalf("Err after release = %v", ctx.Err())
		}
		if got := child.Value(payloadKey{}); got != nil {
			t.Fatalf("Value after release = %v, want nil", got)
		}
	})
	t.Run("parent cancellation reaches derived contexts", func(t *testing.T) {
		parent, cancel := context.WithCancel(context.Background())
		ctx, release := requestScope(parent)
		defer release()
		child, cancelChild := context.WithCancel(ctx)
		defer cancelChild()
		cancel()
		<-child.Done()
		if child.Err() != context.Canceled {
			t.Fatalf("Err = %v", child.Err())
		}
	})
	t.Run("deadline", func(t *testing.T) {
		want := time.Now().Add(time.Hour)
		parent, cancel := context.WithDeadline(context.Background(), want)
		defer cancel()
		ctx, release := requestScope(parent)
		defer release()
		if got, ok := ctx.Deadline(); !ok || !got.Equal(want) {
			t.Fatalf("Deadline = %v %v, want %v", got, ok, want)
		}
	})
}

func TestRequestScope_deadlineAndDoneParents(t *testing.T) {
	t.Run("a parent's deadline reads as DeadlineExceeded", func(t *testing.T) {
		for range 200 {
			parent, cancel := context.WithTimeout(context.Background(), time.Microsecond)
			ctx, release := requestScope(parent)
			<-ctx.Done()
			if err := ctx.Err(); err != context.DeadlineExceeded {
				t.Fatalf("Err = %v, want DeadlineExceeded", err)
			}
			release()
			cancel()
		}
	})
	t.Run("a cancelled parent gives a done scope at once", func(t *testing.T) {
		parent, cancel := context.WithCancel(context.Background())
		cancel()
		ctx, release := requestScope(parent)
		defer release()
		if ctx.Err() != context.Canceled {
			t.Fatalf("Err = %v, want Canceled at once", ctx.Err())
		}
	})
}

// streamServer is the framework's server with a ListResource whose stream
// reports what its context carries while it is read.
type streamServer struct {
	frameworkServer
	seen *[]any
}

func (s streamServer) ListResource(ctx context.Context, _ *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	return &tfprotov6.ListResourceServerStream{Results: func(yield func(tfprotov6.ListResourceResult) bool) {
		*s.seen = append(*s.seen, ctx.Value(payloadKey{}))
		yield(tfprotov6.ListResourceResult{})
	}}, nil
}

// A stream keeps the request's values until it has been read, and no
// longer.
func TestProtocolServer_streamsReleaseWhenRead(t *testing.T) {
	inner, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	var seen []any
	fake := streamServer{frameworkServer: inner.(frameworkServer), seen: &seen}
	server := ReleaseRequests(fake).(releasingServer)
	ctx := context.WithValue(context.Background(), payloadKey{}, "v")
	stream, err := server.ListResource(ctx, &tfprotov6.ListResourceRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for range stream.Results {
	}
	if len(seen) != 1 || seen[0] != "v" {
		t.Fatalf("values while the stream was read = %v, want [v]", seen)
	}
	// Read again: the scope has been released by then.
	for range stream.Results {
	}
	if len(seen) != 2 || seen[1] != nil {
		t.Fatalf("values after the stream was read = %v, want [v <nil>]", seen)
	}
}
