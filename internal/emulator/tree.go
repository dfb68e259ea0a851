package emulator

import "strings"

// Trigger and step trees are kept as decoded JSON (map[string]any with
// json.Number numbers) so that everything a client sends survives a round
// trip. This file owns their validation, the server-owned keys the emulator
// adds, the flow_category rule and the response-model projections. The
// engine's own reading (ImportEngine) is in engine.go.

const (
	triggerEmpty = "EMPTY"
	triggerPiece = "PIECE_TRIGGER"

	actionPiece  = "PIECE"
	actionCode   = "CODE"
	actionLoop   = "LOOP_ON_ITEMS"
	actionRouter = "ROUTER"

	digaPieceName = "@diga/piece-diga"

	// keyFirstLoopAction is where Activepieces keeps a loop's body.
	keyFirstLoopAction = "firstLoopAction"

	categoryPostCall     = "post_call"
	categoryDuringCall   = "during_call"
	categoryPreCall      = "pre_call"
	categoryCallLauncher = "call_launcher"
	categoryEmpty        = "empty"
)

var (
	triggerTypes   = []string{triggerEmpty, triggerPiece}
	actionTypes    = []string{actionPiece, actionCode, actionLoop, actionRouter}
	flowCategories = []string{categoryPostCall, categoryDuringCall, categoryPreCall, categoryCallLauncher, categoryEmpty}

	// Fields of the documented response models, in model order.
	triggerModelFields         = []string{"name", "type", "valid", "displayName", "settings", "nextAction"}
	triggerSettingsModelFields = []string{"pieceName", "pieceVersion", "triggerName", "input", "propertySettings", "sampleData"}
	stepModelFields            = []string{"name", "type", "valid", "displayName", "skip", "settings", "children", "nextAction"}
	stepSettingsModelFields    = []string{"pieceName", "pieceVersion", "actionName", "triggerName", "input", "propertySettings", "sampleData", "branches", "executionType"}
)

// defaultTrigger is the trigger of a freshly created flow (Activepieces'
// empty trigger).
func defaultTrigger() map[string]any {
	return map[string]any{
		"name":        "trigger",
		"type":        triggerEmpty,
		"valid":       false,
		"displayName": "Select Trigger",
		"settings":    map[string]any{},
		"nextAction":  nil,
	}
}

// treeNormalizer validates a client-supplied tree and builds its stored form.
type treeNormalizer struct {
	errs  []validationError
	names map[string]bool
	// importing: a LOOP_ON_ITEMS step with a firstLoopAction loses its
	// children (the body came in firstLoopAction). Stored trees being
	// re-normalized (edits) keep everything.
	importing bool
	// engine: check the tree as Activepieces reads it (ImportEngine): only
	// a loop's firstLoopAction and a router's children are sub-chains,
	// other children/firstLoopAction keys are ignored; "valid" must be a
	// boolean or null.
	engine bool
}

func newTreeNormalizer() *treeNormalizer {
	return &treeNormalizer{names: map[string]bool{}}
}

// importTrigger validates ImportFlowRequest.trigger (located at loc) and
// returns the stored trigger tree (ImportLenient).
func importTrigger(in map[string]any, loc []any) (map[string]any, []validationError) {
	n := newTreeNormalizer()
	n.importing = true
	return n.trigger(in, loc)
}

// normalizeTrigger re-normalizes a stored (edited) tree under ImportLenient:
// server-owned keys re-added, valid recomputed, nothing dropped.
func normalizeTrigger(in map[string]any) map[string]any {
	out, _ := newTreeNormalizer().trigger(in, nil)
	return out
}

// checkEngineImport runs the import's tree checks (422) over the tree as
// ImportEngine reads it.
func checkEngineImport(in map[string]any, loc []any) []validationError {
	n := newTreeNormalizer()
	n.engine = true
	_, errs := n.trigger(in, loc)
	return errs
}

