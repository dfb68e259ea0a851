package flowdef

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// The engine tree
//
// Diga imports a definition (POST …/import) into the Activepieces engine,
// whose ImportFlowRequest and IMPORT_FLOW operation expect a complete
// flow-version tree: on the trigger and every step a name (the trigger's
// is "trigger": IMPORT_FLOW updates the draft's trigger by that name),
// valid, displayName and lastUpdatedDate; settings.input and
// settings.propertySettings; for pieces an exact settings.pieceVersion
// (a PIECE step without one makes the engine's import throw); a loop body
// in firstLoopAction (the engine reads nothing else); a router's
// executionType; a CODE step's sourceCode.packageJson. People write the
// short form. EngineTree fills in everything else, so what is sent is what
// the engine accepts as sent, whatever Diga does or does not add on its
// way: the user's `definition` text stays as written, and what is filled in
// is bookkeeping the comparison never shows as a difference.

// Names and defaults of the Activepieces engine.
const (
	// TriggerName is the name of every flow's trigger.
	TriggerName = "trigger"
	// DefaultExecutionType is how a router runs when the definition does
	// not say: the first branch whose conditions hold.
	DefaultExecutionType = "EXECUTE_FIRST_MATCH"
	// DefaultPackageJSON is a CODE step's package.json when the
	// definition gives none: no dependencies.
	DefaultPackageJSON = "{}"
	// engineTimeLayout is how Activepieces writes lastUpdatedDate
	// (JavaScript's toISOString).
	engineTimeLayout = "2006-01-02T15:04:05.000Z"
)

// EngineOptions is what EngineTree needs besides the definition.
type EngineOptions struct {
	// Pieces describes, by name, the pieces whose trigger or steps give no
	// settings.pieceVersion (PiecesWithoutVersion): their version is the
	// catalogue's (PieceSpec.Version). The trigger's displayName, when the
	// definition gives none, is the catalogue's name for the trigger.
	Pieces map[string]*PieceSpec
	// Now stamps lastUpdatedDate on the trigger and every step.
	Now time.Time
}

// MissingVersionError is EngineTree's error when a piece's version is
// neither in the definition nor in the catalogue.
type MissingVersionError struct {
	// Steps lists, by piece name, the paths of the trigger or steps that
	// name the piece without a settings.pieceVersion.
	Steps map[string][]string
}

func (e *MissingVersionError) Error() string {
	var parts []string
	for _, piece := range slices.Sorted(maps.Keys(e.Steps)) {
		parts = append(parts, fmt.Sprintf("%q (used by %s)", piece, strings.Join(e.Steps[piece], ", ")))
	}
	return "the version of " + joinWords(parts, "and") + " is not in the definition, and Diga's piece catalogue " +
		"did not give one; the engine cannot import a piece step without it. Set settings.pieceVersion on those " +
		"steps (an exact version such as \"0.17.9\", or a range such as \"^0.17.0\")"
}

