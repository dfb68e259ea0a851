package flowdef

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// TriggerTypes and ActionTypes are Diga's TriggerType and ActionType enums.
var (
	TriggerTypes = []string{"EMPTY", "PIECE_TRIGGER"}
	ActionTypes  = []string{"PIECE", "CODE", "LOOP_ON_ITEMS", "ROUTER"}
)

// The engine's rules for names, versions and routers (Activepieces'
// STEP_NAME_REGEX, VersionType, RouterExecutionType, BranchExecutionType
// and BranchOperator).
var (
	stepNamePattern    = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	pieceVersionRegexp = regexp.MustCompile(`^([~^])?\d+\.\d+\.\d+$`)
	executionTypes     = []string{"EXECUTE_FIRST_MATCH", "EXECUTE_ALL_MATCH"}
	branchTypes        = []string{"CONDITION", "FALLBACK"}
	// singleValueOperators take only firstValue.
	singleValueOperators = []string{"EXISTS", "DOES_NOT_EXIST", "BOOLEAN_IS_TRUE", "BOOLEAN_IS_FALSE",
		"LIST_IS_EMPTY", "LIST_IS_NOT_EMPTY"}
	// twoValueOperators compare firstValue with secondValue.
	twoValueOperators = []string{"TEXT_CONTAINS", "TEXT_DOES_NOT_CONTAIN", "TEXT_EXACTLY_MATCHES",
		"TEXT_DOES_NOT_EXACTLY_MATCH", "TEXT_START_WITH", "TEXT_DOES_NOT_START_WITH", "TEXT_ENDS_WITH",
		"TEXT_DOES_NOT_END_WITH", "LIST_CONTAINS", "LIST_DOES_NOT_CONTAIN", "NUMBER_IS_GREATER_THAN",
		"NUMBER_IS_LESS_THAN", "NUMBER_IS_EQUAL_TO", "DATE_IS_BEFORE", "DATE_IS_EQUAL", "DATE_IS_AFTER"}
	propertyExecutionTypes = []string{"MANUAL", "DYNAMIC"}
)

// The keys the engine keeps on a trigger and on a step; it drops any other,
// so a key outside these would be sent and then never seen again (and a
// misspelt nextAction would lose every step below it).
var (
	triggerKeys = []string{"name", "type", "displayName", "valid", "settings", "nextAction", "lastUpdatedDate"}
	stepKeys    = []string{"name", "type", "displayName", "valid", "skip", "settings", "nextAction", "children",
		"firstLoopAction", "continueOnFailureBranches", "lastUpdatedDate"}
)

// ValidStepName reports whether name is a step name the engine accepts:
// a letter or underscore, then letters, digits and underscores.
func ValidStepName(name string) bool { return stepNamePattern.MatchString(name) }

// NameProblems lists the steps whose name the engine refuses (Validate
// reports them too, among everything else). Mermaid diagrams use it: a
// node id is made from the name, and a diagram of a flow the engine
// cannot hold would mislead.
func (d *Definition) NameProblems() []Problem {
	var out []Problem
	walkPaths(d.tree, func(step map[string]any, where *stepPath) {
		if name, ok := step["name"].(string); !ok || !ValidStepName(name) {
			out = append(out, Problem{Step: where.String(), Name: where.name,
				Message: fmt.Sprintf("step name %s is not one the engine accepts: %s", brief(step["name"]), stepNameRule)})
		}
	})
	return out
}

// stepNameRule is the fix for a step name the engine refuses.
const stepNameRule = "a step name starts with a letter or _ and holds only letters, digits and _ (the engine's rule " +
	"for step names, which also makes them safe in expressions such as {{step_1.body}}): e.g. \"notify_crm\""

// MaxSteps bounds the number of steps a definition may hold. Diga documents
// no limit; this one only stops a runaway generated definition before it is
// sent.
const MaxSteps = 1000

