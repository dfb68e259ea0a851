package flowdef

import (
	"encoding/json"
	"sync/atomic"
)

// Definition is a parsed flow definition: the text as it was written and
// the tree it stands for. It is parsed once (ParseDefinition) and then
// offers everything callers need: validation, comparison with what Diga
// holds, the fingerprint of a published revision and the form kept in
// Terraform state. A nil *Definition is no definition at all.
type Definition struct {
	text string
	tree map[string]any
}

// parses counts ParseDefinition calls (Parses).
var parses atomic.Int64

// Parses reports how many definition texts this process has parsed: the
// provider's tests hold each request to one parse per text with it.
func Parses() int64 { return parses.Load() }

// ParseDefinition parses definition text (a JSON object, within the
// limits Parse enforces).
func ParseDefinition(text string) (*Definition, error) {
	parses.Add(1)
	tree, err := Parse(text)
	if err != nil {
		return nil, err
	}
	return &Definition{text: text, tree: tree}, nil
}

// FromServer parses the trigger of a flow as Diga returned it; nil (and
// no error) when the flow has no trigger.
func FromServer(raw json.RawMessage) (*Definition, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	return ParseDefinition(string(raw))
}

// Text is the definition exactly as written.
func (d *Definition) Text() string { return d.text }

// Problems lists what Diga would reject or could not run, by step.
func (d *Definition) Problems() []Problem { return Validate(d.tree) }

// Publishable reports whether Diga can publish a flow with this definition
// (its trigger is not EMPTY).
func (d *Definition) Publishable() bool { return Publishable(d.tree) }

// Fingerprint identifies the revision published with this definition under
// name.
func (d *Definition) Fingerprint(name string) string { return Fingerprint(name, d.tree) }

// Means reports whether server (what Diga holds) means the same flow as d
// (what the user wrote); see the package documentation for what counts.
func (d *Definition) Means(server *Definition) bool {
	if d == nil || server == nil {
		return d == server
	}
	return Equivalent(d.tree, server.tree)
}

// SameAs reports whether stated, a text standing for Diga's flow (what
// state holds), means the same flow as d (the configuration): as Means, but
// nothing counts as hidden, since a text holds whatever was kept of it.
func (d *Definition) SameAs(stated *Definition) bool {
	if d == nil || stated == nil {
		return d == stated
	}
	return len(StatedDifferences(d.tree, stated.tree, 1)) == 0
}

// SameText reports whether d and other, two texts the user wrote, mean the
// same flow, both ways round (see the function SameText).
func (d *Definition) SameText(other *Definition) bool {
	if d == nil || other == nil {
		return d == other
	}
	return SameText(d.tree, other.tree)
}

// Differences lists up to limit readable differences between d and server.
func (d *Definition) Differences(server *Definition, limit int) []string {
	return Differences(d.tree, server.tree, limit)
}

// StateDefinition is the definition to keep in state for server's when the
// prior state (or configuration) held d: d itself when server means the
// same, otherwise server's definition without bookkeeping, without the keys
// d never had and with what the answer cannot show kept from d, so the plan
// shows only what changed. d may be nil.
func (d *Definition) StateDefinition(server *Definition) *Definition {
	if d != nil && d.Means(server) {
		return d
	}
	var ref any
	if d != nil {
		ref = d.tree
	}
	tree, _ := Project(server.tree, ref).(map[string]any)
	return &Definition{text: Canonical(tree), tree: tree}
}

// StateText is StateDefinition's text.
func (d *Definition) StateText(server *Definition) string { return d.StateDefinition(server).Text() }
