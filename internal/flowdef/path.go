package flowdef

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// stepPath locates a step for messages: "trigger", "trigger > step_1",
// "trigger > router.children[0] > step_2". It is a chain of links to the
// parent, so deep trees share their prefixes instead of building a string
// per step, and it renders long paths with their middle shortened.
type stepPath struct {
	parent *stepPath
	label  string // the step's name, with ".children[i]" when inside a branch
	name   string // the step's name in full; "" for the trigger and unnamed steps
	depth  int    // steps below the trigger: 0 for the trigger
}

// Paths longer than pathHead+pathTail+1 steps show only their first
// pathHead and last pathTail steps: a 200-step chain would otherwise make
// a message of kilobytes that no one reads.
const (
	pathHead = 4
	pathTail = 3
	// maxLabelRunes shortens very long step names in paths.
	maxLabelRunes = 64
)

// triggerPath is the path of the trigger.
func triggerPath() *stepPath { return &stepPath{label: "trigger"} }

// next is the path of step v, which follows p (its nextAction or the first
// step of one of its branches).
func (p *stepPath) next(v any) *stepPath {
	label, name := "(unnamed step)", ""
	if m, ok := v.(map[string]any); ok {
		if n, ok := m["name"].(string); ok && n != "" {
			label, name = n, n
		}
	}
	return &stepPath{parent: p, label: shortLabel(label), name: name, depth: p.depth + 1}
}

// branch is p seen from inside its children[i] (a router branch or a loop
// body): "router.children[0]". The steps of the branch follow it.
func (p *stepPath) branch(i int) *stepPath {
	return &stepPath{parent: p.parent, label: p.label + ".children[" + strconv.Itoa(i) + "]", name: p.name, depth: p.depth}
}

// body is p seen from inside its loop body: "loop.firstLoopAction". The
// steps of the body follow it.
func (p *stepPath) body() *stepPath {
	return &stepPath{parent: p.parent, label: p.label + ".firstLoopAction", name: p.name, depth: p.depth}
}

// String renders the path, shortened in the middle when it is long:
// "trigger > s1 > s2 > s3 > … 193 steps … > s197 > s198 > s199".
func (p *stepPath) String() string {
	if p == nil {
		return ""
	}
	labels := make([]string, p.depth+1)
	for q := p; q != nil; q = q.parent {
		labels[q.depth] = q.label
	}
	if len(labels) <= pathHead+pathTail+1 {
		return strings.Join(labels, " > ")
	}
	omitted := len(labels) - pathHead - pathTail
	parts := append(append([]string{}, labels[:pathHead]...), fmt.Sprintf("… %d steps …", omitted))
	parts = append(parts, labels[len(labels)-pathTail:]...)
	return strings.Join(parts, " > ")
}

func shortLabel(s string) string {
	if utf8.RuneCountInString(s) <= maxLabelRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxLabelRunes-1]) + "…"
}

// keyPath renders the location of a value inside a step, such as
// "settings.input.amount" or "settings.branches[0].conditions[0][1]",
// shortened in the middle when it is deep:
// "settings.input.a.b … 500 levels … x.y.z". segments are what keySegment
// and indexSegment return. Keys that are not plain identifiers are quoted:
// settings.input["my key"].
func keyPath(segments []string) string {
	const head, tail = 4, 3
	join := func(segs []string) string {
		if len(segs) == 0 {
			return ""
		}
		return strings.TrimPrefix(segs[0], ".") + strings.Join(segs[1:], "")
	}
	if len(segments) <= head+tail+1 {
		return join(segments)
	}
	omitted := len(segments) - head - tail
	return fmt.Sprintf("%s … %d levels … %s", join(segments[:head]), omitted, join(segments[len(segments)-tail:]))
}

// keySegment is how key k follows its parent in a keyPath.
func keySegment(k string) string {
	if isIdentifier(k) {
		return "." + shortLabel(k)
	}
	return "[" + strconv.Quote(shortLabel(k)) + "]"
}

func indexSegment(i int) string { return "[" + strconv.Itoa(i) + "]" }

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '-'):
		default:
			return false
		}
	}
	return true
}