// Problem is one reason a definition cannot be applied, located by step.
type Problem struct {
	// Step is the path of the step, e.g. "trigger > router_1.children[0] >
	// send_slack"; the middle of a long path is shortened
	// ("trigger > a > b > c > … 190 steps … > x > y > z").
	Step string
	// Name is the name of the step the problem is about; "" for the
	// trigger and for a step without a name.
	Name    string
	Message string // what is wrong and how to fix it
	// Warning: the definition can be applied, but probably not as meant.
	Warning bool
}

func (p Problem) String() string { return p.Step + ": " + p.Message }

// Validate checks a parsed definition against what the engine behind Diga
// accepts and can return, without calling it: trigger and action types,
// required piece settings, step names (unique, and of the engine's form),
// piece versions, CODE source, well-formed routers (branches, conditions,
// execution type) and loops, and the limits (MaxStepDepth, MaxJSONDepth,
// numbers a 64-bit float holds). The size limit needs the text: see
// CheckSize. Warnings (Problem.Warning) come with the errors.
func Validate(trigger map[string]any) []Problem {
	v := &validator{names: map[string]*stepPath{}}
	v.trigger(trigger)
	return v.problems
}

type validator struct {
	problems   []Problem
	names      map[string]*stepPath // step name → path where first seen
	steps      int
	limitCount int // problems found by the limit checks
}

