package provider

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"golang.org/x/text/unicode/runenames"
)

// visibleNameValidator warns about a name people cannot see, or cannot see
// whole: one that is only whitespace, or that holds control characters or
// characters that render as nothing (zero-width spaces and joiners, bidi
// controls, the byte order mark, fillers). Diga accepts such names, so this
// is a warning: the name may be meant, but in the Diga UI it looks like
// another name, or like no name.
type visibleNameValidator struct{}

func (visibleNameValidator) Description(context.Context) string {
	return "should have a visible character and no control or invisible characters (a warning)"
}

func (v visibleNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// maxInvisibleListed caps how many characters the warning lists.
const maxInvisibleListed = 5

func (visibleNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() == "" {
		return // an empty name is an error of its own
	}
	name := req.ConfigValue.ValueString()
	found := invisibleRunes(name)
	if strings.TrimFunc(name, func(r rune) bool { return unicode.IsSpace(r) || isInvisible(r) }) == "" {
		resp.Diagnostics.AddAttributeWarning(req.Path, "Name has no visible character",
			fmt.Sprintf("%s %q is made only of whitespace or invisible characters, which Diga accepts but shows as an "+
				"empty name. Give it a name people can read.", req.Path, name))
		return
	}
	if len(found) == 0 {
		return
	}
	listed := found
	if len(listed) > maxInvisibleListed {
		listed = listed[:maxInvisibleListed]
	}
	items := make([]string, len(listed))
	for i, f := range listed {
		items[i] = f.String()
	}
	more := ""
	if len(found) > len(listed) {
		more = fmt.Sprintf(" and %d more", len(found)-len(listed))
	}
	resp.Diagnostics.AddAttributeWarning(req.Path, "Name has invisible characters",
		fmt.Sprintf("%s %q contains %s%s. Diga accepts them, but they do not show in the Diga UI, so the name "+
			"looks like another one (or the same text without them). Remove them unless they are intended.",
			req.Path, name, strings.Join(items, ", "), more))
}

// invisibleRune is a control or invisible character and where it is.
type invisibleRune struct {
	r   rune
	pos int // 1-based character position
}

func (f invisibleRune) String() string {
	name := runenames.Name(f.r)
	if name == "" || strings.HasPrefix(name, "<") {
		name = "control character"
	}
	return fmt.Sprintf("%U %s at character %d", f.r, name, f.pos)
}

// invisibleRunes lists the control and invisible characters of s. A zero
// width joiner between two symbols is part of an emoji sequence and is not
// listed.
func invisibleRunes(s string) []invisibleRune {
	runes := []rune(s)
	var out []invisibleRune
	for i, r := range runes {
		if !isInvisible(r) {
			continue
		}
		if r == '\u200d' && i > 0 && i+1 < len(runes) && isEmojiPart(runes[i-1]) && isEmojiPart(runes[i+1]) {
			continue
		}
		out = append(out, invisibleRune{r: r, pos: i + 1})
	}
	return out
}

// isInvisible reports control characters (Cc), format characters (Cf:
// zero-width space, non-joiner and joiner, word joiner, bidi marks,
// embeddings, overrides and isolates, the byte order mark, soft hyphen,
// tags…), line and paragraph separators, and characters that are letters
// or symbols by category but render blank.
func isInvisible(r rune) bool {
	switch r {
	case '\u034f', // combining grapheme joiner
		'\u115f', '\u1160', '\u3164', '\uffa0', // Hangul fillers
		'\u17b4', '\u17b5', // Khmer inherent vowels
		'\u2800': // Braille pattern blank
		return true
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// isEmojiPart approximates the characters an emoji ZWJ sequence joins:
// symbols, and the variation selector and skin-tone modifiers after them.
func isEmojiPart(r rune) bool {
	return unicode.Is(unicode.So, r) || r == '\ufe0f' || (r >= 0x1f3fb && r <= 0x1f3ff)
}
