package flowdef

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Checks against Diga's piece catalogue
//
// A definition names, in each PIECE_TRIGGER trigger and PIECE step, a piece
// and one of its triggers or actions, and gives that operation's inputs in
// settings.input. The catalogue (GET /v1/workflow/piece/{piece_name})
// describes each piece's operations and their input properties in
// Activepieces' shape: {displayName, required, type, defaultValue, …} by
// property name. CheckCatalog holds a definition against those
// descriptions; fetching them is the caller's business.

// PieceSpec is what the catalogue says about one piece.
type PieceSpec struct {
	// Version is the exact version the catalogue offers ("0.17.9"); ""
	// when it gave none.
	Version string
	// Auth: the piece takes a connection, in settings.input.auth. It is
	// required (by the piece's triggers, and by each action whose
	// RequireAuth is set) unless AuthOptional.
	Auth, AuthOptional bool
	Actions, Triggers  map[string]OperationSpec // by name
}

// OperationSpec is one action or trigger of a piece.
type OperationSpec struct {
	DisplayName string
	// RequireAuth: an action that needs the piece's connection
	// (Activepieces' requireAuth, true unless the piece says false).
	// Triggers of a piece with auth always need it.
	RequireAuth bool
	// Props are the operation's input properties by name; nil when the
	// catalogue gave no property schema (its inputs are then not checked).
	Props map[string]PropSpec
}

// PropSpec is one input property.
type PropSpec struct {
	DisplayName string
	Type        string
	Required    bool
	// HasDefault: the property has a defaultValue, DefaultJSON. The
	// engine does not fill it in: a required property with a default must
	// still be in settings.input.
	HasDefault  bool
	DefaultJSON string
}

// ParseProps reads an operation's props as the catalogue sends them: an
// object of property definitions by name. Unknown keys are ignored; a
// property whose definition is not an object counts as optional.
func ParseProps(raw []byte) (map[string]PropSpec, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("props: %w", err)
	}
	out := make(map[string]PropSpec, len(m))
	for name, def := range m {
		var p struct {
			DisplayName  *string         `json:"displayName"`
			Type         *string         `json:"type"`
			Required     *bool           `json:"required"`
			DefaultValue json.RawMessage `json:"defaultValue"`
		}
		var spec PropSpec
		if err := json.Unmarshal(def, &p); err == nil {
			spec = PropSpec{
				DisplayName: deref(p.DisplayName),
				Type:        deref(p.Type),
				Required:    p.Required != nil && *p.Required,
				HasDefault:  len(p.DefaultValue) > 0 && string(p.DefaultValue) != "null",
			}
			if spec.HasDefault {
				spec.DefaultJSON = compactJSON(p.DefaultValue)
			}
		}
		out[name] = spec
	}
	return out, nil
}

// compactJSON renders raw JSON compactly (as it was when it cannot).
func compactJSON(raw []byte) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return string(raw)
	}
	return string(b)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CatalogFinding is one result of CheckCatalog, located by step.
type CatalogFinding struct {
	Step string // the step's path, as in Problem
	// Error: the apply would make a flow Diga cannot run; otherwise a
	// warning.
	Error   bool
	Summary string // short, for a diagnostic's summary
	Message string // what is wrong and how to fix it
}

func (f CatalogFinding) String() string { return f.Step + ": " + f.Message }

// pieceUse is a trigger or step that names a piece.
type pieceUse struct {
	where     *stepPath
	piece     string
	trigger   bool   // a trigger (triggerName), not an action (actionName)
	operation string // the trigger or action name
	input     map[string]any
	versioned bool // settings.pieceVersion is given
}

// PieceNames lists, sorted and once each, the pieces the definition's
// trigger and PIECE steps name.
func (d *Definition) PieceNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, u := range pieceUses(d.tree) {
		if !seen[u.piece] {
			seen[u.piece] = true
			out = append(out, u.piece)
		}
	}
	sort.Strings(out)
	return out
}