func (v *validator) add(step *stepPath, format string, args ...any) {
	v.problems = append(v.problems, Problem{Step: step.String(), Name: step.name, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) warn(step *stepPath, format string, args ...any) {
	v.problems = append(v.problems, Problem{Step: step.String(), Name: step.name, Message: fmt.Sprintf(format, args...), Warning: true})
}

func (v *validator) trigger(t map[string]any) {
	where := triggerPath()
	v.values(where, t, 1)
	typ, ok := t["type"].(string)
	switch {
	case t["type"] == nil:
		v.add(where, "type is required: one of %s", strings.Join(TriggerTypes, ", "))
	case !ok || !contains(TriggerTypes, typ):
		v.add(where, "type %s is not a trigger type: use one of %s", brief(t["type"]), strings.Join(TriggerTypes, ", "))
	}
	switch name, ok := t["name"].(string); {
	case t["name"] == nil:
	case !ok:
		v.add(where, "name must be a string, not %s", kindOf(t["name"]))
	case name != TriggerName:
		v.add(where, "the trigger's name is always %q (the engine finds a flow's trigger by that name): leave name "+
			"out or set it to %q, not %q", TriggerName, TriggerName, name)
	}
	v.names[TriggerName] = where
	// children and firstLoopAction have a message of their own, below.
	v.knownKeys(where, t, append(triggerKeys, "children", "firstLoopAction", "skip"), "a trigger")
	if sk, ok := t["skip"]; ok && sk != nil {
		v.add(where, "a trigger cannot be skipped (skip belongs to steps): remove skip from the trigger")
	}
	v.common(where, t)
	settings := v.settingsOf(where, t)
	if typ == "PIECE_TRIGGER" {
		v.requiredSetting(where, settings, "pieceName", "the piece that provides the trigger, e.g. \"@diga/piece-diga\"")
		v.requiredSetting(where, settings, "triggerName", "the piece's trigger, e.g. \"call_finished\"")
		v.pieceSettings(where, settings)
	}
	for _, k := range []string{"children", "firstLoopAction"} {
		if c, ok := t[k]; ok && !isEmpty(c) {
			v.add(where, "a trigger has no %s; put the first step in nextAction", k)
		}
	}
	v.chain(t["nextAction"], where, 2)
}

// common checks what the trigger and steps share: displayName a string,
// skip and valid booleans, and valid: false (kept by the engine, so the
// step stays invalid and the flow cannot be published) a warning.
func (v *validator) common(where *stepPath, obj map[string]any) {
	v.optionalString(where, obj, "displayName")
	for _, k := range []string{"skip", "valid"} {
		if val, ok := obj[k]; ok && val != nil {
			if _, isBool := val.(bool); !isBool {
				v.add(where, "%s must be true or false, not %s", k, kindOf(val))
			}
		}
	}
	if obj["valid"] == false {
		v.warn(where, "valid is false: the engine keeps what it is sent, so this step stays invalid and Diga will "+
			"not publish the flow. Leave valid out (the provider sends true, and the engine checks the step itself)")
	}
}

// pieceSettings checks a piece trigger's or step's pieceName, pieceVersion
// and propertySettings.
func (v *validator) pieceSettings(where *stepPath, settings map[string]any) {
	if name, ok := settings["pieceName"].(string); ok && strings.TrimSpace(name) != "" && !plausiblePieceName(name) {
		v.add(where, "settings.pieceName %q is not a piece's package name: it looks like \"@activepieces/piece-slack\" "+
			"or \"@diga/piece-diga\" (the diga_pieces data source lists them)", name)
	}
	if val, ok := settings["pieceVersion"]; ok && val != nil {
		if s, isStr := val.(string); !isStr || !pieceVersionRegexp.MatchString(s) {
			v.add(where, "settings.pieceVersion %s is not a version the engine accepts: write x.y.z, optionally with ~ "+
				"or ^ (\"0.17.9\", \"^0.17.0\"), or leave it out to use the version Diga's catalogue offers", brief(val))
		}
	}
	if val, ok := settings["propertySettings"]; ok && val != nil {
		ps, isObj := val.(map[string]any)
		if !isObj {
			v.add(where, "settings.propertySettings must be an object, not %s", kindOf(val))
			return
		}
		for _, k := range sortedKeys(ps) {
			p, isObj := ps[k].(map[string]any)
			typ, _ := p["type"].(string)
			if !isObj || !contains(propertyExecutionTypes, typ) {
				v.add(where, "settings.propertySettings%s must be an object with type %s, or be left out",
					keySegment(k), strings.Join(propertyExecutionTypes, " or "))
			}
		}
	}
}

// plausiblePieceName: "name" or "@scope/name", each part neither "." nor
// ".." and free of whitespace and of what a URL path would read as syntax.
func plausiblePieceName(name string) bool {
	parts := strings.Split(name, "/")
	switch {
	case len(parts) == 2 && strings.HasPrefix(parts[0], "@") && len(parts[0]) > 1:
		parts[0] = parts[0][1:]
	case len(parts) != 1:
		return false
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.ContainsAny(p, " \t\r\n?#%\\@") {
			return false
		}
		for _, r := range p {
			if r < 0x20 || r == 0x7f {
				return false
			}
		}
	}
	return true
}

// chain validates a nextAction chain starting at first; parent is the path
// of the step before it and depth the JSON depth of first.
func (v *validator) chain(first any, parent *stepPath, depth int) {
	for cur := first; cur != nil; depth++ {
		step, ok := cur.(map[string]any)
		if !ok {
			v.add(parent, "nextAction must be a step object or null, not %s", kindOf(cur))
			return
		}
		where := v.step(step, parent, depth)
		if where == nil {
			return
		}
		parent = where
		cur = step["nextAction"]
	}
}

// step validates one step (not its nextAction) and returns its path, or nil
// when validation must stop (too many steps, or nested too deep). depth is
// the JSON depth of the step object.
func (v *validator) step(s map[string]any, parent *stepPath, depth int) *stepPath {
	v.steps++
	if v.steps > MaxSteps {
		v.add(parent, "the definition has more than %d steps", MaxSteps)
		return nil
	}
	where := parent.next(s)
	if where.depth > MaxStepDepth {
		v.limitProblem(parent, "the steps after this one nest more than %d levels below the trigger (MaxStepDepth: every "+
			"step of a nextAction chain and the first step of a branch or loop body is one level deeper); Diga's API "+
			"cannot store or return a deeper tree. Split the flow into several flows", MaxStepDepth)
		return nil
	}
	if depth > MaxJSONDepth {
		v.limitProblem(parent, "the steps after this one nest deeper than %d JSON levels (MaxJSONDepth); Diga's API "+
			"cannot parse or return JSON much deeper. Split the flow into several flows", MaxJSONDepth)
		return nil
	}
	v.values(where, s, depth)
	name, ok := s["name"].(string)
	switch {
	case s["name"] == nil || (ok && name == ""):
		v.add(where, "every step needs a name, unique in the flow (e.g. \"step_1\")")
	case !ok:
		v.add(where, "name must be a string, not %s", kindOf(s["name"]))
	case !ValidStepName(name):
		v.add(where, "step name %q is not one the engine accepts: %s", name, stepNameRule)
	default:
		if first, dup := v.names[name]; dup {
			v.add(where, "step name %q is already used by %s; step names must be unique across the whole flow", name, first)
		} else {
			v.names[name] = where
		}
	}
	v.knownKeys(where, s, stepKeys, "a step")
	v.common(where, s)

	typ, ok := s["type"].(string)
	switch {
	case s["type"] == nil:
		v.add(where, "type is required: one of %s", strings.Join(ActionTypes, ", "))
	case !ok || !contains(ActionTypes, typ):
		v.add(where, "type %s is not an action type: use one of %s", brief(s["type"]), strings.Join(ActionTypes, ", "))
	}
	settings := v.settingsOf(where, s)

	children, hasChildren := s["children"].([]any)
	if c, ok := s["children"]; ok && c != nil && !hasChildren {
		v.add(where, "children must be an array, not %s", kindOf(c))
	}

	body, hasBody := s["firstLoopAction"]
	hasBody = hasBody && body != nil
	if hasBody && typ != "LOOP_ON_ITEMS" {
		v.add(where, "only a LOOP_ON_ITEMS step has a firstLoopAction (its body)")
	}

	switch typ {
	case "PIECE":
		v.requiredSetting(where, settings, "pieceName", "the piece that provides the action, e.g. \"@activepieces/piece-slack\"")
		v.requiredSetting(where, settings, "actionName", "the piece's action, e.g. \"send_channel_message\"")
		v.pieceSettings(where, settings)
	case "CODE":
		v.code(where, settings)
	case "ROUTER":
		branches := v.router(where, settings)
		if hasChildren && branches > 0 && len(children) > branches {
			v.add(where, "a ROUTER has at most one entry in children per branch (the first step of the branch, or null "+
				"for an empty branch): %d branches but %d children", branches, len(children))
		}
	case "LOOP_ON_ITEMS":
		v.requiredSetting(where, settings, "items", "the list to loop over, e.g. \"{{trigger.items}}\"")
		switch {
		case hasBody && len(children) > 0:
			v.add(where, "give the loop body once, in firstLoopAction (children is the older form of the same thing)")
		case len(children) > 1:
			v.add(where, "a LOOP_ON_ITEMS has one body, the chain starting at firstLoopAction (%d children given)", len(children))
		}
		if hasBody {
			if _, ok := body.(map[string]any); !ok {
				v.add(where, "firstLoopAction must be a step object (the first step of the loop body), not %s", kindOf(body))
			} else {
				v.chain(body, where.body(), depth+1)
			}
		}
	}
	if typ != "ROUTER" && typ != "LOOP_ON_ITEMS" && len(children) > 0 {
		v.add(where, "only ROUTER steps have children (a loop's body goes in firstLoopAction)")
	}
	for i, c := range children {
		if c == nil {
			continue
		}
		v.chain(c, where.branch(i), depth+2)
	}
	return where
}

// code checks a CODE step's source: settings.sourceCode.code is the
// program; packageJson, when given, its package.json as a string.
func (v *validator) code(where *stepPath, settings map[string]any) {
	raw, ok := settings["sourceCode"]
	src, isObj := raw.(map[string]any)
	switch {
	case !ok || raw == nil:
		v.add(where, "a CODE step needs settings.sourceCode = { code = \"export const code = async (inputs) => { … }\" } "+
			"(and, for npm dependencies, packageJson as a JSON string)")
		return
	case !isObj:
		v.add(where, "settings.sourceCode must be an object with code (and optionally packageJson), not %s", kindOf(raw))
		return
	}
	if c, isStr := src["code"].(string); !isStr || strings.TrimSpace(c) == "" {
		v.add(where, "settings.sourceCode.code is required: the step's program, as a string")
	}
	if pj, ok := src["packageJson"]; ok && pj != nil {
		if _, isStr := pj.(string); !isStr {
			v.add(where, "settings.sourceCode.packageJson must be the package.json as a string (e.g. jsonencode({ "+
				"dependencies = { … } })), not %s", kindOf(pj))
		}
	}
}

// router checks a ROUTER's settings and returns its number of branches.
func (v *validator) router(where *stepPath, settings map[string]any) int {
	if et, ok := settings["executionType"]; ok && et != nil {
		if s, _ := et.(string); !contains(executionTypes, s) {
			v.add(where, "settings.executionType %s is not one the engine knows: use %s (the default: the first "+
				"branch whose conditions hold) or %s (every such branch)", brief(et), executionTypes[0], executionTypes[1])
		}
	}
	branches, ok := settings["branches"].([]any)
	if !ok || len(branches) == 0 {
		v.add(where, "a ROUTER needs settings.branches: a non-empty array with one object per branch")
		return 0
	}
	for i, b := range branches {
		at := fmt.Sprintf("settings.branches[%d]", i)
		br, ok := b.(map[string]any)
		if !ok {
			v.add(where, "%s must be an object, not %s", at, kindOf(b))
			continue
		}
		if name, ok := br["branchName"].(string); !ok || strings.TrimSpace(name) == "" {
			v.add(where, "%s needs a branchName (the label the Diga UI shows), e.g. \"VIP caller\"", at)
		}
		typ, _ := br["branchType"].(string)
		switch typ {
		case "CONDITION":
			v.conditions(where, at, br["conditions"])
		case "FALLBACK":
		default:
			v.add(where, "%s needs a branchType: %s (taken when its conditions hold) or %s (taken when no other "+
				"branch is), not %s", at, branchTypes[0], branchTypes[1], brief(br["branchType"]))
		}
	}
	return len(branches)
}

// conditions checks a CONDITION branch's conditions: an array (any of)
// of arrays (all of) of condition objects.
func (v *validator) conditions(where *stepPath, at string, raw any) {
	groups, ok := raw.([]any)
	if !ok || len(groups) == 0 {
		v.add(where, "%s is a CONDITION branch and needs conditions: a list of groups (any group may hold) of "+
			"conditions (all must hold), e.g. [[{ firstValue = \"{{trigger.duration}}\", operator = "+
			"\"NUMBER_IS_GREATER_THAN\", secondValue = \"60\" }]]", at)
		return
	}
	for i, g := range groups {
		group, ok := g.([]any)
		if !ok {
			v.add(where, "%s.conditions[%d] must be a list of conditions (all must hold), not %s", at, i, kindOf(g))
			continue
		}
		for j, c := range group {
			cat := fmt.Sprintf("%s.conditions[%d][%d]", at, i, j)
			cond, ok := c.(map[string]any)
			if !ok {
				v.add(where, "%s must be a condition object (firstValue, operator, secondValue), not %s", cat, kindOf(c))
				continue
			}
			v.condition(where, cat, cond)
		}
	}
}

func (v *validator) condition(where *stepPath, at string, c map[string]any) {
	op, hasOp := c["operator"].(string)
	if c["operator"] != nil && !hasOp {
		v.add(where, "%s.operator must be a string, not %s", at, kindOf(c["operator"]))
		return
	}
	if hasOp && !contains(singleValueOperators, op) && !contains(twoValueOperators, op) {
		v.add(where, "%s.operator %q is not one the engine knows%s", at, op, didYouMean(op, append(append([]string{},
			twoValueOperators...), singleValueOperators...)))
		return
	}
	if _, ok := c["firstValue"].(string); !ok {
		v.add(where, "%s.firstValue must be a string (write numbers and expressions in quotes, e.g. \"{{trigger.duration}}\"), not %s",
			at, kindOf(c["firstValue"]))
	}
	if hasOp && contains(twoValueOperators, op) {
		if _, ok := c["secondValue"].(string); !ok {
			v.add(where, "%s.secondValue must be a string for the operator %s (write numbers in quotes, e.g. \"60\"), not %s",
				at, op, kindOf(c["secondValue"]))
		}
	}
	if cs, ok := c["caseSensitive"]; ok && cs != nil {
		if _, isBool := cs.(bool); !isBool {
			v.add(where, "%s.caseSensitive must be true or false, not %s", at, kindOf(cs))
		}
	}
}

func didYouMean(s string, names []string) string {
	if sug := suggest(s, names); len(sug) > 0 {
		return "; did you mean " + orList(sug) + "?"
	}
	return ": use one of " + strings.Join(names, ", ")
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

func (v *validator) settingsOf(where *stepPath, obj map[string]any) map[string]any {
	raw, present := obj["settings"]
	if !present || raw == nil {
		return map[string]any{}
	}
	settings, ok := raw.(map[string]any)
	if !ok {
		v.add(where, "settings must be an object, not %s", kindOf(raw))
		return map[string]any{}
	}
	if in, ok := settings["input"]; ok && in != nil {
		if _, isObj := in.(map[string]any); !isObj {
			v.add(where, "settings.input must be an object, not %s", kindOf(in))
		}
	}
	if sd, ok := settings["sampleData"]; ok && sd != nil {
		switch _, isObj := sd.(map[string]any); {
		case where.depth == 0:
			v.warn(where, "settings.sampleData on the trigger is ignored: the engine keeps the draft's own trigger "+
				"sample data. Remove it, and store sample data with the diga_flow_sample_data resource")
		case !isObj:
			v.add(where, "settings.sampleData must be an object, not %s", kindOf(sd))
		}
	}
	if logo, ok := settings["customLogoUrl"]; ok && logo != nil {
		if _, isStr := logo.(string); !isStr {
			v.add(where, "settings.customLogoUrl must be a string (a URL), not %s", kindOf(logo))
		}
	}
	if eh, ok := settings["errorHandlingOptions"]; ok && eh != nil {
		v.errorHandling(where, eh)
	}
	return settings
}

// errorHandling checks settings.errorHandlingOptions: continueOnFailure and
// retryOnFailure, each an object with a boolean value (null members are
// left out when sent).
func (v *validator) errorHandling(where *stepPath, raw any) {
	const shape = "settings.errorHandlingOptions is { continueOnFailure = { value = true }, retryOnFailure = { value = false } } (either may be left out)"
	opts, ok := raw.(map[string]any)
	if !ok {
		v.add(where, "%s, not %s", shape, kindOf(raw))
		return
	}
	for _, k := range sortedKeys(opts) {
		if k != "continueOnFailure" && k != "retryOnFailure" {
			v.add(where, "settings.errorHandlingOptions.%s is not an option%s", k, didYouMean(k, []string{"continueOnFailure", "retryOnFailure"}))
			continue
		}
		if opts[k] == nil {
			continue
		}
		o, ok := opts[k].(map[string]any)
		if !ok {
			v.add(where, "%s: %s is %s", shape, k, kindOf(opts[k]))
			continue
		}
		if val, ok := o["value"]; ok && val != nil {
			if _, isBool := val.(bool); !isBool {
				v.add(where, "settings.errorHandlingOptions.%s.value must be true or false, not %s", k, kindOf(val))
			}
		}
	}
}

// knownKeys refuses keys the engine does not keep, suggesting the key meant.
func (v *validator) knownKeys(where *stepPath, obj map[string]any, known []string, what string) {
	for _, k := range sortedKeys(obj) {
		if contains(known, k) || obj[k] == nil {
			continue
		}
		v.add(where, "%s has no key %q, which the engine would drop (and with it whatever it holds)%s", what, k,
			didYouMean(k, known))
	}
}

func (v *validator) requiredSetting(where *stepPath, settings map[string]any, key, hint string) {
	s, ok := settings[key].(string)
	if !ok || strings.TrimSpace(s) == "" {
		v.add(where, "settings.%s is required: %s", key, hint)
	}
}

func (v *validator) optionalString(where *stepPath, obj map[string]any, key string) {
	if val, ok := obj[key]; ok && val != nil {
		if _, isStr := val.(string); !isStr {
			v.add(where, "%s must be a string, not %s", key, kindOf(val))
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