// PiecesWithoutVersion lists, sorted and once each, the pieces named by the
// trigger or a PIECE step that gives no settings.pieceVersion: the ones
// EngineTree needs the catalogue for.
func (d *Definition) PiecesWithoutVersion() []string {
	seen := map[string]bool{}
	for _, u := range pieceUses(d.tree) {
		if !u.versioned {
			seen[u.piece] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// StepsUsing lists the paths of the trigger and steps that name piece, in
// tree order; withoutVersion: only those that give no settings.pieceVersion.
func (d *Definition) StepsUsing(piece string, withoutVersion bool) []string {
	var out []string
	for _, u := range pieceUses(d.tree) {
		if u.piece == piece && (!withoutVersion || !u.versioned) {
			out = append(out, u.where.String())
		}
	}
	return out
}

// EngineTree returns the complete engine tree of the definition (see "The
// engine tree" above). The definition must be free of Problems.
func (d *Definition) EngineTree(opt EngineOptions) (map[string]any, error) {
	b := &engineBuilder{opt: opt, stamp: opt.Now.UTC().Format(engineTimeLayout), missing: map[string][]string{}}
	out := b.trigger(d.tree)
	if len(b.missing) > 0 {
		for piece := range b.missing {
			sort.Strings(b.missing[piece])
		}
		return nil, &MissingVersionError{Steps: b.missing}
	}
	return out, nil
}

// EngineJSON is EngineTree as the request body member (POST …/import's
// trigger).
func (d *Definition) EngineJSON(opt EngineOptions) (json.RawMessage, error) {
	tree, err := d.EngineTree(opt)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(Canonical(tree)), nil
}

type engineBuilder struct {
	opt     EngineOptions
	stamp   string
	missing map[string][]string // piece → paths of steps without a version
}

// common copies what the trigger and steps share: the keys the definition
// gives (null ones left out, so an explicit null displayName, skip or
// sampleData is never sent), valid (true unless the definition says) and
// lastUpdatedDate. The step tree keys and settings are the caller's.
func (b *engineBuilder) common(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+4)
	for k, v := range m {
		switch k {
		case "nextAction", "children", "firstLoopAction", "settings":
			continue
		}
		if v != nil {
			out[k] = v
		}
	}
	if _, ok := out["valid"].(bool); !ok {
		out["valid"] = true
	}
	if _, ok := out["skip"].(bool); !ok {
		delete(out, "skip")
	}
	out["lastUpdatedDate"] = b.stamp
	return out
}

func (b *engineBuilder) trigger(t map[string]any) map[string]any {
	where := triggerPath()
	out := b.common(t)
	out["name"] = TriggerName
	typ, _ := t["type"].(string)
	settings := settingsOf(t)
	// The engine keeps the draft's own trigger sample data whatever is sent.
	delete(settings, "sampleData")
	if typ == "PIECE_TRIGGER" {
		b.pieceSettings(settings, where)
	}
	out["settings"] = settings
	if _, ok := out["displayName"].(string); !ok {
		out["displayName"] = b.triggerDisplayName(typ, settings)
	}
	if next, ok := t["nextAction"].(map[string]any); ok {
		out["nextAction"] = b.chain(next, where)
	}
	return out
}

func (b *engineBuilder) triggerDisplayName(typ string, settings map[string]any) string {
	if typ != "PIECE_TRIGGER" {
		return "Empty Trigger"
	}
	piece, _ := settings["pieceName"].(string)
	name, _ := settings["triggerName"].(string)
	if spec := b.opt.Pieces[piece]; spec != nil {
		if op, ok := spec.Triggers[name]; ok && op.DisplayName != "" {
			return op.DisplayName
		}
	}
	if name != "" {
		return name
	}
	return "Trigger"
}

// chain builds the steps of a nextAction chain, first to last, and
// returns the first. It walks the chain in a loop; only branches and loop
// bodies recurse (their depth is bounded by Validate's MaxStepDepth).
func (b *engineBuilder) chain(first map[string]any, parent *stepPath) map[string]any {
	var head, prev map[string]any
	for m := first; m != nil; {
		where := parent.next(m)
		out := b.stepOnly(m, where)
		if prev == nil {
			head = out
		} else {
			prev["nextAction"] = out
		}
		prev = out
		next, _ := m["nextAction"].(map[string]any)
		m, parent = next, where
	}
	return head
}

// stepOnly builds one step without its nextAction.
func (b *engineBuilder) stepOnly(m map[string]any, where *stepPath) map[string]any {
	out := b.common(m)
	if _, ok := out["displayName"].(string); !ok {
		out["displayName"], _ = m["name"].(string)
	}
	typ, _ := m["type"].(string)
	settings := settingsOf(m)
	switch typ {
	case "PIECE":
		b.pieceSettings(settings, where)
	case "CODE":
		setDefault(settings, "input", map[string]any{})
		if code, ok := settings["sourceCode"].(map[string]any); ok {
			if _, has := code["packageJson"].(string); !has {
				code = maps.Clone(code)
				code["packageJson"] = DefaultPackageJSON
				settings["sourceCode"] = code
			}
		}
	case "LOOP_ON_ITEMS":
		if body, ok := loopBody(m).(map[string]any); ok {
			out["firstLoopAction"] = b.chain(body, where.body())
		}
	case "ROUTER":
		if _, ok := settings["executionType"].(string); !ok {
			settings["executionType"] = DefaultExecutionType
		}
		branches, _ := settings["branches"].([]any)
		given, _ := m["children"].([]any)
		children := make([]any, len(branches))
		for i := range children {
			if i < len(given) {
				if head, ok := given[i].(map[string]any); ok {
					children[i] = b.chain(head, where.branch(i))
				}
			}
		}
		out["children"] = children
	}
	out["settings"] = settings
	return out
}

// pieceSettings fills in what the engine requires of a piece trigger's or
// step's settings: input, propertySettings and the exact pieceVersion.
func (b *engineBuilder) pieceSettings(settings map[string]any, where *stepPath) {
	setDefault(settings, "input", map[string]any{})
	setDefault(settings, "propertySettings", map[string]any{})
	if v, ok := settings["pieceVersion"].(string); ok && v != "" {
		return
	}
	piece, _ := settings["pieceName"].(string)
	if spec := b.opt.Pieces[piece]; spec != nil && spec.Version != "" {
		settings["pieceVersion"] = spec.Version
		return
	}
	b.missing[piece] = append(b.missing[piece], where.String())
}

// settingsOf copies an object's settings without their null members (the
// engine's optional settings are absent or typed, never null), and without
// the nulls inside a router's branches and the error-handling options,
// whose members the engine types strictly (what HCL's optional object
// attributes produce would otherwise make the step invalid). Inputs keep
// their nulls: they are the user's data.
func settingsOf(m map[string]any) map[string]any {
	in, _ := m["settings"].(map[string]any)
	out := make(map[string]any, len(in)+3)
	for k, v := range in {
		switch {
		case v == nil:
		case k == "branches" || k == "errorHandlingOptions":
			out[k] = prune(v, false)
		default:
			out[k] = v
		}
	}
	return out
}

func setDefault(m map[string]any, key string, v any) {
	if _, ok := m[key].(map[string]any); !ok {
		m[key] = v
	}
}
