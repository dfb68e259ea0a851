package emulator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

func catalogPiece(t *testing.T, name string) *piece {
	t.Helper()
	for _, p := range pieceCatalogue {
		if p.name == name {
			return p
		}
	}
	t.Fatalf("no piece %s in the catalogue", name)
	return nil
}

func opNamed(ops []pieceOp, name string) (pieceOp, bool) {
	for _, op := range ops {
		if op.name == name {
			return op, true
		}
	}
	return pieceOp{}, false
}

func propNamed(op pieceOp, name string) (pieceProp, bool) {
	for _, p := range op.props {
		if p.name == name {
			return p, true
		}
	}
	return pieceProp{}, false
}

// TestPieceDataLoads: the committed data loads, every piece has an exact
// x.y.z version, the generated files are the versions scripts/catalog pins,
// and the names are the published ones.
func TestPieceDataLoads(t *testing.T) {
	t.Parallel()
	list, err := loadPieceData(pieceDataFS)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(allPieces) {
		t.Fatalf("%d pieces, want %d", len(list), len(allPieces))
	}
	exact := regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	for _, p := range list {
		if !exact.MatchString(p.version) || p.id == "" || len(p.categories) == 0 || p.displayName == "" {
			t.Errorf("%s: version %q, id %q, categories %v", p.name, p.version, p.id, p.categories)
		}
		for _, op := range append(append([]pieceOp{}, p.actions...), p.triggers...) {
			if op.displayName == "" {
				t.Errorf("%s %s: no displayName", p.name, op.name)
			}
		}
	}

	// Each npm-generated file is the pinned package at the pinned version,
	// and each pinned piece package has its file.
	b, err := os.ReadFile(filepath.Join("..", "..", "scripts", "catalog", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	generated := map[string]string{}
	files, _ := filepath.Glob(filepath.Join("piecedata", "*.json"))
	for _, f := range files {
		var pf struct {
			Source  pieceSource `json:"source"`
			Name    string      `json:"name"`
			Version string      `json:"version"`
		}
		raw, _ := os.ReadFile(f)
		if err := json.Unmarshal(raw, &pf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if pf.Source.Kind == "npm" {
			generated[pf.Name] = pf.Version
		}
	}
	for name, v := range pkg.Dependencies {
		if strings.HasPrefix(name, "@activepieces/piece-") && generated[name] != v {
			t.Errorf("%s is pinned at %s, its data is of %q: run make catalog-refresh", name, v, generated[name])
		}
	}
	for name, v := range generated {
		if pkg.Dependencies[name] != v {
			t.Errorf("%s %s is generated data but pinned at %q", name, v, pkg.Dependencies[name])
		}
	}
	for name, want := range map[string]string{pieceSlack: "0.17.9", pieceOpenAI: "0.3.18", pieceGmail: "0.2.0", pieceHubSpot: "0.2.0"} {
		if generated[name] != want {
			t.Errorf("%s: generated from %q, want the newest published %s", name, generated[name], want)
		}
	}

	// Published names, not invented ones.
	for _, c := range []struct {
		piece, kind, name string
		want              bool
	}{
		{pieceSlack, "action", "send_channel_message", true},
		{pieceSlack, "action", "send_direct_message", true},
		{pieceSlack, "trigger", "new-message", true},
		{pieceSlack, "trigger", "new_message", false},
		{pieceHubSpot, "action", "create_or_update_contact", true},
		{pieceHubSpot, "action", "create_deal", false},
		{pieceHubSpot, "action", "find_contact", false},
		{pieceHubSpot, "trigger", "new_contact", false},
		{pieceOpenAI, "action", "ask_chatgpt", true},
		{pieceOpenAI, "action", "extract_structured_data", false},
		{pieceGmail, "action", "send_email", true},
		{pieceGmail, "trigger", "gmail_new_email_received", true},
		{pieceHTTP, "action", "send_request", true},
		{pieceDiga, "trigger", "pre_call", true},
		{pieceDiga, "trigger", "call_finished", true},
		{pieceDiga, "trigger", "function_call", true},
		{pieceDiga, "action", "make_call", true},
		{pieceDiga, "action", "return_response", true},
		{pieceDiga, "action", "return_call_data", true},
	} {
		p := catalogPiece(t, c.piece)
		ops := p.actions
		if c.kind == "trigger" {
			ops = p.triggers
		}
		if _, ok := opNamed(ops, c.name); ok != c.want {
			t.Errorf("%s %s %s: present %v, want %v", c.piece, c.kind, c.name, ok, c.want)
		}
	}

	// Required flags and defaults as published.
	for _, c := range []struct {
		piece, op, prop      string
		required, hasDefault bool
		def                  any
	}{
		{pieceSlack, "send_channel_message", "channel", true, false, nil},
		{pieceSlack, "send_channel_message", "text", false, false, nil},
		{pieceSlack, "send_channel_message", "sendAsBot", true, true, true},
		{pieceOpenAI, "ask_chatgpt", "model", true, true, "gpt-3.5-turbo"},
		{pieceOpenAI, "ask_chatgpt", "maxTokens", true, true, 2048.0},
		{pieceOpenAI, "ask_chatgpt", "prompt", true, false, nil},
		{pieceDiga, "function_call", "function_name", true, false, nil},
		{pieceDiga, "function_call", "description", true, false, nil},
		{pieceDiga, "function_call", "parameters", true, false, nil},
		{pieceDiga, "pre_call", "timeout", false, true, 30.0},
		{pieceDiga, "pre_call", "abort_on_failure", false, true, false},
	} {
		p := catalogPiece(t, c.piece)
		op, ok := opNamed(p.actions, c.op)
		if !ok {
			op, _ = opNamed(p.triggers, c.op)
		}
		got, ok := propNamed(op, c.prop)
		if !ok || got.required != c.required || got.hasDefault != c.hasDefault || got.defaultValue != c.def {
			t.Errorf("%s %s.%s = %+v, want required %v, default %v %#v", c.piece, c.op, c.prop, got, c.required, c.hasDefault, c.def)
		}
	}

	// requireAuth as the packages set it (pieces-framework's default true),
	// and the piece's auth (nil when none).
	if op, _ := opNamed(catalogPiece(t, pieceSlack).actions, "send_channel_message"); !op.requireAuth {
		t.Error("slack send_channel_message: requireAuth false")
	}
	if op, _ := opNamed(catalogPiece(t, pieceDiga).actions, "make_call"); op.requireAuth {
		t.Error("diga make_call: requireAuth true")
	}
	if catalogPiece(t, pieceSlack).auth == nil || catalogPiece(t, pieceOpenAI).auth == nil ||
		catalogPiece(t, pieceHTTP).auth != nil || catalogPiece(t, pieceDiga).auth != nil || catalogPiece(t, pieceGmail).auth != nil {
		t.Error("piece auth: want Slack's and OpenAI's, none for HTTP, Diga and Gmail 0.2.0")
	}
}

// TestPieceDataRefusesBadFiles: the loader's checks.
func TestPieceDataRefusesBadFiles(t *testing.T) {
	t.Parallel()
	listing := `{"_note": "", "pieces": {"@x/piece-a": {"id": "a", "categories": ["AI"], "pieceType": "OFFICIAL", "packageType": "REGISTRY",
		"platformId": null, "archiveId": null, "created": "", "updated": ""}}}`
	piece := func(version, extra string) string {
		return `{"source": {"kind": "hand", "anything": [1]}, "name": "@x/piece-a", "version": "` + version + `",
			"displayName": "A", "description": null, "logoUrl": "", "authors": [], "activepiecesCategories": [],
			"minimumSupportedRelease": null, "maximumSupportedRelease": null, "auth": null,
			"actions": [{"name": "go", "displayName": "Go", "description": null, "requireAuth": false,
				"props": [{"name": "a", "displayName": "A", "description": null, "type": "SHORT_TEXT", "required": false` + extra + `},
					{"name": "b", "displayName": "B", "description": null, "type": "JSON", "required": false, "defaultValue": null}]}],
			"triggers": []}`
	}
	fsys := func(files map[string]string) fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range files {
			m["piecedata/"+k] = &fstest.MapFile{Data: []byte(v)}
		}
		return m
	}
	list, err := loadPieceData(fsys(map[string]string{"listing.json": listing, "a.json": piece("1.2.3", `, "defaultValue": {}`)}))
	if err != nil {
		t.Fatal(err)
	}
	props := list[0].actions[0].props
	if !props[0].hasDefault || props[0].defaultValue == nil || !props[1].hasDefault || props[1].defaultValue != nil {
		t.Fatalf("props = %+v: want the default {} and the default null", props)
	}
	list, _ = loadPieceData(fsys(map[string]string{"listing.json": listing, "a.json": piece("1.2.3", "")}))
	if list[0].actions[0].props[0].hasDefault {
		t.Fatal("a prop without defaultValue has a default")
	}
	for name, files := range map[string]map[string]string{
		"inexact version":  {"listing.json": listing, "a.json": piece("1.2", "")},
		"unknown key":      {"listing.json": listing, "a.json": piece("1.2.3", `, "default": 1`)},
		"no listing entry": {"listing.json": `{"pieces": {}}`, "a.json": piece("1.2.3", "")},
		"no piece file":    {"listing.json": listing},
		"bad category": {"listing.json": strings.Replace(listing, `["AI"]`, `["CRM"]`, 1),
			"a.json": piece("1.2.3", "")},
		"npm source of another version": {"listing.json": listing,
			"a.json": strings.Replace(piece("1.2.3", ""), `"kind": "hand"`, `"kind": "npm", "package": "@x/piece-a", "version": "1.2.4"`, 1)},
	} {
		if _, err := loadPieceData(fsys(files)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

// TestSeedTemplatesUseTheCatalogue: every piece step and trigger of the
// built-in templates names a piece of the catalogue at its version, an
// action or trigger it has, every required input of it, and no input it
// does not define ("auth" is the connection of a piece with an auth).
func TestSeedTemplatesUseTheCatalogue(t *testing.T) {
	t.Parallel()
	for _, seed := range seedTemplates() {
		var walk func(node map[string]any)
		walk = func(node map[string]any) {
			if node == nil {
				return
			}
			settings, _ := node["settings"].(map[string]any)
			switch node["type"] {
			case "PIECE_TRIGGER", "PIECE":
				checkTemplateStep(t, seed.Name, node, settings)
			}
			for _, k := range []string{"nextAction", "firstLoopAction"} {
				next, _ := node[k].(map[string]any)
				walk(next)
			}
			children, _ := node["children"].([]any)
			for _, c := range children {
				child, _ := c.(map[string]any)
				walk(child)
			}
		}
		walk(seed.Trigger)
	}
}

func checkTemplateStep(t *testing.T, template string, node, settings map[string]any) {
	t.Helper()
	where := template + " / " + str(node, "name")
	p := catalogPiece(t, str(settings, "pieceName"))
	if v := str(settings, "pieceVersion"); v != p.version {
		t.Errorf("%s: %s version %q, the catalogue has %s", where, p.name, v, p.version)
	}
	ops, opName := p.actions, str(settings, "actionName")
	if node["type"] == "PIECE_TRIGGER" {
		ops, opName = p.triggers, str(settings, "triggerName")
	}
	op, ok := opNamed(ops, opName)
	if !ok {
		t.Errorf("%s: %s has no %q", where, p.name, opName)
		return
	}
	input, _ := settings["input"].(map[string]any)
	var missing, unknown []string
	for _, prop := range op.props {
		if _, has := input[prop.name]; prop.required && !has {
			missing = append(missing, prop.name)
		}
	}
	for k := range input {
		connection := k == "auth" && p.auth != nil
		if _, ok := propNamed(op, k); !ok && !connection {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	if len(missing) > 0 || len(unknown) > 0 {
		t.Errorf("%s: %s %s: required inputs missing %v, inputs it does not define %v", where, p.name, opName, missing, unknown)
	}
}
