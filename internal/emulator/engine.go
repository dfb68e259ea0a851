package emulator

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
)

// ImportEngine: trees written the way Activepieces' flow operations write
// them (IMPORT_FLOW = CHANGE_NAME + DELETE_ACTION of every step +
// UPDATE_TRIGGER + one ADD_ACTION per step), the validity the engine and
// its server compute, and the publish refusal that follows. Checked against
// @activepieces/shared 0.96.2 (flows/operations/import-flow.js,
// add-action.js, update-trigger.js, actions/action.js, triggers/trigger.js);
// see BEHAVIOUR.md ("Modes").

// lastUpdatedLayout is dayjs().toISOString(): milliseconds, always three
// digits, "Z".
const lastUpdatedLayout = "2006-01-02T15:04:05.000Z"

func (s *Server) engineNow() string { return s.clock().Format(lastUpdatedLayout) }

// internalError is an exception inside the engine (a TypeError in
// Activepieces' code): a real server answers Starlette's plain 500.
func internalError() *apiFailure {
	return &apiFailure{status: http.StatusInternalServerError}
}

func writeInternalError(w http.ResponseWriter) {
	writeRaw(w, http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Internal Server Error"))
}

// pieceVersionExact is flowPieceUtil.getExactVersion: a leading ~ or ^ stripped.
// A missing or non-string version throws in the engine (ok false).
func pieceVersionExact(settings map[string]any) (string, bool) {
	v, ok := settings["pieceVersion"].(string)
	if !ok {
		return "", false
	}
	if strings.HasPrefix(v, "^") || strings.HasPrefix(v, "~") {
		v = v[1:]
	}
	return v, true
}

// engineImport builds the draft tree IMPORT_FLOW would store from an import
// request's trigger (already through checkEngineImport), given the draft's
// current trigger. A failure is a 500 (an exception in the engine) or the
// 400 of a trigger name the draft does not have; nothing is stored then.
func engineImport(old, req map[string]any, now string) (map[string]any, *apiFailure) {
	// _getImportOperationsForSteps runs first and strips every added
	// ROUTER's children with children.map(): one without an array throws.
	routerWithoutChildren := false
	forEngineSteps(req["nextAction"], func(step map[string]any) {
		if stepType(step) == actionRouter {
			if _, ok := step["children"].([]any); !ok {
				routerWithoutChildren = true
			}
		}
	})
	if routerWithoutChildren {
		return nil, internalError()
	}
	trigger, fail := engineTrigger(old, req, now)
	if fail != nil {
		return nil, fail
	}
	if want := stepName(old); req["name"] != want {
		return nil, triggerNotFound(req["name"], want)
	}
	next, fail := engineChain(req["nextAction"], now)
	if fail != nil {
		return nil, fail
	}
	if next != nil {
		trigger["nextAction"] = next
	}
	return trigger, nil
}

func triggerNotFound(name any, want string) *apiFailure {
	if s, ok := name.(string); ok {
		return badRequest(codeStepNotFound, "Step "+s+" not found: the draft's trigger is named "+want)
	}
	return badRequest(codeStepNotFound, "The imported trigger has no name: the draft's trigger is named "+want)
}

// forEngineSteps visits every step ADD_ACTION would add, in the order of
// the import's operations: a step, its loop body (firstLoopAction of a
// LOOP_ON_ITEMS) or branch heads (non-null children of a ROUTER), then the
// step after it.
func forEngineSteps(node any, visit func(map[string]any)) {
	for {
		step, ok := node.(map[string]any)
		if !ok {
			return
		}
		visit(step)
		for _, head := range engineSubChains(step) {
			forEngineSteps(head, visit)
		}
		node = step["nextAction"]
	}
}

// engineSubChains: the sub-chains the engine reads. A loop's children and
// any other type's children or firstLoopAction are ignored.
func engineSubChains(step map[string]any) []any {
	switch stepType(step) {
	case actionLoop:
		if fla, ok := step[keyFirstLoopAction].(map[string]any); ok {
			return []any{fla}
		}
	case actionRouter:
		kids, _ := step["children"].([]any)
		return kids
	}
	return nil
}

// engineTrigger is UPDATE_TRIGGER's createTrigger: {displayName, name,
// valid, lastUpdatedDate, type, settings}; a PIECE_TRIGGER's settings as
// sent with pieceVersion exact and sampleData taken from the replaced
// trigger (dropped when that was not a PIECE_TRIGGER); other keys of the
// request are not kept. The caller links nextAction.
func engineTrigger(old, req map[string]any, now string) (map[string]any, *apiFailure) {
	typ := triggerType(req)
	t := map[string]any{"name": req["name"], "type": typ, "lastUpdatedDate": now}
	if v, ok := req["displayName"]; ok {
		t["displayName"] = v
	}
	if typ == triggerPiece {
		in, ok := req["settings"].(map[string]any)
		if !ok {
			return nil, internalError()
		}
		version, ok := pieceVersionExact(in)
		if !ok {
			return nil, internalError()
		}
		settings := copyTree(in)
		settings["pieceVersion"] = version
		delete(settings, "sampleData")
		if triggerType(old) == triggerPiece {
			if sd, ok := settingsOf(old)["sampleData"]; ok {
				settings["sampleData"] = deepCopyJSON(sd)
			}
		}
		t["settings"] = settings
	} else if v, ok := req["settings"]; ok {
		t["settings"] = deepCopyJSON(v)
	}
	t["valid"] = sentValid(req) && engineValid(t, true)
	return t, nil
}

// engineChain builds the chain starting at node, one ADD_ACTION per step.
func engineChain(node any, now string) (any, *apiFailure) {
	req, ok := node.(map[string]any)
	if !ok {
		return nil, nil
	}
	step, fail := engineAction(req, now)
	if fail != nil {
		return nil, fail
	}
	switch stepType(req) {
	case actionLoop:
		if fla, ok := req[keyFirstLoopAction].(map[string]any); ok {
			body, fail := engineChain(fla, now)
			if fail != nil {
				return nil, fail
			}
			step[keyFirstLoopAction] = body
		}
	case actionRouter:
		// ADD_ACTION INSIDE_BRANCH sets children[i] (a JavaScript array
		// grows with null holes past the branches).
		kids := step["children"].([]any)
		for i, c := range req["children"].([]any) {
			if c == nil {
				continue
			}
			head, fail := engineChain(c, now)
			if fail != nil {
				return nil, fail
			}
			for len(kids) <= i {
				kids = append(kids, nil)
			}
			kids[i] = head
		}
		step["children"] = kids
	}
	next, fail := engineChain(req["nextAction"], now)
	if fail != nil {
		return nil, fail
	}
	if next != nil {
		step["nextAction"] = next
	}
	return step, nil
}

// engineAction is ADD_ACTION's createAction: {displayName, name, valid,
// skip (when sent), lastUpdatedDate, settings (as sent; a PIECE's
// pieceVersion exact), type}, a ROUTER with one null child per branch.
// Settings that are not an object, a PIECE without a string pieceVersion
// and a ROUTER whose branches are not an array throw in the engine.
func engineAction(req map[string]any, now string) (map[string]any, *apiFailure) {
	in, ok := req["settings"].(map[string]any)
	if !ok {
		return nil, internalError()
	}
	settings, fail := engineStepSettings(stepType(req), in)
	if fail != nil {
		return nil, fail
	}
	step := map[string]any{"name": req["name"], "type": req["type"], "lastUpdatedDate": now, "settings": settings}
	for _, k := range []string{"displayName", "skip"} {
		if v, ok := req[k]; ok {
			step[k] = deepCopyJSON(v)
		}
	}
	if stepType(req) == actionRouter {
		step["children"] = make([]any, len(settings["branches"].([]any)))
	}
	step["valid"] = sentValid(req) && engineValid(step, false)
	return step, nil
}

// engineStepSettings is what ADD_ACTION/UPDATE_ACTION do to a step's
// settings before storing them: a PIECE's pieceVersion made exact (it must
// be a string), a ROUTER's branches mapped (they must be an array).
func engineStepSettings(typ string, in map[string]any) (map[string]any, *apiFailure) {
	settings := copyTree(in)
	switch typ {
	case actionPiece:
		version, ok := pieceVersionExact(in)
		if !ok {
			return nil, internalError()
		}
		settings["pieceVersion"] = version
	case actionRouter:
		if _, ok := in["branches"].([]any); !ok {
			return nil, internalError()
		}
	}
	return settings, nil
}

// sentValid is the request's isNil(valid) ? true : valid (checkEngineImport
// made it a boolean or null).
func sentValid(req map[string]any) bool {
	v, ok := req["valid"].(bool)
	return !ok || v
}

// engineTriggerUpdate is PATCH …/trigger under ImportEngine: UPDATE_TRIGGER
// on the draft's own trigger name, keeping its nextAction chain.
func engineTriggerUpdate(old map[string]any, typ, displayName string, settings map[string]any, now string) (map[string]any, *apiFailure) {
	name, _ := old["name"].(string)
	if name == "" {
		name = "trigger"
	}
	req := map[string]any{"name": name, "type": typ, "displayName": displayName, "settings": settings}
	t, fail := engineTrigger(old, req, now)
	if fail != nil {
		return nil, fail
	}
	if next, ok := old["nextAction"]; ok && next != nil {
		t["nextAction"] = deepCopyJSON(next)
	}
	return t, nil
}

// ---- validity ------------------------------------------------------------------

// engineValid is the validity the engine and its server give a node as
// built: the step schema (SingleActionSchema; FlowTrigger for the trigger)
// and, for a piece the catalogue knows, the piece check. An EMPTY trigger is
// never valid (the server refuses to lock one).
func engineValid(node map[string]any, trigger bool) bool {
	if trigger {
		if triggerType(node) != triggerPiece {
			return false
		}
		return triggerSchemaValid(node) && catalogValid(settingsOf(node), true)
	}
	if !actionSchemaValid(node) {
		return false
	}
	if stepType(node) == actionPiece {
		return catalogValid(settingsOf(node), false)
	}
	return true
}

var (
	stepNameRE     = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	pieceVersionRE = regexp.MustCompile(`^([~^])?[0-9]+\.[0-9]+\.[0-9]+$`)
)

// A zod schema over decoded JSON: z.object keeps unknown keys out of the
// check; .optional() accepts an absent key only (JSON null is not
// undefined).
type zodCheck func(v any, present bool) bool

func zString(v any, present bool) bool { _, ok := v.(string); return present && ok }

func zBool(v any, present bool) bool { _, ok := v.(bool); return present && ok }

func zAny(any, bool) bool { return true }

func zRegex(re *regexp.Regexp) zodCheck {
	return func(v any, present bool) bool {
		s, ok := v.(string)
		return present && ok && re.MatchString(s)
	}
}

func zLiteral(values ...string) zodCheck {
	return func(v any, present bool) bool {
		s, ok := v.(string)
		if !present || !ok {
			return false
		}
		for _, x := range values {
			if s == x {
				return true
			}
		}
		return false
	}
}

func zOptional(c zodCheck) zodCheck {
	return func(v any, present bool) bool { return !present || c(v, true) }
}

func zObject(fields map[string]zodCheck) zodCheck {
	return func(v any, present bool) bool {
		m, ok := v.(map[string]any)
		if !present || !ok {
			return false
		}
		for k, c := range fields {
			x, has := m[k]
			if !c(x, has) {
				return false
			}
		}
		return true
	}
}

func zRecord(values zodCheck) zodCheck {
	return func(v any, present bool) bool {
		m, ok := v.(map[string]any)
		if !present || !ok {
			return false
		}
		for _, x := range m {
			if !values(x, true) {
				return false
			}
		}
		return true
	}
}

func zArray(items zodCheck) zodCheck {
	return func(v any, present bool) bool {
		l, ok := v.([]any)
		if !present || !ok {
			return false
		}
		for _, x := range l {
			if !items(x, true) {
				return false
			}
		}
		return true
	}
}

func zUnion(members ...zodCheck) zodCheck {
	return func(v any, present bool) bool {
		for _, c := range members {
			if c(v, present) {
				return true
			}
		}
		return false
	}
}

var (
	zSampleData = zOptional(zObject(map[string]zodCheck{
		"sampleDataFileId":      zOptional(zString),
		"sampleDataInputFileId": zOptional(zString),
		"lastTestDate":          zOptional(zString),
	}))
	zPropertySettings = zRecord(zObject(map[string]zodCheck{
		"type":   zLiteral("MANUAL", "DYNAMIC"),
		"schema": zAny,
	}))
	zInput             = zRecord(zAny)
	zErrorHandlingFlag = zOptional(zObject(map[string]zodCheck{"value": zOptional(zBool)}))
	zErrorHandling     = zOptional(zObject(map[string]zodCheck{
		"continueOnFailure": zErrorHandlingFlag,
		"retryOnFailure":    zErrorHandlingFlag,
	}))

	textOperators = []string{
		"TEXT_CONTAINS", "TEXT_DOES_NOT_CONTAIN", "TEXT_EXACTLY_MATCHES", "TEXT_DOES_NOT_EXACTLY_MATCH",
		"TEXT_START_WITH", "TEXT_DOES_NOT_START_WITH", "TEXT_ENDS_WITH", "TEXT_DOES_NOT_END_WITH",
		"LIST_CONTAINS", "LIST_DOES_NOT_CONTAIN",
	}
	zCondition = zUnion(
		zObject(map[string]zodCheck{"firstValue": zString, "secondValue": zString, "caseSensitive": zOptional(zBool), "operator": zOptional(zLiteral(textOperators...))}),
		zObject(map[string]zodCheck{"firstValue": zString, "secondValue": zString, "operator": zOptional(zLiteral("NUMBER_IS_GREATER_THAN", "NUMBER_IS_LESS_THAN", "NUMBER_IS_EQUAL_TO"))}),
		zObject(map[string]zodCheck{"firstValue": zString, "secondValue": zString, "operator": zOptional(zLiteral("DATE_IS_BEFORE", "DATE_IS_EQUAL", "DATE_IS_AFTER"))}),
		zObject(map[string]zodCheck{"firstValue": zString, "operator": zOptional(zLiteral(
			"EXISTS", "DOES_NOT_EXIST", "BOOLEAN_IS_TRUE", "BOOLEAN_IS_FALSE", "LIST_IS_EMPTY", "LIST_IS_NOT_EMPTY"))}),
	)
	zBranches = zArray(zUnion(
		zObject(map[string]zodCheck{"conditions": zArray(zArray(zCondition)), "branchType": zLiteral("CONDITION"), "branchName": zString}),
		zObject(map[string]zodCheck{"branchType": zLiteral("FALLBACK"), "branchName": zString}),
	))

	commonSettings = map[string]zodCheck{"sampleData": zSampleData, "customLogoUrl": zOptional(zString)}

	actionSettingsSchemas = map[string]zodCheck{
		actionCode: zObject(with(commonSettings, map[string]zodCheck{
			"sourceCode":           zObject(map[string]zodCheck{"packageJson": zString, "code": zString}),
			"input":                zInput,
			"errorHandlingOptions": zErrorHandling,
		})),
		actionPiece: zObject(with(commonSettings, map[string]zodCheck{
			"propertySettings":     zPropertySettings,
			"pieceName":            zString,
			"pieceVersion":         zRegex(pieceVersionRE),
			"actionName":           zOptional(zString),
			"input":                zInput,
			"errorHandlingOptions": zErrorHandling,
		})),
		actionLoop: zObject(with(commonSettings, map[string]zodCheck{"items": zString})),
		actionRouter: zObject(with(commonSettings, map[string]zodCheck{
			"branches":      zBranches,
			"executionType": zLiteral("EXECUTE_ALL_MATCH", "EXECUTE_FIRST_MATCH"),
		})),
	}

	zActionCommon = zObject(map[string]zodCheck{
		"name":            zRegex(stepNameRE),
		"valid":           zBool,
		"displayName":     zString,
		"skip":            zOptional(zBool),
		"lastUpdatedDate": zString,
	})

	zPieceTrigger = zObject(map[string]zodCheck{
		"name":            zRegex(stepNameRE),
		"valid":           zBool,
		"displayName":     zString,
		"lastUpdatedDate": zString,
		"settings": zObject(map[string]zodCheck{
			"sampleData":       zSampleData,
			"propertySettings": zPropertySettings,
			"customLogoUrl":    zOptional(zString),
			"pieceName":        zString,
			"pieceVersion":     zRegex(pieceVersionRE),
			"triggerName":      zOptional(zString),
			"input":            zInput,
		}),
	})
)

func with(a, b map[string]zodCheck) map[string]zodCheck {
	out := make(map[string]zodCheck, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// schemaView is the node as the schema sees it when createAction parses
// it: valid is still the placeholder false.
func schemaView(node map[string]any) map[string]any {
	view := make(map[string]any, len(node))
	for k, v := range node {
		view[k] = v
	}
	view["valid"] = false
	return view
}

// actionSchemaValid: SingleActionSchema (CODE, PIECE, LOOP_ON_ITEMS or
// ROUTER with its settings schema).
func actionSchemaValid(node map[string]any) bool {
	settings, ok := actionSettingsSchemas[stepType(node)]
	if !ok {
		return false
	}
	view := schemaView(node)
	return zActionCommon(view, true) && settings(view["settings"], hasKey(view, "settings"))
}

// triggerSchemaValid: FlowTrigger's PieceTrigger.
func triggerSchemaValid(node map[string]any) bool {
	return zPieceTrigger(schemaView(node), true)
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// findPiece looks a piece up in the emulator's catalogue by exact name.
func findPiece(name string) *piece {
	for _, p := range pieceCatalogue {
		if p.name == name {
			return p
		}
	}
	return nil
}

// catalogValid is the check Activepieces' server adds for a piece it knows:
// the action (trigger) must exist, every property it marks required must be
// in settings.input (absent, null and "" count as missing; defaults are not
// applied), and "auth" too when the piece has auth and the operation
// requires it. A piece the catalogue does not know passes (schema only).
func catalogValid(settings map[string]any, trigger bool) bool {
	pieceName, _ := settings["pieceName"].(string)
	p := findPiece(pieceName)
	if p == nil {
		return true
	}
	ops, key := p.actions, "actionName"
	if trigger {
		ops, key = p.triggers, "triggerName"
	}
	opName, _ := settings[key].(string)
	var op *pieceOp
	for i := range ops {
		if ops[i].name == opName {
			op = &ops[i]
			break
		}
	}
	if op == nil {
		return false
	}
	input, _ := settings["input"].(map[string]any)
	for _, prop := range op.props {
		if prop.required && !presentInput(input, prop.name) {
			return false
		}
	}
	if p.auth != nil && op.requireAuth && !presentInput(input, "auth") {
		return false
	}
	return true
}

func presentInput(input map[string]any, name string) bool {
	v, ok := input[name]
	return ok && v != nil && v != ""
}

// ---- stored trees after edits ------------------------------------------------

// engineNormalize is the stored form of an edited tree (a step or branch
// operation, EditFlow, a template copy) under ImportEngine. Nothing is
// dropped or defaulted (only a missing trigger name becomes "trigger").
// A node is "changed" when it is new (no node of its name in old) or any
// key of its own (sub-chains, lastUpdatedDate aside) differs from that
// node's: a changed node gets lastUpdatedDate now and valid = (its valid,
// when the edit changed it, else true) && engineValid, as UPDATE_ACTION
// recomputes a step it writes; an unchanged node keeps its valid (and its
// lastUpdatedDate, set now if it has none).
func engineNormalize(old, tree map[string]any, now string) map[string]any {
	if v, ok := tree["name"]; !ok || v == nil {
		tree["name"] = "trigger"
	}
	before := map[string]map[string]any{}
	if old != nil {
		walkSteps(old, func(n map[string]any) {
			if name := stepName(n); name != "" {
				if _, dup := before[name]; !dup {
					before[name] = n
				}
			}
		})
	}
	isTrigger := true
	walkSteps(tree, func(n map[string]any) {
		trigger := isTrigger
		isTrigger = false
		prev := before[stepName(n)]
		if prev != nil && ownKeys(prev) == ownKeys(n) {
			if _, ok := n["valid"].(bool); !ok {
				n["valid"] = engineValid(n, trigger)
			}
			if _, ok := n["lastUpdatedDate"]; !ok {
				n["lastUpdatedDate"] = now
			}
			return
		}
		sent := true
		if v, ok := n["valid"].(bool); ok && (prev == nil || !reflect.DeepEqual(prev["valid"], n["valid"])) {
			sent = v
		}
		n["lastUpdatedDate"] = now
		n["valid"] = sent && engineValid(n, trigger)
	})
	return tree
}

// ownKeys is a node without its sub-chains and lastUpdatedDate, as JSON
// text (numbers compare by their literal).
func ownKeys(n map[string]any) string {
	own := make(map[string]any, len(n))
	for k, v := range n {
		switch k {
		case "nextAction", "children", keyFirstLoopAction, "lastUpdatedDate":
			continue
		}
		own[k] = v
	}
	b, _ := json.Marshal(own)
	return string(b)
}

// invalidSteps names the trigger and the non-skipped steps whose stored
// valid is not true: what keeps Activepieces from locking the version.
func invalidSteps(trigger map[string]any) []string {
	var out []string
	first := true
	walkSteps(trigger, func(n map[string]any) {
		isTrigger := first
		first = false
		if skip, _ := n["skip"].(bool); skip && !isTrigger {
			return
		}
		if v, _ := n["valid"].(bool); !v {
			out = append(out, stepName(n))
		}
	})
	return out
}