func (n *treeNormalizer) trigger(in map[string]any, loc []any) (map[string]any, []validationError) {
	out := copyTree(in)
	f := fields{obj: in, loc: loc, errs: &n.errs}
	typ, _ := f.enum("type", triggerTypes)
	if v, ok := in["name"]; !ok || v == nil {
		out["name"] = "trigger"
	} else if name, ok := f.checkStr("name", v, 1); ok {
		n.names[name] = true
	}
	f.optStr("displayName")
	n.checkValid(in, loc)
	settings := n.settings(in, loc, false, typ == triggerPiece)
	out["settings"] = settings
	out["nextAction"] = n.step(in["nextAction"], appendLoc(loc, "nextAction"))
	out["valid"] = triggerValid(typ, settings)
	return out, n.errs
}

// replaceTrigger builds the trigger of PATCH …/trigger: the new type,
// displayName and settings, the old name and the old nextAction chain.
func replaceTrigger(old map[string]any, typ, displayName string, settings map[string]any) map[string]any {
	name, _ := old["name"].(string)
	if name == "" {
		name = "trigger"
	}
	return map[string]any{
		"name":        name,
		"type":        typ,
		"displayName": displayName,
		"settings":    settings,
		"valid":       triggerValid(typ, settings),
		"nextAction":  deepCopyJSON(old["nextAction"]),
	}
}

// triggerSettings validates UpdateTriggerRequest.settings (already known to
// be an object) and returns its stored form.
func triggerSettings(in map[string]any, loc []any, typ string) (map[string]any, []validationError) {
	n := newTreeNormalizer()
	out := n.checkSettings(in, loc, false, typ == triggerPiece)
	return out, n.errs
}

// settings validates parent["settings"] (absent/null → {}).
func (n *treeNormalizer) settings(parent map[string]any, parentLoc []any, step, addDefaults bool) map[string]any {
	raw, ok := parent["settings"]
	if !ok || raw == nil {
		return n.checkSettings(map[string]any{}, appendLoc(parentLoc, "settings"), step, addDefaults)
	}
	m, isMap := raw.(map[string]any)
	if !isMap {
		n.errs = append(n.errs, dictTypeError(appendLoc(parentLoc, "settings"), raw))
		return map[string]any{}
	}
	return n.checkSettings(m, appendLoc(parentLoc, "settings"), step, addDefaults)
}

// checkSettings type-checks the keys the settings response models declare
// (so that what is stored can always be rendered through them) and adds the
// server-owned propertySettings/sampleData defaults.
func (n *treeNormalizer) checkSettings(in map[string]any, loc []any, step, addDefaults bool) map[string]any {
	out := copyTree(in)
	f := fields{obj: in, loc: loc, errs: &n.errs}
	strFields := []string{"pieceName", "pieceVersion", "triggerName"}
	if step {
		strFields = append(strFields, "actionName", "executionType")
	}
	for _, name := range strFields {
		f.optStr(name)
	}
	for _, name := range []string{"input", "propertySettings", "sampleData"} {
		if v, ok := in[name]; ok && v != nil {
			if _, isMap := v.(map[string]any); !isMap {
				n.errs = append(n.errs, dictTypeError(appendLoc(loc, name), v))
			}
		}
	}
	if step {
		if v, ok := in["branches"]; ok && v != nil {
			if l, isList := v.([]any); !isList {
				n.errs = append(n.errs, listTypeError(appendLoc(loc, "branches"), v))
			} else {
				for i, b := range l {
					if _, isMap := b.(map[string]any); !isMap {
						n.errs = append(n.errs, dictTypeError(appendLoc(loc, "branches", i), b))
					}
				}
			}
		}
	}
	if addDefaults {
		for _, name := range []string{"propertySettings", "sampleData"} {
			if v, ok := out[name]; !ok || v == nil {
				out[name] = map[string]any{}
			}
		}
	}
	return out
}

