package emulator

import (
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Step and branch editing on a draft trigger tree. Every operation works on a
// deep copy of the stored tree and the copy is stored (through
// storeTreeLocked) only when the whole operation succeeded, so a failed
// request never leaves a half-edited draft. The semantics are Activepieces'
// flow operations (ADD_ACTION, DELETE_ACTION, ADD_BRANCH, …) mapped onto
// Diga's tree shape, where a router's branches live in "children" and a
// loop's body in "firstLoopAction" (Activepieces' key) or children[0]; see
// BEHAVIOUR.md.

const (
	locationAfter        = "AFTER"
	locationInsideLoop   = "INSIDE_LOOP"
	locationInsideBranch = "INSIDE_BRANCH"

	codeStepNotFound        = "STEP_NOT_FOUND"
	codeDuplicateStepName   = "DUPLICATE_STEP_NAME"
	codeInvalidStepLocation = "INVALID_STEP_LOCATION"
	codeInvalidBranchIndex  = "INVALID_BRANCH_INDEX"
	codeInvalidStepType     = "INVALID_STEP_TYPE"
)

var stepLocations = []string{locationAfter, locationInsideLoop, locationInsideBranch}

// emptyCondition is Activepieces' default condition of a new router branch.
func emptyCondition() map[string]any {
	return map[string]any{"firstValue": "", "secondValue": "", "operator": "TEXT_CONTAINS", "caseSensitive": false}
}

func stepName(node map[string]any) string {
	n, _ := node["name"].(string)
	return n
}

func stepType(node map[string]any) string {
	t, _ := node["type"].(string)
	return t
}

// stepRef locates a node of a trigger tree together with the slot holding it:
// holder["nextAction"], holder["firstLoopAction"] or
// holder["children"][index]. The trigger itself has no holder.
type stepRef struct {
	node   map[string]any
	holder map[string]any
	key    string
	index  int
}

func (r stepRef) isTrigger() bool { return r.holder == nil }

// replace puts v (a step or nil) where the referenced node was.
func (r stepRef) replace(v any) {
	switch r.key {
	case "children":
		r.holder["children"].([]any)[r.index] = v
	case keyFirstLoopAction:
		// Activepieces leaves no key behind an emptied loop body.
		if v == nil {
			delete(r.holder, keyFirstLoopAction)
			return
		}
		r.holder[keyFirstLoopAction] = v
	default:
		r.holder["nextAction"] = v
	}
}

// findStep finds the trigger or step called name, in depth-first order (a
// node, then its firstLoopAction chain, its children in order, then its
// nextAction chain).
func findStep(trigger map[string]any, name string) (stepRef, bool) {
	if stepName(trigger) == name {
		return stepRef{node: trigger}, true
	}
	return findBelow(trigger, name)
}

// findBelow searches node's sub-chains and its nextAction chain (not node).
func findBelow(node map[string]any, name string) (stepRef, bool) {
	for node != nil {
		if r, ok := findInChildren(node, name); ok {
			return r, true
		}
		next, _ := node["nextAction"].(map[string]any)
		if next == nil {
			return stepRef{}, false
		}
		if stepName(next) == name {
			return stepRef{node: next, holder: node, key: "nextAction"}, true
		}
		node = next
	}
	return stepRef{}, false
}

// findInChildren searches the sub-trees below node only (its
// firstLoopAction, then its children), i.e. a loop's body or a router's
// branches.
func findInChildren(node map[string]any, name string) (stepRef, bool) {
	if m, ok := node[keyFirstLoopAction].(map[string]any); ok {
		if stepName(m) == name {
			return stepRef{node: m, holder: node, key: keyFirstLoopAction}, true
		}
		if r, ok := findBelow(m, name); ok {
			return r, true
		}
	}
	kids, _ := node["children"].([]any)
	for i, k := range kids {
		m, ok := k.(map[string]any)
		if !ok {
			continue
		}
		if stepName(m) == name {
			return stepRef{node: m, holder: node, key: "children", index: i}, true
		}
		if r, ok := findBelow(m, name); ok {
			return r, true
		}
	}
	return stepRef{}, false
}

// stepNames lists the names of node and everything below it (sub-chains
// and nextAction chains) in depth-first order.
func stepNames(node map[string]any) []string {
	var out []string
	walkSteps(node, func(n map[string]any) { out = append(out, stepName(n)) })
	return out
}

// walkSteps calls visit on node and every node below it, depth first: a
// node, its sub-chains (subChains), then its nextAction chain.
func walkSteps(node map[string]any, visit func(map[string]any)) {
	for node != nil {
		visit(node)
		for _, k := range subChains(node) {
			if m, ok := k.(map[string]any); ok {
				walkSteps(m, visit)
			}
		}
		node, _ = node["nextAction"].(map[string]any)
	}
}

func stepNotFound(name string) *apiFailure {
	return badRequest(codeStepNotFound, "Step "+name+" not found")
}

// findAction finds a step that is an action (not the trigger).
func findAction(trigger map[string]any, name string) (stepRef, *apiFailure) {
	r, ok := findStep(trigger, name)
	if !ok {
		return stepRef{}, stepNotFound(name)
	}
	if r.isTrigger() {
		return stepRef{}, badRequest(codeStepNotFound, "Step "+name+" is the flow's trigger, not an action")
	}
	return r, nil
}

func routerBranches(router map[string]any) []any {
	b, _ := settingsOf(router)["branches"].([]any)
	return b
}

// alignedChildren returns a copy of a router's children padded with nulls to
// one entry per branch (never truncated).
func alignedChildren(router map[string]any) []any {
	kids, _ := router["children"].([]any)
	out := append([]any(nil), kids...)
	for len(out) < len(routerBranches(router)) {
		out = append(out, nil)
	}
	return out
}

// index converts a validated int to a position in [lo, hi].
func index(n *big.Int, lo, hi int) (int, bool) {
	if n == nil || !n.IsInt64() {
		return 0, false
	}
	i := n.Int64()
	if i < int64(lo) || i > int64(hi) {
		return 0, false
	}
	return int(i), true
}

func branchIndexError(what string, n *big.Int, router map[string]any, valid string) *apiFailure {
	count := len(routerBranches(router))
	plural := "es"
	if count == 1 {
		plural = ""
	}
	return badRequest(codeInvalidBranchIndex, what+" "+n.String()+" is out of range for router "+stepName(router)+
		" ("+strconv.Itoa(count)+" branch"+plural+"; "+valid+")")
}

func validRange(n int) string {
	if n == 0 {
		return "it has no branch"
	}
	return "valid: 0 to " + strconv.Itoa(n-1)
}

// newStep builds the stored form of an ActionDefinition. A router starts with
// one empty (null) child per branch, as in Activepieces.
func newStep(name, typ, displayName string, settings map[string]any) map[string]any {
	step := map[string]any{
		"name":        name,
		"type":        typ,
		"displayName": displayName,
		"settings":    settings,
		"nextAction":  nil,
	}
	if typ == actionRouter {
		step["children"] = make([]any, len(routerBranches(step)))
	}
	return step
}

// bodyInFirstLoopAction tells where a loop's body is, or goes: in
// firstLoopAction when the loop stores one, in children[0] when that holds a
// step, otherwise where the import mode puts loop bodies (engine:
// firstLoopAction, lenient: children[0]).
func bodyInFirstLoopAction(loop map[string]any, engine bool) bool {
	if _, ok := loop[keyFirstLoopAction].(map[string]any); ok {
		return true
	}
	if kids, _ := loop["children"].([]any); len(kids) > 0 && kids[0] != nil {
		return false
	}
	return engine
}

// insertStep links step (whose own nextAction is replaced) relative to the
// step or trigger called parent. engine: ImportEngine's choice of where a
// new loop body goes.
func insertStep(trigger map[string]any, parent, location string, branchIndex *big.Int, step map[string]any, engine bool) *apiFailure {
	r, ok := findStep(trigger, parent)
	if !ok {
		return stepNotFound(parent)
	}
	p := r.node
	switch location {
	case locationInsideLoop:
		if r.isTrigger() || stepType(p) != actionLoop {
			return badRequest(codeInvalidStepLocation, "INSIDE_LOOP needs a LOOP_ON_ITEMS parent; "+describe(r)+" is not a loop")
		}
		if bodyInFirstLoopAction(p, engine) {
			step["nextAction"] = p[keyFirstLoopAction]
			p[keyFirstLoopAction] = step
			break
		}
		kids, _ := p["children"].([]any)
		kids = append([]any(nil), kids...)
		if len(kids) == 0 {
			kids = []any{nil}
		}
		step["nextAction"] = kids[0]
		kids[0] = step
		p["children"] = kids
	case locationInsideBranch:
		if r.isTrigger() || stepType(p) != actionRouter {
			return badRequest(codeInvalidStepLocation, "INSIDE_BRANCH needs a ROUTER parent; "+describe(r)+" is not a router")
		}
		if branchIndex == nil {
			return badRequest(codeInvalidBranchIndex, "branchIndex is required with INSIDE_BRANCH")
		}
		n := len(routerBranches(p))
		i, ok := index(branchIndex, 0, n-1)
		if !ok {
			return branchIndexError("branchIndex", branchIndex, p, validRange(n))
		}
		kids := alignedChildren(p)
		step["nextAction"] = kids[i]
		kids[i] = step
		p["children"] = kids
	default: // AFTER
		step["nextAction"] = p["nextAction"]
		p["nextAction"] = step
	}
	return nil
}

func describe(r stepRef) string {
	if r.isTrigger() {
		return "the trigger " + stepName(r.node)
	}
	t := stepType(r.node)
	if t == "" {
		t = "untyped"
	}
	return "step " + stepName(r.node) + " (" + t + ")"
}

// addAction implements ADD_ACTION.
func addAction(trigger map[string]any, parent, location string, branchIndex *big.Int, step map[string]any, engine bool) *apiFailure {
	if _, ok := findStep(trigger, parent); !ok {
		return stepNotFound(parent)
	}
	name := stepName(step)
	for _, n := range stepNames(trigger) {
		if n == name {
			return badRequest(codeDuplicateStepName, "A step named "+name+" already exists in the flow")
		}
	}
	return insertStep(trigger, parent, location, branchIndex, step, engine)
}

// updateAction implements UPDATE_ACTION: type, displayName and settings are
// replaced; name, nextAction, children, skip and any other key are kept. A
// router's children are padded to one per branch.
func updateAction(trigger map[string]any, name, typ, displayName string, settings map[string]any) *apiFailure {
	r, fail := findAction(trigger, name)
	if fail != nil {
		return fail
	}
	r.node["type"] = typ
	r.node["displayName"] = displayName
	r.node["settings"] = settings
	if typ == actionRouter {
		r.node["children"] = alignedChildren(r.node)
	}
	return nil
}

// deleteAction implements DELETE_ACTION: the step's nextAction takes its
// place; its children (loop body, router branches) go with it.
func deleteAction(trigger map[string]any, name string) *apiFailure {
	r, fail := findAction(trigger, name)
	if fail != nil {
		return fail
	}
	r.replace(r.node["nextAction"])
	return nil
}

// moveAction implements MOVE_ACTION: the step leaves its place (its
// nextAction chain closing the gap) and is inserted like ADD_ACTION, keeping
// its children.
func moveAction(trigger map[string]any, name, newParent, location string, branchIndex *big.Int, engine bool) *apiFailure {
	r, fail := findAction(trigger, name)
	if fail != nil {
		return fail
	}
	if _, ok := findStep(trigger, newParent); !ok {
		return stepNotFound(newParent)
	}
	if newParent == name {
		return badRequest(codeInvalidStepLocation, "Step "+name+" cannot be moved relative to itself")
	}
	if _, inside := findInChildren(r.node, newParent); inside {
		return badRequest(codeInvalidStepLocation, "Step "+name+" cannot be moved inside itself ("+newParent+" is in its children)")
	}
	r.replace(r.node["nextAction"])
	r.node["nextAction"] = nil
	return insertStep(trigger, newParent, location, branchIndex, r.node, engine)
}

// findRouter finds the ROUTER step called name.
func findRouter(trigger map[string]any, name string) (map[string]any, *apiFailure) {
	r, fail := findAction(trigger, name)
	if fail != nil {
		return nil, fail
	}
	if stepType(r.node) != actionRouter {
		return nil, badRequest(codeInvalidStepType, describe(r)+" is not a ROUTER")
	}
	return r.node, nil
}

func setBranches(router map[string]any, branches, children []any) {
	settings := settingsOf(router)
	if settings == nil {
		settings = map[string]any{}
		router["settings"] = settings
	}
	settings["branches"] = branches
	router["children"] = children
}

func insertAt(l []any, i int, v any) []any {
	out := make([]any, 0, len(l)+1)
	out = append(out, l[:i]...)
	out = append(out, v)
	return append(out, l[i:]...)
}

func removeAt(l []any, i int) []any {
	out := make([]any, 0, len(l)-1)
	out = append(out, l[:i]...)
	return append(out, l[i+1:]...)
}

// addBranch implements ADD_BRANCH: a CONDITION branch inserted at position
// branchIndex (0 … number of branches) with an empty child.
func addBranch(trigger map[string]any, routerName string, branchIndex *big.Int, branchName string, conditions any) *apiFailure {
	router, fail := findRouter(trigger, routerName)
	if fail != nil {
		return fail
	}
	branches := routerBranches(router)
	i, ok := index(branchIndex, 0, len(branches))
	if !ok {
		return branchIndexError("branchIndex", branchIndex, router, "valid insert positions: 0 to "+strconv.Itoa(len(branches)))
	}
	if conditions == nil {
		conditions = []any{[]any{emptyCondition()}}
	}
	branch := map[string]any{"branchName": branchName, "branchType": "CONDITION", "conditions": deepCopyJSON(conditions)}
	setBranches(router, insertAt(branches, i, branch), insertAt(alignedChildren(router), i, nil))
	return nil
}

// branchAt validates an existing branch position.
func branchAt(router map[string]any, what string, n *big.Int) (int, *apiFailure) {
	count := len(routerBranches(router))
	i, ok := index(n, 0, count-1)
	if !ok {
		return 0, branchIndexError(what, n, router, validRange(count))
	}
	return i, nil
}

// deleteBranch implements DELETE_BRANCH: the branch and its steps go.
func deleteBranch(trigger map[string]any, routerName string, branchIndex *big.Int) *apiFailure {
	router, fail := findRouter(trigger, routerName)
	if fail != nil {
		return fail
	}
	i, fail := branchAt(router, "branchIndex", branchIndex)
	if fail != nil {
		return fail
	}
	setBranches(router, removeAt(routerBranches(router), i), removeAt(alignedChildren(router), i))
	return nil
}

// moveBranch implements MOVE_BRANCH: branch and child move together.
func moveBranch(trigger map[string]any, routerName string, from, to *big.Int) *apiFailure {
	router, fail := findRouter(trigger, routerName)
	if fail != nil {
		return fail
	}
	i, fail := branchAt(router, "branchIndex", from)
	if fail != nil {
		return fail
	}
	j, fail := branchAt(router, "newIndex", to)
	if fail != nil {
		return fail
	}
	branches, kids := routerBranches(router), alignedChildren(router)
	b, k := branches[i], kids[i]
	setBranches(router, insertAt(removeAt(branches, i), j, b), insertAt(removeAt(kids, i), j, k))
	return nil
}

// duplicateBranch implements DUPLICATE_BRANCH: a copy of the branch is
// inserted right after it, named "<branchName> Copy" (a FALLBACK branch's
// copy becomes a CONDITION branch with the empty condition), and its steps
// are copied under fresh names.
func duplicateBranch(trigger map[string]any, routerName string, branchIndex *big.Int) *apiFailure {
	router, fail := findRouter(trigger, routerName)
	if fail != nil {
		return fail
	}
	i, fail := branchAt(router, "branchIndex", branchIndex)
	if fail != nil {
		return fail
	}
	branches, kids := routerBranches(router), alignedChildren(router)
	var branch map[string]any
	if m, ok := branches[i].(map[string]any); ok {
		branch = copyTree(m)
	} else {
		branch = map[string]any{}
	}
	if n, ok := branch["branchName"].(string); ok {
		branch["branchName"] = n + " Copy"
	}
	if branch["branchType"] == "FALLBACK" {
		branch["branchType"] = "CONDITION"
		branch["conditions"] = []any{[]any{emptyCondition()}}
	}
	var child any
	if head, ok := kids[i].(map[string]any); ok {
		child = cloneSteps(head, stepNames(trigger))
	}
	setBranches(router, insertAt(branches, i+1, branch), insertAt(kids, i+1, child))
	return nil
}

// cloneSteps deep-copies a step chain (children included) giving every step
// the first free name step_1, step_2, … (Activepieces' findUnusedName, in
// depth-first order), " Copy" appended to its displayName, and references to
// the renamed steps inside {{ }} expressions of settings.input rewritten.
func cloneSteps(head map[string]any, taken []string) map[string]any {
	used := map[string]bool{}
	for _, n := range taken {
		used[n] = true
	}
	rename := map[string]string{}
	next := 1
	for _, old := range stepNames(head) {
		for used["step_"+strconv.Itoa(next)] {
			next++
		}
		name := "step_" + strconv.Itoa(next)
		used[name] = true
		rename[old] = name
	}
	out := copyTree(head)
	walkSteps(out, func(n map[string]any) {
		n["name"] = rename[stepName(n)]
		if d, ok := n["displayName"].(string); ok {
			n["displayName"] = d + " Copy"
		}
		if st := settingsOf(n); st != nil {
			if in, ok := st["input"]; ok {
				st["input"] = rewriteRefs(in, rename)
			}
		}
	})
	return out
}

var templateExpr = regexp.MustCompile(`\{\{(.*?)\}\}`)

// rewriteRefs replaces whole-word occurrences of renamed step names inside
// {{ }} in every string of v (one pass, so renames never chain).
func rewriteRefs(v any, rename map[string]string) any {
	if len(rename) == 0 {
		return v
	}
	olds := make([]string, 0, len(rename))
	for o := range rename {
		if o != "" {
			olds = append(olds, regexp.QuoteMeta(o))
		}
	}
	if len(olds) == 0 {
		return v
	}
	sort.Slice(olds, func(i, j int) bool { return len(olds[i]) > len(olds[j]) })
	word := regexp.MustCompile(`\b(?:` + strings.Join(olds, "|") + `)\b`)
	var conv func(any) any
	conv = func(v any) any {
		switch t := v.(type) {
		case string:
			return templateExpr.ReplaceAllStringFunc(t, func(expr string) string {
				inner := expr[2 : len(expr)-2]
				return "{{" + word.ReplaceAllStringFunc(inner, func(n string) string { return rename[n] }) + "}}"
			})
		case map[string]any:
			for k, x := range t {
				t[k] = conv(x)
			}
		case []any:
			for i, x := range t {
				t[i] = conv(x)
			}
		}
		return v
	}
	return conv(v)
}

// storeTreeLocked stores an edited draft tree and bumps updated. Under
// ImportLenient server-owned keys are recomputed exactly as for an import
// (valid, skip, nextAction, settings defaults, trigger name); under
// ImportEngine as the engine does (engine.go: valid and lastUpdatedDate of
// the steps the edit changed). Nothing is dropped either way. flow_category
// is derived on every read, so it follows automatically.
func (s *Server) storeTreeLocked(f *flow, tree map[string]any) {
	f.trigger = s.normalizeTreeLocked(f.trigger, tree)
	s.touchLocked(f)
}

// normalizeTreeLocked is the stored form of tree, an edited copy of old
// (nil for a new tree), in the server's import mode.
func (s *Server) normalizeTreeLocked(old, tree map[string]any) map[string]any {
	if s.importMode == ImportEngine {
		return engineNormalize(old, tree, s.engineNow())
	}
	return normalizeTrigger(tree)
}
