package provider

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// ProtocolServer is the provider's protocol 6 server: the framework's, with
// every request-response RPC given a context that lets go of the request's
// values when the RPC returns.
//
// Why: the framework's protocol server keeps the cancel function of every
// request's context for the life of the process, to cancel them all on
// StopProvider. Each of those contexts holds the request's whole value chain
// — the loggers, logger options and request ids terraform-plugin-go and the
// framework attach to every RPC — so a provider process grows by those for
// every request it serves (the benchmark, BENCHMARKS.md, measured 123 MiB at
// 1,000 resources for a provider with no code of its own). Through this wrapper what stays behind
// per request is a few hundred bytes of cancellation bookkeeping: StopProvider
// still cancels a running request, and logs are written exactly as before
// while it runs.
//
// Streaming RPCs (ListResource, InvokeAction) keep their context until
// terraform-plugin-go has drained the stream they return.
func ProtocolServer(version string) func() (tfprotov6.ProviderServer, error) {
	framework := providerserver.NewProtocol6WithError(New(version)())
	return func() (tfprotov6.ProviderServer, error) {
		inner, err := framework()
		if err != nil {
			return nil, err
		}
		return ReleaseRequests(inner), nil
	}
}

// frameworkServer is every protocol 6 interface the framework's server
// implements; terraform-plugin-go finds the optional ones (list resources,
// actions, state stores) by type assertion, so a wrapper must keep them.
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
}

// ReleaseRequests wraps a framework provider server (ProtocolServer's; the
// benchmark's floor_flow uses it to be compared like with like), or returns
// it as it is when it lacks one of the optional interfaces (a framework
// release that changed them): then nothing is lost but the memory.
func ReleaseRequests(inner tfprotov6.ProviderServer) tfprotov6.ProviderServer {
	full, ok := inner.(frameworkServer)
	if !ok {
		return inner
	}
	return releasingServer{full}
}

// releasingServer overrides the RPCs Terraform makes per resource, data
// source, function call, action or list — the ones whose number grows with
// the configuration — and passes the others (a handful per run) through.
type releasingServer struct{ frameworkServer }

// scoped runs one RPC with a context released when it returns.
func scoped[Req, Resp any](ctx context.Context, req Req, rpc func(context.Context, Req) (Resp, error)) (Resp, error) {
	ctx, release := requestScope(ctx)
	defer release()
	return rpc(ctx, req)
}

func (s releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return scoped(ctx, req, s.frameworkServer.ValidateResourceConfig)
}

func (s releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return scoped(ctx, req, s.frameworkServer.UpgradeResourceState)
}

func (s releasingServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return scoped(ctx, req, s.frameworkServer.UpgradeResourceIdentity)
}

func (s releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return scoped(ctx, req, s.frameworkServer.ReadResource)
}

func (s releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return scoped(ctx, req, s.frameworkServer.PlanResourceChange)
}

func (s releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return scoped(ctx, req, s.frameworkServer.ApplyResourceChange)
}

func (s releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return scoped(ctx, req, s.frameworkServer.ImportResourceState)
}

func (s releasingServer) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return scoped(ctx, req, s.frameworkServer.MoveResourceState)
}

func (s releasingServer) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return scoped(ctx, req, s.frameworkServer.GenerateResourceConfig)
}

func (s releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return scoped(ctx, req, s.frameworkServer.ValidateDataResourceConfig)
}

func (s releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return scoped(ctx, req, s.frameworkServer.ReadDataSource)
}

func (s releasingServer) ValidateListResourceConfig(ctx context.Context, req *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	return scoped(ctx, req, s.frameworkServer.ValidateListResourceConfig)
}

func (s releasingServer) ValidateActionConfig(ctx context.Context, req *tfprotov6.ValidateActionConfigRequest) (*tfprotov6.ValidateActionConfigResponse, error) {
	return scoped(ctx, req, s.frameworkServer.ValidateActionConfig)
}

func (s releasingServer) PlanAction(ctx context.Context, req *tfprotov6.PlanActionRequest) (*tfprotov6.PlanActionResponse, error) {
	return scoped(ctx, req, s.frameworkServer.PlanAction)
}

// ListResource releases the context once the results have been read (or
// at once when there is no stream).
func (s releasingServer) ListResource(ctx context.Context, req *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	ctx, release := requestScope(ctx)
	stream, err := s.frameworkServer.ListResource(ctx, req)
	if err != nil || stream == nil || stream.Results == nil {
		release()
		return stream, err
	}
	results := stream.Results
	stream.Results = func(yield func(tfprotov6.ListResourceResult) bool) {
		defer release()
		results(yield)
	}
	return stream, nil
}

// InvokeAction releases the context once the events have been read (or at
// once when there is no stream).
func (s releasingServer) InvokeAction(ctx context.Context, req *tfprotov6.InvokeActionRequest) (*tfprotov6.InvokeActionServerStream, error) {
	ctx, release := requestScope(ctx)
	stream, err := s.frameworkServer.InvokeAction(ctx, req)
	if err != nil || stream == nil || stream.Events == nil {
		release()
		return stream, err
	}
	events := stream.Events
	stream.Events = func(yield func(tfprotov6.InvokeActionEvent) bool) {
		defer release()
		events(yield)
	}
	return stream, nil
}

func (s releasingServer) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return scoped(ctx, req, s.frameworkServer.CallFunction)
}

// requestScope returns a context for one RPC: while the RPC runs it carries
// parent's values, deadline and cancellation; release (called when the RPC
// returns) cancels it and drops the reference to parent, so whatever keeps
// the returned context — or a context derived from it — no longer keeps
// parent's values alive.
func requestScope(parent context.Context) (context.Context, func()) {
	// The cancellation is a context of its own, holding no values, so that
	// contexts derived from the scope attach to it directly (the context
	// package finds it through Value) instead of each starting a goroutine.
	var base context.Context
	var cancel context.CancelFunc
	if deadline, ok := parent.Deadline(); ok {
		base, cancel = context.WithDeadline(context.Background(), deadline)
	} else {
		base, cancel = context.WithCancel(context.Background())
	}
	// A parent past its deadline is left to the scope's own timer (same
	// deadline), so that Err says DeadlineExceeded, not Canceled.
	stop := context.AfterFunc(parent, func() {
		if !errors.Is(parent.Err(), context.DeadlineExceeded) {
			cancel()
		}
	})
	if err := parent.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		cancel() // already over: done now, not when AfterFunc's goroutine runs
	}
	c := &scopeContext{Context: base}
	c.values.Store(&parent)
	return c, func() {
		stop()
		c.values.Store(nil)
		cancel()
	}
}

// scopeContext is requestScope's context: Deadline, Done and Err are its
// own cancellation's; Value asks that first (it knows only the context
// package's own key) and then the request's context, until released.
type scopeContext struct {
	context.Context
	values atomic.Pointer[context.Context]
}

func (c *scopeContext) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	if p := c.values.Load(); p != nil {
		return (*p).Value(key)
	}
	return nil
}