// step validates one step (or null) and returns its stored form.
func (n *treeNormalizer) step(raw any, loc []any) any {
	if raw == nil {
		return nil
	}
	in, ok := raw.(map[string]any)
	if !ok {
		n.errs = append(n.errs, dictTypeError(loc, raw))
		return nil
	}
	out := copyTree(in)
	f := fields{obj: in, loc: loc, errs: &n.errs}
	typ, _ := f.enum("type", actionTypes)
	if name, ok := f.str("name", 1); ok {
		if n.names[name] {
			msg := "Duplicate step name '" + name + "'"
			n.errs = append(n.errs, validationError{
				Type: "value_error", Loc: appendLoc(loc, "name"), Msg: "Value error, " + msg,
				Input: name, Ctx: map[string]any{"error": map[string]any{}},
			})
		}
		n.names[name] = true
	}
	f.optStr("displayName")
	if v, ok := in["skip"]; !ok || v == nil {
		out["skip"] = false
	} else if _, isBool := v.(bool); !isBool {
		n.errs = append(n.errs, boolTypeError(appendLoc(loc, "skip"), v))
	}
	n.checkValid(in, loc)
	settings := n.settings(in, loc, true, true)
	out["settings"] = settings
	// The loop body: Activepieces' firstLoopAction, or children[0].
	fla, hasBody := in[keyFirstLoopAction]
	hasBody = hasBody && fla != nil
	if hasBody && (!n.engine || typ == actionLoop) {
		out[keyFirstLoopAction] = n.step(fla, appendLoc(loc, keyFirstLoopAction))
	}
	skipChildren := (n.importing && hasBody && typ == actionLoop) || (n.engine && typ != actionRouter)
	if skipChildren {
		delete(out, "children")
	} else if v, ok := in["children"]; ok && v != nil {
		l, isList := v.([]any)
		if !isList {
			n.errs = append(n.errs, listTypeError(appendLoc(loc, "children"), v))
		} else {
			kids := make([]any, len(l))
			for i, c := range l {
				kids[i] = n.step(c, appendLoc(loc, "children", i))
			}
			out["children"] = kids
		}
	}
	out["nextAction"] = n.step(in["nextAction"], appendLoc(loc, "nextAction"))
	out["valid"] = stepValid(typ, settings)
	return out
}

// checkValid: under ImportEngine the client's "valid" counts (false keeps a
// step invalid), so it must be a boolean or null.
func (n *treeNormalizer) checkValid(in map[string]any, loc []any) {
	if !n.engine {
		return
	}
	if v, ok := in["valid"]; ok && v != nil {
		if _, isBool := v.(bool); !isBool {
			n.errs = append(n.errs, boolTypeError(appendLoc(loc, "valid"), v))
		}
	}
}

// subChains returns the heads of node's sub-chains in walk order: its
// firstLoopAction (a loop body as Activepieces stores it), then its
// children (a loop body as the contract describes it, or router branch
// heads; nil for an empty branch).
func subChains(node map[string]any) []any {
	var out []any
	if fla, ok := node[keyFirstLoopAction].(map[string]any); ok {
		out = append(out, fla)
	}
	kids, _ := node["children"].([]any)
	return append(out, kids...)
}

func nonEmptyString(m map[string]any, key string) bool {
	s, ok := m[key].(string)
	return ok && s != ""
}

// triggerValid: a PIECE_TRIGGER needs pieceName and triggerName; EMPTY is
// never valid.
func triggerValid(typ string, settings map[string]any) bool {
	return typ == triggerPiece && nonEmptyString(settings, "pieceName") && nonEmptyString(settings, "triggerName")
}

// stepValid: PIECE needs pieceName+actionName, CODE a sourceCode object,
// LOOP_ON_ITEMS a non-empty items expression, ROUTER at least one branch.
func stepValid(typ string, settings map[string]any) bool {
	switch typ {
	case actionPiece:
		return nonEmptyString(settings, "pieceName") && nonEmptyString(settings, "actionName")
	case actionCode:
		_, ok := settings["sourceCode"].(map[string]any)
		return ok
	case actionLoop:
		return nonEmptyString(settings, "items")
	case actionRouter:
		b, ok := settings["branches"].([]any)
		return ok && len(b) > 0
	}
	return false
}

// isDigaPiece reports whether a pieceName names Diga's own piece.
func isDigaPiece(name string) bool {
	return name == digaPieceName || strings.HasSuffix(name, "piece-diga")
}

func settingsOf(node map[string]any) map[string]any {
	m, _ := node["settings"].(map[string]any)
	return m
}

