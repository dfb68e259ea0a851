package flowdef

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mermaid renders the definition as a Mermaid flowchart (see Mermaid).
func (d *Definition) Mermaid() string { return Mermaid(d.tree) }

// Mermaid renders a definition as a Mermaid flowchart, the diagram syntax
// GitHub and GitLab render in Markdown: the trigger, then every step in
// order, each router's branches labelled with their names and conditions,
// and loops with their body and the edge back for the next item. The same
// definition always gives the same text (key order and whitespace of the
// definition never matter), and a step keeps its node id (s_ and its name)
// however the flow around it changes, so a diff of two renderings shows
// what changed.
//
// Shapes: the trigger is a stadium, PIECE and CODE steps rectangles, a
// ROUTER a rhombus, a LOOP_ON_ITEMS a hexagon; a skipped step is dashed.
func Mermaid(trigger map[string]any) string {
	m := &mermaid{ids: map[string]bool{}}
	m.line("flowchart TD")
	m.node("trigger", "([", "])", triggerLabel(trigger))
	m.ids["trigger"] = true
	exits := m.chain(trigger["nextAction"], []exit{{from: "trigger"}})
	for _, e := range exits {
		if e.label != "" {
			// A branch that leads nowhere (an empty branch of the last
			// router) still shows where it goes.
			if !m.ended {
				m.node("flow_end", "([", "])", "End")
				m.ended = true
			}
			m.edge(e, "flow_end")
		}
	}
	if len(m.skipped) > 0 {
		m.line("  classDef skipped stroke-dasharray: 5 5")
		m.line("  class " + strings.Join(m.skipped, ",") + " skipped")
	}
	return m.b.String()
}

type mermaid struct {
	b       strings.Builder
	ids     map[string]bool
	skipped []string
	ended   bool
}

// exit is an edge waiting for the step that comes next.
type exit struct {
	from, label string
	dotted      bool
}

func (m *mermaid) line(s string) {
	m.b.WriteString(s)
	m.b.WriteByte('\n')
}

func (m *mermaid) node(id, open, closing, label string) {
	m.line("  " + id + open + `"` + label + `"` + closing)
}

func (m *mermaid) edge(e exit, to string) {
	arrow := "-->"
	if e.dotted {
		arrow = "-.->"
	}
	if e.label != "" {
		m.line("  " + e.from + " " + arrow + `|"` + escapeMermaid(e.label) + `"| ` + to)
		return
	}
	m.line("  " + e.from + " " + arrow + " " + to)
}

// chain renders the nextAction chain from first, entered by entries, and
// returns the edges that leave it towards whatever follows.
func (m *mermaid) chain(first any, entries []exit) []exit {
	for cur, _ := first.(map[string]any); cur != nil; cur, _ = cur["nextAction"].(map[string]any) {
		id := m.id(cur)
		typ, _ := cur["type"].(string)
		label := stepLabel(cur, typ)
		if skip, _ := cur["skip"].(bool); skip {
			label += "<br/>(skipped)"
			m.skipped = append(m.skipped, id)
		}
		switch typ {
		case "ROUTER":
			m.node(id, "{", "}", label)
		case "LOOP_ON_ITEMS":
			m.node(id, "{{", "}}", label)
		default:
			m.node(id, "[", "]", label)
		}
		for _, e := range entries {
			m.edge(e, id)
		}
		children, _ := cur["children"].([]any)
		switch typ {
		case "ROUTER":
			entries = nil
			branches, _ := settingsIn(cur)["branches"].([]any)
			for i := range max(len(branches), len(children)) {
				var branch, child any
				if i < len(branches) {
					branch = branches[i]
				}
				if i < len(children) {
					child = children[i]
				}
				in := exit{from: id, label: branchLabel(branch, i)}
				if child == nil {
					entries = append(entries, in)
					continue
				}
				entries = append(entries, m.chain(child, []exit{in})...)
			}
		case "LOOP_ON_ITEMS":
			if body := loopBody(cur); body != nil {
				for _, e := range m.chain(body, []exit{{from: id, label: "each item"}}) {
					e.label = joinLabels(e.label, "next item")
					e.dotted = true
					m.edge(e, id)
				}
			}
			entries = []exit{{from: id, label: "after the last item"}}
		default:
			entries = []exit{{from: id}}
		}
	}
	return entries
}

