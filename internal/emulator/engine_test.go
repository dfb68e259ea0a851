package emulator

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"testing"
)

// TestEngineImportMatchesActivepieces replays testdata/engine-import.json:
// requests imported by @activepieces/shared 0.96.2's own flowOperations
// (IMPORT_FLOW) into a new flow, with the trigger tree it stored or what it
// threw (engine-import.gen.js regenerates the file). Pieces there are
// outside the emulator's catalogue, so validity is the schema's alone.
// ImportEngine must store the same tree (lastUpdatedDate being the clock),
// answer 500 where the engine throws a TypeError and 400 where it throws
// ENTITY_NOT_FOUND. Known, documented deviations are listed.
func TestEngineImportMatchesActivepieces(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/engine-import.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]struct {
		Req map[string]any `json:"req"`
		Old map[string]any `json:"old"`
		Res struct {
			OK  map[string]any `json:"ok"`
			Err string         `json:"err"`
		} `json:"res"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	deviations := map[string]string{
		// The engine's schema accepts an EMPTY trigger; the emulator
		// never calls one valid (publishing refuses it anyway).
		"emptyTrigger": "valid",
		// settings.input is a declared dict of the response models: the
		// emulator's tree checks refuse a list (422) so that what is
		// stored can be rendered.
		"codeInputArray": "422",
	}
	names := make([]string, 0, len(cases))
	for k := range cases {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) < 60 {
		t.Fatalf("only %d cases", len(names))
	}
	for _, name := range names {
		c := cases[name]
		old := c.Old
		if old == nil {
			old = defaultTrigger()
		}
		req := mustJSONTree(c.Req)
		if errs := checkEngineImport(req, []any{"body", "trigger"}); len(errs) > 0 {
			if deviations[name] != "422" {
				t.Errorf("%s: 422 %v", name, errs)
			}
			continue
		}
		got, fail := engineImport(mustJSONTree(old), req, "NOW")
		switch {
		case fail != nil:
			want := map[int]string{500: "TypeError", 400: "AP:ENTITY_NOT_FOUND"}[fail.status]
			if want != c.Res.Err {
				t.Errorf("%s: emulator %d %q, engine %q", name, fail.status, fail.message, c.Res.Err)
			}
		case c.Res.Err != "":
			t.Errorf("%s: emulator stored a tree, the engine threw %s", name, c.Res.Err)
		default:
			g, w := jsonCopy(got), jsonCopy(c.Res.OK)
			if deviations[name] == "valid" {
				g["valid"] = w["valid"]
			}
			if !reflect.DeepEqual(g, w) {
				gb, _ := json.Marshal(g)
				wb, _ := json.Marshal(w)
				t.Errorf("%s:\n stored %s\n engine %s", name, gb, wb)
			}
		}
	}
}
