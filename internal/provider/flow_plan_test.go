package provider

import (
	"fmt"
	"testing"
)

// allFlowFacts enumerates every combination the plan can meet: create or
// update (from a template or not) × name changed × definition
// unmanaged/unknown/unchanged/changed (with its publishability and pending
// publish) × publish × published before × enabled before and after.
func allFlowFacts() []flowFacts {
	tri := []tristate{triFalse, triTrue, triUnknown}
	var out []flowFacts
	for _, creating := range []bool{true, false} {
		for _, fromTemplate := range []bool{false, true} {
			if fromTemplate && !creating {
				continue // template inputs only matter at creation
			}
			names := tri
			if creating {
				names = []tristate{triFalse}
			}
			for _, name := range names {
				for _, def := range []definitionIntent{defUnmanaged, defUnknown, defUnchanged, defChanged} {
					if creating && def == defUnchanged {
						continue // nothing to be unchanged from
					}
					publishables, pendings := []tristate{triFalse, triTrue}, []tristate{triFalse, triTrue}
					switch {
					case def == defUnknown:
						publishables, pendings = []tristate{triUnknown}, []tristate{triUnknown}
					case def == defUnmanaged && fromTemplate:
						publishables, pendings = tri, []tristate{triFalse}
					case def == defUnmanaged:
						publishables, pendings = []tristate{triUnknown}, []tristate{triFalse}
					case creating:
						pendings = []tristate{triTrue}
					}
					for _, publishable := range publishables {
						for _, pending := range pendings {
							for _, publish := range tri {
								for _, before := range []bool{false, true} {
									if creating && before {
										continue
									}
									for _, enabledBefore := range []bool{false, true} {
										if creating && enabledBefore {
											continue
										}
										for _, enabled := range tri {
											for _, gate := range tri {
												out = append(out, flowFacts{
													Creating: creating, FromTemplate: fromTemplate, NameChanged: name,
													Definition: def, Publishable: publishable, Publish: publish,
													PublishPending: pending, PublishedBefore: before,
													EnabledBefore: enabledBefore, Enabled: enabled,
													TestBeforePublish: gate,
												})
											}
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}

// refinements are the facts with every triUnknown replaced by triTrue or
// triFalse in every way: what the apply may meet once the plan is known.
func refinements(f flowFacts) []flowFacts {
	out := []flowFacts{f}
	for _, field := range []func(*flowFacts) *tristate{
		func(f *flowFacts) *tristate { return &f.NameChanged },
		func(f *flowFacts) *tristate { return &f.Publishable },
		func(f *flowFacts) *tristate { return &f.Publish },
		func(f *flowFacts) *tristate { return &f.PublishPending },
		func(f *flowFacts) *tristate { return &f.Enabled },
		func(f *flowFacts) *tristate { return &f.TestBeforePublish },
	} {
		var next []flowFacts
		for _, g := range out {
			if *field(&g) != triUnknown {
				next = append(next, g)
				continue
			}
			for _, v := range []tristate{triFalse, triTrue} {
				h := g
				*field(&h) = v
				next = append(next, h)
			}
		}
		out = next
	}
	// An unknown definition is either unchanged or changed at apply.
	if f.Definition == defUnknown {
		var next []flowFacts
		for _, g := range out {
			for _, d := range []definitionIntent{defUnchanged, defChanged} {
				if f.Creating && d == defUnchanged {
					continue
				}
				h := g
				h.Definition = d
				next = append(next, h)
			}
		}
		out = next
	}
	return out
}

func TestDecideFlow_everyCombination(t *testing.T) {
	all := allFlowFacts()
	if len(all) < 1000 {
		t.Fatalf("only %d combinations enumerated", len(all))
	}
	for _, f := range all {
		d := decideFlow(f)
		managed := f.Definition != defUnmanaged
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("%+v → %+v: %s", f, d, fmt.Sprintf(format, args...))
		}

		if f.Creating && (d.Rename != triFalse || d.Writes != triTrue) {
			fail("a create renames nothing and always writes")
		}
		if !f.Creating && d.Rename != f.NameChanged {
			fail("an update renames exactly when the name changed")
		}
		wantImport := map[definitionIntent]tristate{defUnmanaged: triFalse, defUnknown: triUnknown, defUnchanged: triFalse, defChanged: triTrue}[f.Definition]
		if d.Import != wantImport {
			fail("import is %s, want %s", d.Import, wantImport)
		}
		// Terraform publishes only what Terraform wrote.
		if !managed && (!f.Creating || !f.FromTemplate) && d.Publish != triFalse {
			fail("an unmanaged draft is never published")
		}
		if f.Publish == triFalse && d.Publish != triFalse {
			fail("publish = false never publishes")
		}
		if f.Publishable == triFalse && d.Publish != triFalse {
			fail("an unpublishable definition is never published")
		}
		if d.Publish == triTrue && (f.Publish != triTrue || f.Publishable != triTrue) {
			fail("published without publish = true and a publishable draft")
		}
		if managed && f.Publish == triTrue && f.Publishable == triTrue &&
			(f.Creating || f.NameChanged == triTrue || f.Definition == defChanged || f.PublishPending == triTrue) && d.Publish != triTrue {
			fail("a due publish was not planned")
		}
		if managed && !f.Creating && f.NameChanged == triFalse && f.Definition == defUnchanged && f.PublishPending == triFalse && d.Publish != triFalse {
			fail("published although nothing Terraform wrote changed")
		}
		// test_before_publish: a test exactly before each publish.
		if d.TestFirst != d.Publish.and(f.TestBeforePublish) {
			fail("test first is %s, want publish (%s) and test_before_publish (%s)", d.TestFirst, d.Publish, f.TestBeforePublish)
		}
		if f.TestBeforePublish == triFalse && d.TestFirst != triFalse {
			fail("test_before_publish = false never tests")
		}
		if d.TestFirst == triTrue && d.Publish != triTrue {
			fail("a test without a publish")
		}
		if d.Status != f.Enabled {
			fail("the status follows enabled")
		}
		if !f.Creating && f.NameChanged == triFalse && (f.Definition == defUnchanged || f.Definition == defUnmanaged) &&
			d.Publish == triFalse && f.Enabled == triOf(f.EnabledBefore) && d.Writes != triFalse {
			fail("nothing changes, yet writes are planned")
		}
		if (d.Rename == triTrue || d.Import == triTrue || d.Publish == triTrue) && d.Writes != triTrue {
			fail("a write was not counted")
		}

		// enabled = true that can never hold is refused at plan.
		switch {
		case f.Enabled != triTrue && len(d.Problems) > 0:
			fail("problems without enabled = true")
		case f.Enabled == triTrue && f.Creating && !f.FromTemplate && !managed && !d.refused():
			fail("an empty new flow cannot be enabled")
		case f.Enabled == triTrue && managed && f.Publishable == triFalse && !d.refused():
			fail("an EMPTY trigger cannot be enabled")
		case f.Enabled == triTrue && managed && f.Publish == triFalse && !f.PublishedBefore && !f.EnabledBefore && !d.refused():
			fail("a never-published flow with publish = false cannot be enabled")
		}
		for _, p := range d.Problems {
			if p.Attribute != "enabled" || p.Summary == "" || p.Detail == "" {
				fail("problem %+v does not name the attribute and the fix", p)
			}
		}

		// The apply recomputes the decision from the known plan: wherever
		// the plan already said true or false, the apply must say the same.
		for _, g := range refinements(f) {
			a := decideFlow(g)
			for _, c := range []struct {
				what       string
				plan, appl tristate
			}{
				{"rename", d.Rename, a.Rename}, {"import", d.Import, a.Import}, {"publish", d.Publish, a.Publish},
				{"status", d.Status, a.Status}, {"writes", d.Writes, a.Writes}, {"test first", d.TestFirst, a.TestFirst},
			} {
				if c.plan != triUnknown && c.plan != c.appl {
					fail("plan says %s=%s but the apply with %+v decides %s", c.what, c.plan, g, c.appl)
				}
				if c.appl == triUnknown {
					fail("the apply with known facts %+v left %s unknown", g, c.what)
				}
			}
			if d.refused() && !a.refused() {
				fail("a plan-time refusal disappeared at apply with %+v", g)
			}
		}
	}
}

// The rows a reader asks about first, spelled out.
func TestDecideFlow_examples(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    flowFacts
		want flowDecision
	}{
		{"create empty flow", flowFacts{Creating: true, Definition: defUnmanaged, Publishable: triUnknown, Publish: triTrue, Enabled: triFalse},
			flowDecision{Rename: triFalse, Import: triFalse, Publish: triFalse, Status: triFalse, Writes: triTrue}},
		{"create with definition, enabled", flowFacts{Creating: true, Definition: defChanged, Publishable: triTrue, Publish: triTrue, PublishPending: triTrue, Enabled: triTrue},
			flowDecision{Rename: triFalse, Import: triTrue, Publish: triTrue, Status: triTrue, Writes: triTrue}},
		{"rename a managed flow publishes", flowFacts{NameChanged: triTrue, Definition: defUnchanged, Publishable: triTrue, Publish: triTrue, PublishedBefore: true, EnabledBefore: true, Enabled: triTrue},
			flowDecision{Rename: triTrue, Import: triFalse, Publish: triTrue, Status: triTrue, Writes: triTrue}},
		{"rename an unmanaged flow does not publish the UI's draft", flowFacts{NameChanged: triTrue, Definition: defUnmanaged, Publishable: triUnknown, Publish: triTrue, PublishedBefore: true, EnabledBefore: true, Enabled: triTrue},
			flowDecision{Rename: triTrue, Import: triFalse, Publish: triFalse, Status: triTrue, Writes: triTrue}},
		{"publish switched back on", flowFacts{NameChanged: triFalse, Definition: defUnchanged, Publishable: triTrue, Publish: triTrue, PublishPending: triTrue, Enabled: triFalse},
			flowDecision{Rename: triFalse, Import: triFalse, Publish: triTrue, Status: triFalse, Writes: triTrue}},
		{"nothing to do", flowFacts{NameChanged: triFalse, Definition: defUnchanged, Publishable: triTrue, Publish: triTrue, PublishedBefore: true, EnabledBefore: true, Enabled: triTrue},
			flowDecision{Rename: triFalse, Import: triFalse, Publish: triFalse, Status: triTrue, Writes: triFalse}},
		{"gate: a due publish is tested first", flowFacts{NameChanged: triFalse, Definition: defChanged, Publishable: triTrue, Publish: triTrue, PublishPending: triTrue, PublishedBefore: true, EnabledBefore: true, Enabled: triTrue, TestBeforePublish: triTrue},
			flowDecision{Rename: triFalse, Import: triTrue, Publish: triTrue, TestFirst: triTrue, Status: triTrue, Writes: triTrue}},
		{"gate: nothing to publish, nothing to test", flowFacts{NameChanged: triFalse, Definition: defUnchanged, Publishable: triTrue, Publish: triTrue, PublishedBefore: true, EnabledBefore: true, Enabled: triTrue, TestBeforePublish: triTrue},
			flowDecision{Rename: triFalse, Import: triFalse, Publish: triFalse, TestFirst: triFalse, Status: triTrue, Writes: triFalse}},
		{"gate: publish = false tests nothing", flowFacts{NameChanged: triFalse, Definition: defChanged, Publishable: triTrue, Publish: triFalse, PublishPending: triTrue, PublishedBefore: true, Enabled: triFalse, TestBeforePublish: triTrue},
			flowDecision{Rename: triFalse, Import: triTrue, Publish: triFalse, TestFirst: triFalse, Status: triFalse, Writes: triTrue}},
		{"definition known only at apply", flowFacts{NameChanged: triFalse, Definition: defUnknown, Publishable: triUnknown, Publish: triTrue, PublishPending: triUnknown, PublishedBefore: true, Enabled: triFalse},
			flowDecision{Rename: triFalse, Import: triUnknown, Publish: triUnknown, Status: triFalse, Writes: triUnknown}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decideFlow(tc.f)
			got.Problems = nil
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("decideFlow(%+v)\n got  %+v\n want %+v", tc.f, got, tc.want)
			}
		})
	}

	refused := []flowFacts{
		{Creating: true, Definition: defUnmanaged, Publishable: triUnknown, Publish: triTrue, Enabled: triTrue},
		{Creating: true, Definition: defChanged, Publishable: triFalse, Publish: triTrue, PublishPending: triTrue, Enabled: triTrue},
		{Creating: true, Definition: defChanged, Publishable: triTrue, Publish: triFalse, PublishPending: triTrue, Enabled: triTrue},
		{NameChanged: triFalse, Definition: defUnchanged, Publishable: triTrue, Publish: triFalse, Enabled: triTrue},
	}
	for _, f := range refused {
		if d := decideFlow(f); !d.refused() {
			t.Errorf("decideFlow(%+v) accepted enabled = true: %+v", f, d)
		}
	}
	warned := decideFlow(flowFacts{NameChanged: triFalse, Definition: defUnmanaged, Publishable: triUnknown, Publish: triTrue, Enabled: triTrue})
	if len(warned.Problems) != 1 || warned.Problems[0].Error {
		t.Errorf("enabling an unmanaged flow Terraform never published should warn, got %+v", warned.Problems)
	}
}