// id is the node id of a step: s_ and its name, with what Mermaid ids
// cannot hold replaced by _, made unique.
func (m *mermaid) id(step map[string]any) string {
	name, _ := step["name"].(string)
	var b strings.Builder
	b.WriteString("s_")
	for _, r := range name {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	id := b.String()
	for n := 2; m.ids[id]; n++ {
		id = fmt.Sprintf("%s_%d", b.String(), n)
	}
	m.ids[id] = true
	return id
}

func settingsIn(step map[string]any) map[string]any {
	s, _ := step["settings"].(map[string]any)
	return s
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// pieceShort names a piece briefly: "@activepieces/piece-slack" → "slack".
func pieceShort(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimPrefix(name, "piece-")
}

func triggerLabel(t map[string]any) string {
	s := settingsIn(t)
	if str(t["type"]) != "PIECE_TRIGGER" {
		return escapeMermaid(firstOf(str(t["displayName"]), "Empty trigger"))
	}
	title := firstOf(str(t["displayName"]), str(s["triggerName"]), "Trigger")
	return escapeMermaid(title) + "<br/>" + escapeMermaid(pieceShort(str(s["pieceName"]))+" · "+str(s["triggerName"]))
}

func stepLabel(step map[string]any, typ string) string {
	s := settingsIn(step)
	title := escapeMermaid(firstOf(str(step["displayName"]), str(step["name"]), "(unnamed step)"))
	switch typ {
	case "PIECE":
		return title + "<br/>" + escapeMermaid(pieceShort(str(s["pieceName"]))+" · "+str(s["actionName"]))
	case "CODE":
		return title + "<br/>code"
	case "LOOP_ON_ITEMS":
		items, ok := s["items"].(string)
		if !ok {
			items = brief(s["items"])
		}
		return title + "<br/>" + escapeMermaid("for each of "+shorten(items, 60))
	}
	return title
}

// branchLabel is a router branch's edge label: its name and conditions,
// "VIP: {{trigger.tier}} text exactly matches vip".
func branchLabel(branch any, i int) string {
	b, _ := branch.(map[string]any)
	name := firstOf(str(b["branchName"]), fmt.Sprintf("Branch %d", i+1))
	if str(b["branchType"]) == "FALLBACK" {
		return shorten(name+" (fallback)", 140)
	}
	groups, _ := b["conditions"].([]any)
	var ors []string
	for _, g := range groups {
		conds, _ := g.([]any)
		var ands []string
		for _, c := range conds {
			if text := conditionText(c); text != "" {
				ands = append(ands, text)
			}
		}
		if len(ands) > 0 {
			ors = append(ors, strings.Join(ands, " and "))
		}
	}
	if len(ors) == 0 {
		return shorten(name, 140)
	}
	return shorten(name+": "+strings.Join(ors, " or "), 140)
}

func conditionText(c any) string {
	m, ok := c.(map[string]any)
	if !ok {
		return ""
	}
	op := strings.ToLower(strings.ReplaceAll(str(m["operator"]), "_", " "))
	parts := []string{}
	for _, p := range []any{m["firstValue"], op, m["secondValue"]} {
		switch v := p.(type) {
		case nil:
		case string:
			if v != "" {
				parts = append(parts, v)
			}
		default:
			parts = append(parts, brief(v))
		}
	}
	return strings.Join(parts, " ")
}

func joinLabels(a, b string) string {
	if a == "" {
		return b
	}
	return a + ", " + b
}

func firstOf(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// mermaidEscaper writes, as Mermaid's entity codes, every character that
// would make a label more than text: `"` ends it, `|` an edge label, `%`
// starts a %% comment or a %%{init: …}%% directive (which Mermaid applies
// wherever it appears in the text), `<`, `>` and `&` are HTML, a backtick
// a Markdown string, and `#` an entity code. "style" and "classDef" get
// their first letter written as a code too: Mermaid's preprocessing drops
// the last ";" of any line where they precede a ":" and a "#", which would
// change the label's last entity code.
var mermaidEscaper = strings.NewReplacer(
	"#", "#35;", `"`, "#quot;", "%", "#37;", "&", "#38;", "<", "#lt;", ">", "#gt;", "|", "#124;", "`", "#96;",
	"style", "#115;tyle", "classDef", "#99;lassDef",
)

// escapeMermaid makes s inert text inside a quoted Mermaid label: line
// breaks and other control characters (the Unicode line and paragraph
// separators and NEL included, which end lines for Mermaid's
// preprocessing) become spaces, and mermaidEscaper writes the rest.
func escapeMermaid(s string) string {
	s = strings.ReplaceAll(s, "\r\n", " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return mermaidEscaper.Replace(s)
}
