package flowdef

import "testing"

// FuzzDefinition feeds arbitrary text through everything the provider does
// with a definition; none of it may panic, and the equivalence rules must be
// consistent with the projection the provider stores.
func FuzzDefinition(f *testing.F) {
	f.Add(postCall, postCallFromServer)
	f.Add(`{"type":"EMPTY"}`, `{"type":"EMPTY","valid":false,"settings":{}}`)
	f.Add(`{"type":"EMPTY","nextAction":{"name":"r","type":"ROUTER","settings":{"branches":[{}]},"children":[null]}}`, `{}`)
	f.Add(`{"a":[1,2,{"b":null}]}`, `[1]`)
	f.Fuzz(func(t *testing.T, a, b string) {
		ua, errA := Parse(a)
		sb, errB := Parse(b)
		if errA == nil {
			_ = Validate(ua)
			if !Equivalent(ua, ua) {
				t.Fatalf("a definition must be equivalent to itself: %s", a)
			}
			// What the provider stores after an import must read back as
			// equivalent to the server's definition.
			stored, err := Parse(Canonical(Project(ua, nil)))
			if err != nil {
				t.Fatalf("canonical projection does not parse: %v", err)
			}
			if !Equivalent(stored, ua) {
				t.Fatalf("import projection not equivalent to its source: %s", a)
			}
		}
		if errA == nil && errB == nil {
			_ = Differences(ua, sb, 5)
			p := Project(sb, ua)
			_ = Canonical(p)
		}
	})
}
