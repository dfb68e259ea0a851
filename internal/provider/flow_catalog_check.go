package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// This file holds diga_flow's plan-time checks against Diga's piece
// catalogue (GET /v1/workflow/piece/{piece_name}, public): a trigger or
// action the piece does not have and a missing required input are errors,
// an unknown input and a piece the catalogue does not list are warnings
// (flowdef.CheckCatalog decides which). A check that cannot run never fails
// a plan: an unreachable catalogue is one warning per provider process.

// catalogFetchTimeout bounds one piece's fetch, retries included, so that
// an unresponsive catalogue cannot hold a plan up for long.
const catalogFetchTimeout = 30 * time.Second

// pieceCatalog remembers each piece the catalogue described, or failed to,
// for the life of the provider process: every piece is fetched at most
// once, and concurrent plans of many flows wait for the one fetch under
// way instead of starting their own.
type pieceCatalog struct {
	fetch func(ctx context.Context, name string) (*client.PieceDetail, error)

	mu      sync.Mutex
	entries map[string]*pieceEntry
	// warned: the "checks skipped" warning was given (once per process).
	warned atomic.Bool
}

type pieceEntry struct {
	done chan struct{} // closed when the fields below are set
	spec *flowdef.PieceSpec
	// missing: the catalogue answered that it has no such piece.
	missing bool
	err     error // the catalogue could not be asked
}

func newPieceCatalog(c *client.Client) *pieceCatalog {
	return &pieceCatalog{fetch: c.GetPiece, entries: map[string]*pieceEntry{}}
}

