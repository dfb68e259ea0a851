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
	tri := []maybe{no, yes, unknown}
	var out []flowFacts
	for _, creating := range []bool{true, false} {
		for _, fromTemplate := range []bool{false, true} {
			if fromTemplate && !creating {
				continue // template inputs only matter at creation
			}
			names := tri
			if creating {
				names = []maybe{no}
			}
			for _, name := range names {
				for _, def := range []definitionIntent{defUnmanaged, defUnknown, defUnchanged, defChanged} {
					if creating && def == defUnchanged {
						continue // nothing to be unchanged from
					}
					publishables, pendings := []maybe{no, yes}, []maybe{no, yes}
					switch {
					case def == defUnknown:
						publishables, pendings = []maybe{unknown}, []maybe{unknown}
					case def == defUnmanaged && fromTemplate:
						publishables, pendings = tri, []maybe{no}
					case def == defUnmanaged:
						publishables, pendings = []maybe{unknown}, []maybe{no}
					case creating:
						pendings = []maybe{yes}
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

// refinements are the facts with every unknown replaced by yes or no in
// every way: what the apply may meet once the plan is known.
func refinements(f flowFacts) []flowFacts {
	out := []flowFacts{f}
	for _, field := range []func(*flowFacts) *maybe{
		func(f *flowFacts) *maybe { return &f.NameChanged },
		func(f *flowFacts) *maybe { return &f.Publishable },
		func(f *flowFacts) *maybe { return &f.Publish },
		func(f *flowFacts) *maybe { return &f.PublishPending },
		func(f *flowFacts) *maybe { return &f.Enabled },
		func(f *flowFacts) *maybe { return &f.TestBeforePublish },
	} {
		var next []flowFacts
		for _, g := range out {
			if *field(&g) != unknown {
				next = append(next, g)
				continue
			}
			for _, v := range []maybe{no, yes} {
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

		if f.Creating && (d.Rename != no || d.Writes != yes) {
			fail("a create renames nothing and always writes")
		}
		if !f.Creating && d.Rename != f.NameChanged {
			fail("an update renames exactly when the name changed")
		}
		wantImport := map[definitionIntent]maybe{defUnmanaged: no, defUnknown: unknown, defUnchanged: no, defChanged: yes}[f.Definition]
		if d.Import != wantImport {
			fail("import is %s, want %s", d.Import, wantImport)
		}
		// Terraform publishes only what Terraform wrote.
		if !managed && (!f.Creating || !f.FromTemplate) && d.Publish != no {
			fail("an unmanaged draft is never published")
		}
		if f.Publish == no && d.Publish != no {
			fail("publish = false never publishes")
		}
		if f.Publishable == no && d.Publish != no {
			fail("an unpublishable definition is never published")
		}
		if d.Publish == yes && (f.Publish != yes || f.Publishable != yes) {
			fail("published without publish = true and a publishable draft")
		}
		if managed && f.Publish == yes && f.Publishable == yes &&
			(f.Creating || f.NameChanged == yes || f.Definition == defChanged || f.PublishPending == yes) && d.Publish != yes {
			fail("a due publish was not planned")
		}
		if managed && !f.Creating && f.NameChanged == no && f.Definition == defUnchanged && f.PublishPending == no && d.Publish != no {
			fail("published although nothing Terraform wrote changed")
		}
		// test_before_publish: a test exactly before each publish.
		if d.TestFirst != d.Publish.and(f.TestBeforePublish) {
			fail("test first is %s, want publish (%s) and test_before_publish (%s)", d.TestFirst, d.Publish, f.TestBeforePublish)
		}
		if f.TestBeforePublish == no && d.TestFirst != no {
			fail("test_before_publish = false never tests")
		}
		if d.TestFirst == yes && d.Publish != yes {
			fail("a test without a publish")
		}
		if d.Status != f.Enabled {
			fail("the status follows enabled")
		}
		if !f.Creating && f.NameChanged == no && (f.Definition == defUnchanged || f.Definition == defUnmanaged) &&
			d.Publish == no && f.Enabled == known(f.EnabledBefore) && d.Writes != no {
			fail("nothing changes, yet writes are planned")
		}
		if (d.Rename == yes || d.Import == yes || d.Publish == yes) && d.Writes != yes {
			fail("a write was not counted")
		}

		// enabled = true that can never hold is refused at plan.
		switch {
		case f.Enabled != yes && len(d.Problems) > 0:
			fail("problems without enabled = true")
		case f.Enabled == yes && f.Creating && !f.FromTemplate && !managed && !d.refused():
			fail("an empty new flow cannot be enabled")
		case f.Enabled == yes && managed && f.Publishable == no && !d.refused():
			fail("an EMPTY trigger cannot be enabled")
		case f.Enabled == yes && managed && f.Publish == no && !f.PublishedBefore && !f.EnabledBefore && !d.refused():
			fail("a never-published flow with publish = false cannot be enabled")
		}
		for _, p := range d.Problems {
			if p.Attribute != "enabled" || p.Summary == "" || p.Detail == "" {
				fail("problem %+v does not name the attribute and the fix", p)
			}
		}

		// The apply recomputes the decision from the known plan: wherever
		// the plan already said yes or no, the apply must say the same.
		for _, g := range refinements(f) {
			a := decideFlow(g)
			for _, c := range []struct {
				what       string
				plan, appl maybe
			}{
				{"rename", d.Rename, a.Rename}, {"import", d.Import, a.Import}, {"publish", d.Publish, a.Publish},
				{"status", d.Status, a.Status}, {"writes", d.Writes, a.Writes}, {"test first", d.TestFirst, a.TestFirst},
			} {
				if c.plan != unknown && c.plan != c.appl {
					fail("plan says %s=%s but the apply with %+v decides %s", c.what, c.plan, g, c.appl)
				}
				if c.appl == unknown {
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
		{"create empty flow", flowFacts{Creating: true, Definition: defUnmanaged, Publishable: unknown, Publish: yes, Enabled: no},
			flowDecision{Rename: no, Import: no, Publish: no, Status: no, Writes: yes}},
		{"create with definition, enabled", flowFacts{Creating: true, Definition: defChanged, Publishable: yes, Publish: yes, PublishPending: yes, Enabled: yes},
			flowDecision{Rename: no, Import: yes, Publish: yes, Status: yes, Writes: yes}},
		{"rename a managed flow publishes", flowFacts{NameChanged: yes, Definition: defUnchanged, Publishable: yes, Publish: yes, PublishedBefore: true, EnabledBefore: true, Enabled: yes},
			flowDecision{Rename: yes, Import: no, Publish: yes, Status: yes, Writes: yes}},
		{"rename an unmanaged flow does not publish the UI's draft", flowFacts{NameChanged: yes, Definition: defUnmanaged, Publishable: unknown, Publish: yes, PublishedBefore: true, EnabledBefore: true, Enabled: yes},
			flowDecision{Rename: yes, Import: no, Publish: no, Status: yes, Writes: yes}},
		{"publish switched back on", flowFacts{NameChanged: no, Definition: defUnchanged, Publishable: yes, Publish: yes, PublishPending: yes, Enabled: no},
			flowDecision{Rename: no, Import: no, Publish: yes, Status: no, Writes: yes}},
		{"nothing to do", flowFacts{NameChanged: no, Definition: defUnchanged, Publishable: yes, Publish: yes, PublishedBefore: true, EnabledBefore: true, Enabled: yes},
			flowDecision{Rename: no, Import: no, Publish: no, Status: yes, Writes: no}},
		{"gate: a due publish is tested first", flowFacts{NameChanged: no, Definition: defChanged, Publishable: yes, Publish: yes, PublishPending: yes, PublishedBefore: true, EnabledBefore: true, Enabled: yes, TestBeforePublish: yes},
			flowDecision{Rename: no, Import: yes, Publish: yes, TestFirst: yes, Status: yes, Writes: yes}},
		{"gate: nothing to publish, nothing to test", flowFacts{NameChanged: no, Definition: defUnchanged, Publishable: yes, Publish: yes, PublishedBefore: true, EnabledBefore: true, Enabled: yes, TestBeforePublish: yes},
			flowDecision{Rename: no, Import: no, Publish: no, TestFirst: no, Status: yes, Writes: no}},
		{"gate: publish = false tests nothing", flowFacts{NameChanged: no, Definition: defChanged, Publishable: yes, Publish: no, PublishPending: yes, PublishedBefore: true, Enabled: no, TestBeforePublish: yes},
			flowDecision{Rename: no, Import: yes, Publish: no, TestFirst: no, Status: no, Writes: yes}},
		{"definition known only at apply", flowFacts{NameChanged: no, Definition: defUnknown, Publishable: unknown, Publish: yes, PublishPending: unknown, PublishedBefore: true, Enabled: no},
			flowDecision{Rename: no, Import: unknown, Publish: unknown, Status: no, Writes: unknown}},
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
		{Creating: true, Definition: defUnmanaged, Publishable: unknown, Publish: yes, Enabled: yes},
		{Creating: true, Definition: defChanged, Publishable: no, Publish: yes, PublishPending: yes, Enabled: yes},
		{Creating: true, Definition: defChanged, Publishable: yes, Publish: no, PublishPending: yes, Enabled: yes},
		{NameChanged: no, Definition: defUnchanged, Publishable: yes, Publish: no, Enabled: yes},
	}
	for _, f := range refused {
		if d := decideFlow(f); !d.refused() {
			t.Errorf("decideFlow(%+v) accepted enabled = true: %+v", f, d)
		}
	}
	warned := decideFlow(flowFacts{NameChanged: no, Definition: defUnmanaged, Publishable: unknown, Publish: yes, Enabled: yes})
	if len(warned.Problems) != 1 || warned.Problems[0].Error {
		t.Errorf("enabling an unmanaged flow Terraform never published should warn, got %+v", warned.Problems)
	}
}