// CheckCatalog holds the definition against the catalogue's description
// of its pieces, with the engine's rules for a step's inputs. pieces maps a
// piece name to its description, or to nil when the catalogue does not
// list the piece (a private or custom piece); a piece missing from the map
// was not looked up, and its steps are not checked.
//
// Errors (the engine would refuse the step, or mark it invalid so the flow
// cannot be published): a trigger or action name the piece does not have
// (with the closest names: "did you mean …?"); a property the operation
// marks required that settings.input leaves out (or gives as null or ""),
// also when it has a default, which the engine does not fill in; a
// connection (input.auth) missing where the piece requires one; and a piece
// the catalogue does not list, used without a settings.pieceVersion (no
// version could be filled in). Warnings: an input key the operation does
// not know, and a piece the catalogue does not list, with a version.
func (d *Definition) CheckCatalog(pieces map[string]*PieceSpec) []CatalogFinding {
	var out []CatalogFinding
	for _, u := range pieceUses(d.tree) {
		spec, looked := pieces[u.piece]
		if !looked {
			continue
		}
		if spec == nil {
			if !u.versioned {
				out = append(out, CatalogFinding{Step: u.where.String(), Error: true, Summary: "Piece version unknown",
					Message: fmt.Sprintf("the piece %q is not in Diga's piece catalogue, so its version cannot be filled "+
						"in, and the engine cannot import a piece step without one. Check settings.pieceName (the "+
						"diga_pieces data source lists the catalogue), or, for a private or custom piece, set "+
						"settings.pieceVersion (e.g. \"0.1.0\").", u.piece)})
				continue
			}
			out = append(out, CatalogFinding{Step: u.where.String(), Summary: "Piece not in Diga's catalogue",
				Message: fmt.Sprintf("the piece %q is not in Diga's piece catalogue, so its %s %q and inputs were not "+
					"checked. That is expected for a private or custom piece; otherwise check settings.pieceName "+
					"(the diga_pieces data source lists the catalogue).", u.piece, u.kind(), u.operation)})
			continue
		}
		ops, other := spec.Actions, spec.Triggers
		if u.trigger {
			ops, other = spec.Triggers, spec.Actions
		}
		op, ok := ops[u.operation]
		if !ok {
			out = append(out, u.unknownOperation(ops, other))
			continue
		}
		if f, missing := u.checkAuth(spec, op); missing {
			out = append(out, f)
		}
		if op.Props == nil {
			continue
		}
		out = append(out, u.checkInputs(op.Props)...)
	}
	return out
}

// checkAuth reports a connection the piece needs and input.auth lacks.
func (u pieceUse) checkAuth(spec *PieceSpec, op OperationSpec) (CatalogFinding, bool) {
	if !spec.Auth || spec.AuthOptional || (!u.trigger && !op.RequireAuth) || !blank(u.input["auth"]) {
		return CatalogFinding{}, false
	}
	return CatalogFinding{Step: u.where.String(), Error: true, Summary: "Missing piece connection",
		Message: fmt.Sprintf("the %s %q of %q needs a connection, and settings.input.auth is missing: the engine "+
			"marks the step invalid and the flow cannot be published. Reference a connection by its external id, "+
			"e.g. with a diga_connection resource: auth = \"{{connections['${diga_connection.example.external_id}']}}\" "+
			"(the diga_connections data source lists existing ones).", u.kind(), u.operation, u.piece)}, true
}

func (u pieceUse) kind() string {
	if u.trigger {
		return "trigger"
	}
	return "action"
}

func (u pieceUse) setting() string {
	if u.trigger {
		return "settings.triggerName"
	}
	return "settings.actionName"
}

func (u pieceUse) unknownOperation(ops, other map[string]OperationSpec) CatalogFinding {
	names := slices.Sorted(maps.Keys(ops))
	msg := fmt.Sprintf("the piece %q has no %s %q", u.piece, u.kind(), u.operation)
	if _, isOther := other[u.operation]; isOther {
		otherKind, use := "a trigger", "the flow's trigger"
		if u.trigger {
			otherKind, use = "an action", "a step"
		}
		msg += fmt.Sprintf(" (%q is %s of this piece, which only %s can use)", u.operation, otherKind, use)
	}
	if s := suggest(u.operation, names); len(s) > 0 {
		msg += "; did you mean " + orList(s) + "?"
	} else {
		msg += "."
	}
	switch {
	case len(names) == 0:
		msg += fmt.Sprintf(" The piece has no %ss.", u.kind())
	case len(names) <= 12:
		msg += fmt.Sprintf(" Its %ss: %s.", u.kind(), strings.Join(names, ", "))
	default:
		msg += fmt.Sprintf(" It has %d %ss; the diga_piece data source lists them.", len(names), u.kind())
	}
	summary := "Unknown piece action"
	if u.trigger {
		summary = "Unknown piece trigger"
	}
	return CatalogFinding{Step: u.where.String(), Error: true, Summary: summary, Message: msg + " Fix " + u.setting() + "."}
}