func triggerType(trigger map[string]any) string {
	t, _ := trigger["type"].(string)
	return t
}

// isDigaTrigger: a PIECE_TRIGGER of the Diga piece (any trigger name).
func isDigaTrigger(trigger map[string]any) bool {
	if triggerType(trigger) != triggerPiece {
		return false
	}
	name, _ := settingsOf(trigger)["pieceName"].(string)
	return isDigaPiece(name)
}

// flowCategory derives flow_category from the draft trigger tree; see BEHAVIOUR.md.
func flowCategory(trigger map[string]any) string {
	if trigger == nil || triggerType(trigger) != triggerPiece {
		return categoryEmpty
	}
	if isDigaTrigger(trigger) {
		switch name, _ := settingsOf(trigger)["triggerName"].(string); name {
		case "call_finished":
			return categoryPostCall
		case "function_call":
			return categoryDuringCall
		case "pre_call":
			return categoryPreCall
		}
	}
	if hasMakeCall(trigger["nextAction"]) {
		return categoryCallLauncher
	}
	return categoryEmpty
}

// hasMakeCall walks nextAction chains and children looking for the Diga
// piece's make_call action.
func hasMakeCall(node any) bool {
	for node != nil {
		step, ok := node.(map[string]any)
		if !ok {
			return false
		}
		if t, _ := step["type"].(string); t == actionPiece {
			st := settingsOf(step)
			piece, _ := st["pieceName"].(string)
			action, _ := st["actionName"].(string)
			if isDigaPiece(piece) && action == "make_call" {
				return true
			}
		}
		for _, k := range subChains(step) {
			if hasMakeCall(k) {
				return true
			}
		}
		node = step["nextAction"]
	}
	return false
}

// ---- response-model projections -------------------------------------------

// projector renders stored trees through the documented response models
// (ResponseDeclared, ResponseDeclaredNoLoopBodies).
type projector struct {
	// noLoopBodies: a LOOP_ON_ITEMS step's children are always null and
	// firstLoopAction is never shown (it is not a declared key).
	noLoopBodies bool
}

func (p projector) trigger(t map[string]any) any {
	if t == nil {
		return nil
	}
	return projectFields(t, triggerModelFields, func(key string, v any) any {
		switch key {
		case "settings":
			return projectSettings(v, triggerSettingsModelFields)
		case "nextAction":
			return p.step(v)
		}
		return v
	})
}

func (p projector) step(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	view := make(map[string]any, len(stepModelFields))
	for _, k := range stepModelFields {
		if x, ok := m[k]; ok {
			view[k] = x
		}
	}
	view["children"] = p.children(m)
	return projectFields(view, stepModelFields, func(key string, v any) any {
		switch key {
		case "settings":
			return projectSettings(v, stepSettingsModelFields)
		case "nextAction":
			return p.step(v)
		case "children":
			l := v.([]any)
			out := make([]any, len(l))
			for i, c := range l {
				out[i] = p.step(c)
			}
			return out
		}
		return v
	})
}

// children is what StepResponse.children shows: the stored children, with
// a firstLoopAction (the loop body) in front of them; nil (null) when there
// are neither, or for any loop under noLoopBodies.
func (p projector) children(m map[string]any) any {
	if p.noLoopBodies {
		if stepType(m) == actionLoop {
			return nil
		}
		kids, ok := m["children"].([]any)
		if !ok {
			return nil
		}
		return kids
	}
	if _, ok := m[keyFirstLoopAction].(map[string]any); ok {
		return subChains(m)
	}
	kids, ok := m["children"].([]any)
	if !ok {
		return nil
	}
	return kids
}

func projectSettings(v any, keys []string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	return projectFields(m, keys, func(_ string, v any) any { return v })
}

func projectFields(m map[string]any, keys []string, conv func(string, any) any) orderedObject {
	o := make(orderedObject, 0, len(keys))
	for _, k := range keys {
		v, ok := m[k]
		if !ok || v == nil {
			o = append(o, field{k, nil})
			continue
		}
		o = append(o, field{k, conv(k, v)})
	}
	return o
}
