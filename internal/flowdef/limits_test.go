package flowdef

import (
	"strconv"
	"strings"
	"testing"
)

// chain returns a definition whose trigger is followed by n CODE steps in
// one nextAction chain, named s1…sn.
func chain(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"EMPTY","nextAction":`)
	for i := 1; i <= n; i++ {
		b.WriteString(`{"name":"s` + strconv.Itoa(i) + `","type":"CODE","settings":{"sourceCode":{"code":"x"}},"nextAction":`)
	}
	b.WriteString("null")
	b.WriteString(strings.Repeat("}", n+1))
	return b.String()
}

func problemsText(probs []Problem) string {
	lines := make([]string, len(probs))
	for i, p := range probs {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func TestValidateNumbersBeyondFloat64(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"overflow":          `{"type":"EMPTY","nextAction":{"name":"s1","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{"n":1e400}}}}`,
		"negative overflow": `{"type":"EMPTY","nextAction":{"name":"s1","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{"n":-1e400}}}}`,
		"just past max":     `{"type":"EMPTY","nextAction":{"name":"s1","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{"n":1.8e308}}}}`,
		"integer overflow":  `{"type":"EMPTY","nextAction":{"name":"s1","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{"n":1` + strings.Repeat("0", 400) + `}}}}`,
	}
	for name, def := range cases {
		text := problemsText(Validate(mustParse(t, def)))
		if !strings.Contains(text, "trigger > s1: settings.input.n: the number") || !strings.Contains(text, "beyond the range of a 64-bit float") {
			t.Errorf("%s: problems do not name the step, the value and the range:\n%s", name, text)
		}
	}
	under := problemsText(Validate(mustParse(t, `{"type":"EMPTY","settings":{"input":{"tiny":1e-400}}}`)))
	if !strings.Contains(under, "trigger: settings.input.tiny: the number 1e-400 is too small for a 64-bit float") {
		t.Errorf("underflow not reported: %s", under)
	}
	digits := problemsText(Validate(mustParse(t, `{"type":"EMPTY","settings":{"input":{"big":`+strings.Repeat("7", 4301)+`}}}`)))
	if !strings.Contains(digits, "has 4301 digits, more than the 4300") {
		t.Errorf("over-long integer not reported: %s", digits)
	}
	// In range, at the edges and inside arrays and branches: no problem.
	ok := `{"type":"EMPTY","settings":{"input":{"max":1.7976931348623157e308,"min":-1.7976931348623157e308,"small":5e-324,
	  "zero":0.0,"zeroExp":0e-500,"int":123456789012345678901234567890,"list":[1,2.5,-3e10]}}}`
	if p := Validate(mustParse(t, ok)); len(p) != 0 {
		t.Errorf("numbers in range reported: %v", p)
	}
}

func TestValidateNumberInBranchNamesThePath(t *testing.T) {
	t.Parallel()
	def := `{"type":"EMPTY","nextAction":{"name":"r","type":"ROUTER",
	  "settings":{"branches":[{"conditions":[[{"firstValue":1e999}]]}]},
	  "children":[{"name":"in_branch","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{"my key":[0,1e400]}}}]}}`
	text := problemsText(Validate(mustParse(t, def)))
	for _, want := range []string{
		`trigger > r: settings.branches[0].conditions[0][0].firstValue: the number 1e999`,
		`trigger > r.children[0] > in_branch: settings.input["my key"][1]: the number 1e400`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
}

func TestValidateLimitProblemsAreCapped(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"type":"EMPTY","settings":{"input":{"list":[`)
	for i := 0; i < 500; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("1e400")
	}
	b.WriteString(`]}}}`)
	probs := Validate(mustParse(t, b.String()))
	if len(probs) != maxLimitProblems+1 || !strings.Contains(probs[maxLimitProblems].Message, "more values are out of limits") {
		t.Fatalf("want %d problems and a closing note, got %d:\n%s", maxLimitProblems, len(probs), problemsText(probs))
	}
}

func TestValidateStepDepth(t *testing.T) {
	t.Parallel()
	if p := Validate(mustParse(t, chain(MaxStepDepth))); len(p) != 0 {
		t.Fatalf("a chain of exactly %d steps must pass: %s", MaxStepDepth, problemsText(p))
	}
	probs := Validate(mustParse(t, chain(999)))
	if len(probs) != 1 {
		t.Fatalf("want one depth problem for a 999-step chain, got %d:\n%s", len(probs), problemsText(probs))
	}
	p := probs[0]
	if !strings.Contains(p.Message, "more than 200 levels below the trigger (MaxStepDepth") {
		t.Errorf("message does not name the limit: %s", p.Message)
	}
	// The step is the last one allowed, its path shortened in the middle.
	want := "trigger > s1 > s2 > s3 > … 194 steps … > s198 > s199 > s200"
	if p.Step != want {
		t.Errorf("step path = %q, want %q", p.Step, want)
	}
	if len(p.String()) > 400 {
		t.Errorf("message is %d bytes long", len(p.String()))
	}

	// Branch bodies count one level per step as well.
	var b strings.Builder
	b.WriteString(`{"type":"EMPTY","nextAction":`)
	for i := 1; i <= MaxStepDepth+1; i++ {
		b.WriteString(`{"name":"l` + strconv.Itoa(i) + `","type":"LOOP_ON_ITEMS","settings":{"items":"x"},"children":[`)
	}
	b.WriteString("null")
	b.WriteString(strings.Repeat("]}", MaxStepDepth+1))
	b.WriteString("}")
	text := problemsText(Validate(mustParse(t, b.String())))
	if !strings.Contains(text, "> l199.children[0] > l200.children[0]: the steps after this one nest more than 200 levels") {
		t.Errorf("nested loop bodies: %s", text)
	}
}

func TestValidateJSONDepth(t *testing.T) {
	t.Parallel()
	deep := func(levels int) string {
		return `{"type":"EMPTY","nextAction":{"name":"s1","type":"CODE","settings":{"sourceCode":{"code":"x"},"input":{"v":` +
			strings.Repeat("[", levels) + strings.Repeat("]", levels) + `}}}}`
	}
	// trigger (1) > step (2) > settings (3) > input (4) > the arrays (5…).
	if p := Validate(mustParse(t, deep(MaxJSONDepth-4))); len(p) != 0 {
		t.Fatalf("nesting of exactly %d levels must pass: %s", MaxJSONDepth, problemsText(p))
	}
	probs := Validate(mustParse(t, deep(MaxJSONDepth-3)))
	if len(probs) != 1 {
		t.Fatalf("want one problem, got %s", problemsText(probs))
	}
	want := "trigger > s1: settings.input.v[0] … 504 levels … [0][0][0]: objects and arrays nest deeper than 512 levels here (MaxJSONDepth)"
	if got := probs[0].String(); !strings.HasPrefix(got, want) {
		t.Errorf("problem = %q, want prefix %q", got, want)
	}
}

func TestCheckSize(t *testing.T) {
	t.Parallel()
	if err := CheckSize(postCall); err != nil {
		t.Fatalf("a small definition: %v", err)
	}
	// Whitespace outside strings does not count: a pretty-printed file of
	// a definition within the limit passes.
	padded := `{"type":"EMPTY","settings":{"input":{"s":"` + strings.Repeat("x", MaxDefinitionBytes-60) + `"}}}` + strings.Repeat(" \n\t", MaxDefinitionBytes)
	if err := CheckSize(padded); err != nil {
		t.Fatalf("whitespace counted: %v", err)
	}
	// Whitespace inside strings does count.
	big := `{"type":"EMPTY","settings":{"input":{"s":"` + strings.Repeat(" ", 40<<20) + `"}}}`
	err := CheckSize(big)
	if err == nil || !strings.Contains(err.Error(), "is 40.0 MiB as compact JSON, more than the limit of 1.0 MiB (MaxDefinitionBytes)") {
		t.Fatalf("a 40 MiB definition: %v", err)
	}
	if got := compactSize(`{ "a" : "b \" c" , "d": [ 1 , 2 ] }`); got != len(`{"a":"b \" c","d":[1,2]}`) {
		t.Errorf("compactSize = %d", got)
	}
}

func TestStepPathShortening(t *testing.T) {
	t.Parallel()
	p := triggerPath()
	for i := 1; i <= 7; i++ {
		p = p.next(map[string]any{"name": "s" + strconv.Itoa(i)})
	}
	if got, want := p.String(), "trigger > s1 > s2 > s3 > s4 > s5 > s6 > s7"; got != want {
		t.Errorf("8 steps: %q, want %q", got, want)
	}
	p = p.next(map[string]any{"name": strings.Repeat("n", 100)})
	if got, want := p.String(), "trigger > s1 > s2 > s3 > … 2 steps … > s6 > s7 > "+strings.Repeat("n", 63)+"…"; got != want {
		t.Errorf("9 steps: %q, want %q", got, want)
	}
	if got := triggerPath().next(nil).branch(2).next("x").String(); got != "trigger > (unnamed step).children[2] > (unnamed step)" {
		t.Errorf("unnamed: %q", got)
	}
}

func TestDifferencesShortenDeepPaths(t *testing.T) {
	t.Parallel()
	user := mustParse(t, chain(150))
	server := mustParse(t, strings.Replace(chain(150), `"name":"s150"`, `"name":"other"`, 1))
	d := Differences(user, server, 5)
	if len(d) == 0 || !strings.HasPrefix(d[0], "trigger > s1 > s2 > s3 > … 144 steps … > s148 > s149 > s150: name") || len(d[0]) > 300 {
		t.Fatalf("differences: %q", d)
	}
}