// lookup returns the piece's description, (nil, nil) for a piece the
// catalogue does not list, or the error that kept the catalogue from
// answering.
func (pc *pieceCatalog) lookup(ctx context.Context, name string) (*flowdef.PieceSpec, error) {
	pc.mu.Lock()
	e, ok := pc.entries[name]
	if !ok {
		e = &pieceEntry{done: make(chan struct{})}
		pc.entries[name] = e
		// The fetch belongs to every plan waiting for it, not to the one
		// that started it: a canceled plan must not fail the others.
		go pc.load(context.WithoutCancel(ctx), name, e)
	}
	pc.mu.Unlock()
	select {
	case <-e.done:
		return e.spec, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (pc *pieceCatalog) load(ctx context.Context, name string, e *pieceEntry) {
	defer close(e.done)
	ctx, cancel := context.WithTimeout(ctx, catalogFetchTimeout)
	defer cancel()
	p, err := pc.fetch(ctx, name)
	switch {
	case pieceNotListed(err):
		e.missing = true
	case err != nil:
		e.err = err
	default:
		e.spec = pieceSpecOf(p)
	}
	tflog.Debug(ctx, "Looked up a piece in Diga's catalogue", map[string]any{
		"piece": name, "found": e.spec != nil, "not_listed": e.missing, "error": errText(e.err),
	})
}

// pieceNotListed reports the catalogue's own answer that it has no such
// piece: a 404 in Diga's error envelope. A 404 without it ({"detail":"Not
// Found"} from the framework, a proxy's page) means the route itself was
// not found, so the catalogue could not be asked.
func pieceNotListed(err error) bool {
	var apiErr *client.APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound && apiErr.ErrorCode != ""
}

func pieceSpecOf(p *client.PieceDetail) *flowdef.PieceSpec {
	ops := func(list []client.PieceOperation) map[string]flowdef.OperationSpec {
		out := make(map[string]flowdef.OperationSpec, len(list))
		for _, op := range list {
			props, err := flowdef.ParseProps(op.Props)
			if err != nil {
				props = nil // a schema we cannot read: inputs not checked
			}
			out[op.Name] = flowdef.OperationSpec{DisplayName: op.DisplayName, Props: props,
				RequireAuth: op.RequireAuth == nil || *op.RequireAuth}
		}
		return out
	}
	spec := &flowdef.PieceSpec{Actions: ops(p.Actions), Triggers: ops(p.Triggers)}
	if p.Version != nil && exactVersion.MatchString(*p.Version) {
		spec.Version = *p.Version
	}
	spec.Auth, spec.AuthOptional = authOf(p.Auth)
	return spec
}

// exactVersion is a version the engine stores as it is: x.y.z.
var exactVersion = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

// authOf reads a piece's auth (a PieceAuthProperty, or an array of them):
// whether the piece takes a connection, and whether it marks it optional
// (required: false on every property given).
func authOf(raw json.RawMessage) (has, optional bool) {
	if len(raw) == 0 {
		return false, false
	}
	var list []struct {
		Required *bool `json:"required"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		var one struct {
			Required *bool `json:"required"`
		}
		if err := json.Unmarshal(raw, &one); err != nil {
			return true, false // a shape we cannot read: assume it is required
		}
		list = append(list, one)
	}
	if len(list) == 0 {
		return false, false
	}
	optional = true
	for _, a := range list {
		optional = optional && a.Required != nil && !*a.Required
	}
	return true, optional
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// lookupAll looks the named pieces up side by side: the descriptions of
// those the catalogue answered for (nil for a piece it does not list), and
// the first error that kept it from answering for another.
func (pc *pieceCatalog) lookupAll(ctx context.Context, names []string) (map[string]*flowdef.PieceSpec, error) {
	specs := make([]*flowdef.PieceSpec, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			specs[i], errs[i] = pc.lookup(ctx, name)
		}()
	}
	wg.Wait()
	pieces := make(map[string]*flowdef.PieceSpec, len(names))
	var failed error
	for i, name := range names {
		if errs[i] != nil {
			if failed == nil {
				failed = fmt.Errorf("piece %q: %w", name, errs[i])
			}
			continue // not looked up: not checked
		}
		pieces[name] = specs[i]
	}
	return pieces, failed
}

// versions looks up what the engine tree of def needs from the catalogue:
// the pieces it names without a settings.pieceVersion. An error names the
// pieces and says how to apply without the catalogue.
func (pc *pieceCatalog) versions(ctx context.Context, def *flowdef.Definition) (map[string]*flowdef.PieceSpec, error) {
	names := def.PiecesWithoutVersion()
	if len(names) == 0 {
		return nil, nil
	}
	pieces, err := pc.lookupAll(ctx, names)
	if err != nil {
		var steps []string
		for _, name := range names {
			steps = append(steps, def.StepsUsing(name, true)...)
		}
		return nil, fmt.Errorf("the piece catalogue could not be read (%w), and the definition gives no "+
			"settings.pieceVersion for %s, which the engine requires: try again, or set settings.pieceVersion on "+
			"%s", err, strings.Join(names, ", "), strings.Join(steps, "; "))
	}
	return pieces, nil
}

// checkCatalog checks the definition a plan will import against the
// catalogue and reports what it finds on `definition`. It returns the
// steps (paths, as flowdef names them) it reported an error for. It does
// nothing when the checks are off or the provider is not configured yet.
func (r *flowResource) checkCatalog(ctx context.Context, def *flowdef.Definition, diags *diag.Diagnostics) (refused map[string]bool) {
	if r.data == nil || r.data.catalog == nil || !r.data.catalogChecks || def == nil {
		return nil
	}
	refused = map[string]bool{}
	pc := r.data.catalog
	var names []string
	for _, name := range def.PieceNames() {
		if client.CheckPathSegment("piece name", name) != nil {
			// The definition's fault, not the catalogue's: no piece can
			// have this name, and it is never sent.
			diags.AddAttributeError(path.Root("definition"), "Invalid piece name",
				fmt.Sprintf("%s: settings.pieceName %q is not a piece name (a package name such as "+
					"@activepieces/piece-slack), so it cannot be looked up in Diga's piece catalogue.",
					strings.Join(def.StepsUsing(name, false), "; "), name))
			continue
		}
		names = append(names, name)
	}
	pieces, failed := pc.lookupAll(ctx, names)
	if failed != nil && pc.warned.CompareAndSwap(false, true) {
		diags.AddAttributeWarning(path.Root("definition"), "Piece catalogue checks skipped",
			"Diga's piece catalogue could not be read ("+failed.Error()+"), so the pieces, actions, triggers and "+
				"inputs of flow definitions are not checked in this run; the plan goes on without them. This "+
				"warning is given once per run. If the catalogue cannot be reached from here (an air-gapped "+
				"plan), set catalog_checks = false in the provider block.")
	}
	for _, f := range def.CheckCatalog(pieces) {
		detail := f.Step + ": " + upperFirst(f.Message)
		if f.Error {
			refused[f.Step] = true
			diags.AddAttributeError(path.Root("definition"), f.Summary, detail)
		} else {
			diags.AddAttributeWarning(path.Root("definition"), f.Summary, detail)
		}
	}
	return refused
}