func (u pieceUse) checkInputs(props map[string]PropSpec) []CatalogFinding {
	var out []CatalogFinding
	var missing, withDefault []string
	for _, name := range slices.Sorted(maps.Keys(props)) {
		p := props[name]
		if !p.Required || p.Type == "MARKDOWN" || name == "auth" {
			continue
		}
		if v, ok := u.input[name]; ok && !blank(v) {
			continue
		}
		label := fmt.Sprintf("%q", name)
		if p.DisplayName != "" && p.DisplayName != name {
			label += fmt.Sprintf(" (%s)", p.DisplayName)
		}
		if p.HasDefault {
			withDefault = append(withDefault, fmt.Sprintf("%s = %s", name, p.DefaultJSON))
			continue
		}
		missing = append(missing, label)
	}
	if len(missing) > 0 {
		noun, which := "input", "which has no default: add it"
		if len(missing) > 1 {
			noun, which = "inputs", "which have no default: add them"
		}
		out = append(out, CatalogFinding{Step: u.where.String(), Error: true, Summary: "Missing required piece input",
			Message: fmt.Sprintf("the %s %q of %q requires the %s %s, %s to settings.input (an empty string or "+
				"null counts as missing).", u.kind(), u.operation, u.piece, noun, andList(missing), which)})
	}
	if len(withDefault) > 0 {
		noun := "input"
		if len(withDefault) > 1 {
			noun = "inputs"
		}
		out = append(out, CatalogFinding{Step: u.where.String(), Error: true, Summary: "Missing required piece input",
			Message: fmt.Sprintf("the %s %q of %q requires the %s %s, which the piece gives a default but the engine "+
				"does not fill in: a step without it is invalid and the flow cannot be published. Add %s to "+
				"settings.input (the piece's default shown).", u.kind(), u.operation, u.piece, noun,
				andList(quoteFirstWords(withDefault)), andList(withDefault))})
	}
	known := slices.Sorted(maps.Keys(props))
	for _, key := range slices.Sorted(maps.Keys(u.input)) {
		if _, ok := props[key]; ok || key == "auth" {
			continue
		}
		msg := fmt.Sprintf("settings.input.%s is not an input of the %s %q of %q, which ignores it", key, u.kind(), u.operation, u.piece)
		if s := suggest(key, known); len(s) > 0 {
			msg += "; did you mean " + orList(s) + "?"
		} else {
			msg += "."
		}
		if len(known) > 0 && len(known) <= 12 {
			msg += " Its inputs: " + strings.Join(known, ", ") + "."
		}
		out = append(out, CatalogFinding{Step: u.where.String(), Summary: "Unknown piece input", Message: msg})
	}
	return out
}

// blank reports an input value that gives nothing: null or an empty
// string.
func blank(v any) bool {
	if v == nil {
		return true
	}
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) == ""
}

// pieceUses lists the trigger and PIECE steps of a tree that name a piece
// and an operation, in tree order.
func pieceUses(trigger map[string]any) []pieceUse {
	var out []pieceUse
	use := func(s map[string]any, where *stepPath, isTrigger bool) {
		settings, _ := s["settings"].(map[string]any)
		piece, _ := settings["pieceName"].(string)
		key := "actionName"
		if isTrigger {
			key = "triggerName"
		}
		op, _ := settings[key].(string)
		if strings.TrimSpace(piece) == "" || strings.TrimSpace(op) == "" {
			return // Validate reports it
		}
		input, _ := settings["input"].(map[string]any)
		version, _ := settings["pieceVersion"].(string)
		out = append(out, pieceUse{where: where, piece: piece, trigger: isTrigger, operation: op, input: input,
			versioned: version != ""})
	}
	if t, _ := trigger["type"].(string); t == "PIECE_TRIGGER" {
		use(trigger, triggerPath(), true)
	}
	walkPaths(trigger, func(step map[string]any, where *stepPath) {
		if t, _ := step["type"].(string); t == "PIECE" {
			use(step, where, false)
		}
	})
	return out
}

// walkPaths calls visit for every step below the trigger (not the trigger
// itself) with its path: nextAction chains, router branches and loop
// bodies in either form. It stops past MaxStepDepth, which Validate
// reports.
func walkPaths(trigger map[string]any, visit func(step map[string]any, where *stepPath)) {
	var chain func(first any, parent *stepPath)
	chain = func(first any, parent *stepPath) {
		for cur, _ := first.(map[string]any); cur != nil; cur, _ = cur["nextAction"].(map[string]any) {
			where := parent.next(cur)
			if where.depth > MaxStepDepth {
				return
			}
			visit(cur, where)
			if t, _ := cur["type"].(string); t == "LOOP_ON_ITEMS" {
				chain(loopBody(cur), where.body())
			} else {
				children, _ := cur["children"].([]any)
				for i, c := range children {
					chain(c, where.branch(i))
				}
			}
			parent = where
		}
	}
	chain(trigger["nextAction"], triggerPath())
}

// suggest returns up to three names close to s, closest first: within an
// edit distance (case ignored) of a quarter of its length, at least 2, or
// containing it (for s of four characters or more).
func suggest(s string, names []string) []string {
	type scored struct {
		name string
		d    int
	}
	limit := max(2, len([]rune(s))/4)
	var cands []scored
	for _, n := range names {
		d := editDistance(strings.ToLower(s), strings.ToLower(n))
		if d <= limit || (len(s) >= 4 && strings.Contains(strings.ToLower(n), strings.ToLower(s))) {
			cands = append(cands, scored{n, d})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].d != cands[j].d {
			return cands[i].d < cands[j].d
		}
		return cands[i].name < cands[j].name
	})
	var out []string
	for i := 0; i < len(cands) && i < 3; i++ {
		out = append(out, cands[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, by rune.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// quoteFirstWords quotes the name in each "name = value".
func quoteFirstWords(items []string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		name, _, _ := strings.Cut(it, " = ")
		out[i] = fmt.Sprintf("%q", name)
	}
	return out
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}

func orList(names []string) string { return joinWords(quoteAll(names), "or") }

func andList(items []string) string { return joinWords(items, "and") }

func joinWords(items []string, word string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + word + " " + items[len(items)-1]
}
