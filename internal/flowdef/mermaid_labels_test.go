package flowdef

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Labels in a generated diagram are inert text in every syntax Mermaid
// reads: a name set in the Diga UI must not end its label, start a
// statement, a %% comment or a %%{init: …}%% directive (which Mermaid
// applies wherever it appears in the text), turn into HTML, Markdown or an
// entity, or be changed by Mermaid's own preprocessing. Every label shows
// the text it was given, with line breaks as spaces.

// hostileLabels are texts that break out of a label, or change it, when
// copied into a diagram as they are.
var hostileLabels = []string{
	`%%{init: {"theme":"dark","themeVariables":{"primaryColor":"#ff0000"}}}%%`,
	`%%{init: {'flowchart': {'htmlLabels': false}}}%%`,
	`%%{wrap}%%`,
	"x\n%% a comment line\ny",
	"x\u2028%%{init: {'theme':'forest'}}%%",
	"x\u2029%% comment after a paragraph separator",
	`"] --> evil["taken over`,
	`a" ; click s_a call alert(1) ; %%`,
	"`**markdown string**`",
	`<img src=x onerror=alert(1)> <br/> <b>bold</b>`,
	`&lt;b&gt; &amp; &#35; #quot; #35; #lt;`,
	`style s_a fill:#f00;`,
	`classDef skipped fill:#f00,stroke:#0f0;`,
	`a|b|"c"|`,
	"tab\there nul\x00 esc\x1b nel\u0085 crlf\r\nend cr\r.",
	"---\ntitle: front matter\n---",
	`{}[]()(())[[]]{{}}>]`,
	`accTitle: x`,
	`end`,
	`https://example.com/?a=1&b=2#frag`,
}

// labelText matches what a quoted label may hold: characters that are
// text to Mermaid, entity codes (#NN;), and the <br/> the renderer puts
// between a label's parts.
const labelText = `(?:[^"%<>|` + "`" + `&#\x00-\x1f\x7f-\x{9f}\x{2028}\x{2029}]|#(?:\d+|quot|lt|gt);|<br/>)*`

var (
	diagramLine = regexp.MustCompile(`^(?:flowchart TD` +
		`|  [A-Za-z0-9_]+(?:\(\[|\[|\{\{|\{)"` + labelText + `"(?:\]\)|\]|\}\}|\})` +
		`|  [A-Za-z0-9_]+ (?:-->|-\.->)(?:\|"` + labelText + `"\|)? [A-Za-z0-9_]+` +
		`|  classDef skipped stroke-dasharray: 5 5` +
		`|  class [A-Za-z0-9_,]+ skipped)$`)
	quotedLabel = regexp.MustCompile(`"(` + labelText + `)"`)
	entityCode  = regexp.MustCompile(`#(\d+|quot|lt|gt);`)
	// preprocessed is the line Mermaid's entity encoding changes.
	preprocessed = regexp.MustCompile(`style.*:\S*#.*;|classDef.*:\S*#.*;`)
)

// shownText is a label as Mermaid shows it: entity codes decoded, <br/>
// a line break.
func shownText(label string) string {
	label = strings.ReplaceAll(label, "<br/>", "\n")
	return entityCode.ReplaceAllStringFunc(label, func(code string) string {
		switch name := code[1 : len(code)-1]; name {
		case "quot":
			return `"`
		case "lt":
			return "<"
		case "gt":
			return ">"
		default:
			n, _ := strconv.Atoi(name)
			return string(rune(n))
		}
	})
}

// flattened is a text as a label shows it: every line break or control
// character a space.
func flattened(s string) string {
	s = strings.ReplaceAll(s, "\r\n", " ")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// hostileTree puts h into every field a label is made from.
func hostileTree(h string) map[string]any {
	cond := []any{[]any{map[string]any{"firstValue": h, "operator": "TEXT_CONTAINS", "secondValue": h}}}
	return map[string]any{
		"type": "PIECE_TRIGGER", "name": "trigger", "displayName": h,
		"settings": map[string]any{"pieceName": h, "triggerName": h},
		"nextAction": map[string]any{
			"name": "s1", "type": "PIECE", "displayName": h, "skip": true,
			"settings": map[string]any{"pieceName": h, "actionName": h},
			"nextAction": map[string]any{
				"name": "r", "type": "ROUTER", "displayName": h,
				"settings": map[string]any{"branches": []any{
					map[string]any{"branchName": h, "conditions": cond},
					map[string]any{"branchName": h, "branchType": "FALLBACK"},
				}},
				"children": []any{
					map[string]any{"name": "loop", "type": "LOOP_ON_ITEMS", "displayName": h,
						"settings": map[string]any{"items": h},
						"children": []any{map[string]any{"name": "c", "type": "CODE", "displayName": h}}},
					nil,
				},
			},
		},
	}
}

func TestMermaidLabelsAreInertText(t *testing.T) {
	t.Parallel()
	for _, h := range hostileLabels {
		got := Mermaid(hostileTree(h))
		if strings.Contains(got, "%") {
			t.Errorf("label %q: the diagram holds a %%, which starts a comment or directive:\n%s", h, got)
		}
		labels := 0
		for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
			if !diagramLine.MatchString(line) {
				t.Errorf("label %q: line %q is not one of the diagram's own statements", h, line)
				continue
			}
			if strings.Contains(line, `"`) && preprocessed.MatchString(line) {
				t.Errorf("label %q: Mermaid's preprocessing changes line %q", h, line)
			}
			for _, m := range quotedLabel.FindAllStringSubmatch(line, -1) {
				labels++
				shown := shownText(m[1])
				want := flattened(h)
				if len([]rune(want)) > 40 {
					want = string([]rune(want)[:40]) // long labels are shortened
				}
				if strings.Contains(line, `"End"`) || strings.Contains(line, `"each item"`) ||
					strings.Contains(line, `"after the last item"`) || strings.Contains(line, `"next item"`) {
					continue
				}
				if !strings.Contains(shown, want) {
					t.Errorf("label %q shows as %q", h, shown)
				}
			}
		}
		if labels < 6 {
			t.Errorf("label %q: only %d labels in:\n%s", h, labels, got)
		}
	}
}

// The property behind it, for any text: the escaped form holds only label
// text and shows as the text itself, line breaks and control characters
// as spaces.
func FuzzMermaidLabel(f *testing.F) {
	for _, h := range hostileLabels {
		f.Add(h)
	}
	whole := regexp.MustCompile(`^` + labelText + `$`)
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // the definition is JSON: its strings are UTF-8
		}
		e := escapeMermaid(s)
		if !whole.MatchString(e) || strings.Contains(e, "<br/>") {
			t.Fatalf("escapeMermaid(%q) = %q holds more than label text", s, e)
		}
		if shown := shownText(e); shown != flattened(s) {
			t.Fatalf("escapeMermaid(%q) = %q shows as %q", s, e, shown)
		}
	})
}
