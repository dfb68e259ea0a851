package emulator

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// The piece catalogue is data: piecedata/ holds one JSON file per piece
// and listing.json, the emulator's own listing choices. The
// activepieces-piece-*.json files whose source.kind is "npm" are written by
// `make catalog-refresh` (scripts/catalog) from the published packages
// pinned in scripts/catalog/package.json; the others name the source they
// were transcribed from. Nothing here needs npm: the files are committed.

//go:embed piecedata/*.json
var pieceDataFS embed.FS

// pieceFile is one piecedata/<piece>.json.
type pieceFile struct {
	Source                  json.RawMessage `json:"source"`
	Name                    string          `json:"name"`
	Version                 string          `json:"version"`
	DisplayName             string          `json:"displayName"`
	Description             *string         `json:"description"`
	LogoURL                 string          `json:"logoUrl"`
	Authors                 []string        `json:"authors"`
	Categories              []string        `json:"activepiecesCategories"`
	MinimumSupportedRelease *string         `json:"minimumSupportedRelease"`
	MaximumSupportedRelease *string         `json:"maximumSupportedRelease"`
	Auth                    json.RawMessage `json:"auth"`
	Actions                 []pieceOpFile   `json:"actions"`
	Triggers                []pieceOpFile   `json:"triggers"`
}

// pieceSource is what the loader reads of a file's free-form source block:
// "npm" (generated from the package) or "hand" (transcribed; its note and
// files say from what).
type pieceSource struct {
	Kind    string `json:"kind"`
	Package string `json:"package"`
	Version string `json:"version"`
}

type pieceOpFile struct {
	Name                   string          `json:"name"`
	DisplayName            string          `json:"displayName"`
	Description            *string         `json:"description"`
	RequireAuth            *bool           `json:"requireAuth"`
	Props                  []piecePropFile `json:"props"`
	ErrorHandlingOptions   json.RawMessage `json:"errorHandlingOptions"`
	Type                   string          `json:"type"`
	TestStrategy           *string         `json:"testStrategy"`
	SampleData             json.RawMessage `json:"sampleData"`
	HandshakeConfiguration json.RawMessage `json:"handshakeConfiguration"`
	RenewConfiguration     json.RawMessage `json:"renewConfiguration"`
}

type piecePropFile struct {
	Name        string  `json:"name"`
	DisplayName *string `json:"displayName"`
	Description *string `json:"description"`
	Type        string  `json:"type"`
	Required    bool    `json:"required"`
	// DefaultValue is nil when the key is absent (no default) and the
	// literal null when the piece's default is null.
	DefaultValue json.RawMessage `json:"defaultValue"`
}

// pieceListing is the emulator's choice of how a piece is listed.
type pieceListing struct {
	ID          string   `json:"id"`
	Categories  []string `json:"categories"`
	PieceType   string   `json:"pieceType"`
	PackageType string   `json:"packageType"`
	PlatformID  *string  `json:"platformId"`
	ArchiveID   *string  `json:"archiveId"`
	Created     string   `json:"created"`
	Updated     string   `json:"updated"`
}

var exactVersion = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

// pieceCatalogue is sorted by display name (the list's order).
var pieceCatalogue = mustLoadPieceData(pieceDataFS)

func mustLoadPieceData(fsys fs.FS) []*piece {
	list, err := loadPieceData(fsys)
	if err != nil {
		panic("emulator: piece catalogue: " + err.Error())
	}
	return list
}

// loadPieceData reads piecedata/: every piece file and listing.json, each
// piece needing a listing entry and each entry a piece.
func loadPieceData(fsys fs.FS) ([]*piece, error) {
	var listing struct {
		Note   string                  `json:"_note"`
		Pieces map[string]pieceListing `json:"pieces"`
	}
	if err := decodeStrict(fsys, "piecedata/listing.json", &listing); err != nil {
		return nil, err
	}
	files, err := fs.Glob(fsys, "piecedata/*.json")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var list []*piece
	for _, file := range files {
		if path.Base(file) == "listing.json" {
			continue
		}
		var pf pieceFile
		if err := decodeStrict(fsys, file, &pf); err != nil {
			return nil, err
		}
		l, ok := listing.Pieces[pf.Name]
		if !ok {
			return nil, fmt.Errorf("%s: %s has no entry in listing.json", file, pf.Name)
		}
		if seen[pf.Name] {
			return nil, fmt.Errorf("%s: %s is defined twice", file, pf.Name)
		}
		seen[pf.Name] = true
		p, err := pf.piece(l)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		list = append(list, p)
	}
	for name := range listing.Pieces {
		if !seen[name] {
			return nil, fmt.Errorf("listing.json: %s has no piece file", name)
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		return strings.ToLower(list[i].displayName) < strings.ToLower(list[j].displayName)
	})
	return list, nil
}

// decodeStrict decodes one JSON file, refusing unknown keys (the source
// block is kept raw: it is free-form provenance) and trailing data.
func decodeStrict(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if dec.More() {
		return fmt.Errorf("%s: data after the JSON value", name)
	}
	return nil
}

func (pf pieceFile) piece(l pieceListing) (*piece, error) {
	if !exactVersion.MatchString(pf.Version) {
		return nil, fmt.Errorf("%s: version %q is not x.y.z", pf.Name, pf.Version)
	}
	var src pieceSource
	if err := json.Unmarshal(pf.Source, &src); err != nil {
		return nil, fmt.Errorf("%s: source: %w", pf.Name, err)
	}
	if src.Kind != "npm" && src.Kind != "hand" {
		return nil, fmt.Errorf("%s: source.kind %q is neither npm nor hand", pf.Name, src.Kind)
	}
	if src.Kind == "npm" && (src.Package != pf.Name || src.Version != pf.Version) {
		return nil, fmt.Errorf("%s %s: generated from %s %s", pf.Name, pf.Version, src.Package, src.Version)
	}
	p := &piece{
		id: l.ID, name: pf.Name, displayName: pf.DisplayName, description: strOrEmpty(pf.Description),
		logoURL: pf.LogoURL, version: pf.Version,
		authors: stringsOrEmpty(pf.Authors), categories: stringsOrEmpty(l.Categories),
		auth:       rawJSONOrNil(pf.Auth),
		minRelease: strOrEmpty(pf.MinimumSupportedRelease), maxRelease: strOrEmpty(pf.MaximumSupportedRelease),
		pieceType: l.PieceType, packageType: l.PackageType,
		platformID: strOrEmpty(l.PlatformID), archiveID: strOrEmpty(l.ArchiveID),
		created: l.Created, updated: l.Updated,
	}
	for _, c := range p.categories {
		if !slices.Contains(pieceCategories, c) {
			return nil, fmt.Errorf("%s: category %q is not a PieceCategory", pf.Name, c)
		}
	}
	var err error
	if p.actions, err = pieceOps(pf.Name, "action", pf.Actions); err != nil {
		return nil, err
	}
	if p.triggers, err = pieceOps(pf.Name, "trigger", pf.Triggers); err != nil {
		return nil, err
	}
	return p, nil
}

func pieceOps(pieceName, kind string, files []pieceOpFile) ([]pieceOp, error) {
	ops := make([]pieceOp, 0, len(files))
	names := map[string]bool{}
	for _, f := range files {
		if f.Name == "" || names[f.Name] {
			return nil, fmt.Errorf("%s: %s name %q is empty or repeated", pieceName, kind, f.Name)
		}
		names[f.Name] = true
		if (kind == "trigger") != (f.Type != "") {
			return nil, fmt.Errorf("%s: %s %s: type %q", pieceName, kind, f.Name, f.Type)
		}
		op := pieceOp{
			name: f.Name, displayName: f.DisplayName, description: strOrEmpty(f.Description),
			requireAuth: f.RequireAuth == nil || *f.RequireAuth,
			triggerType: f.Type, testStrategy: strOrEmpty(f.TestStrategy),
			sampleData:    rawJSONOrNil(f.SampleData),
			errorHandling: rawJSONOrNil(f.ErrorHandlingOptions),
			handshake:     rawJSONOrNil(f.HandshakeConfiguration),
			renew:         rawJSONOrNil(f.RenewConfiguration),
		}
		props := map[string]bool{}
		for _, pf := range f.Props {
			if pf.Name == "" || props[pf.Name] || pf.Type == "" {
				return nil, fmt.Errorf("%s: %s %s: prop %q is unnamed, repeated or untyped", pieceName, kind, f.Name, pf.Name)
			}
			props[pf.Name] = true
			prop := pieceProp{name: pf.Name, displayName: strOrEmpty(pf.DisplayName), description: strOrEmpty(pf.Description),
				typ: pf.Type, required: pf.Required}
			if pf.DefaultValue != nil {
				prop.hasDefault = true
				if err := json.Unmarshal(pf.DefaultValue, &prop.defaultValue); err != nil {
					return nil, fmt.Errorf("%s: %s %s: prop %s: defaultValue: %w", pieceName, kind, f.Name, pf.Name, err)
				}
			}
			op.props = append(op.props, prop)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// rawJSONOrNil keeps a JSON value as it is written (compacted when encoded), nil
// for an absent key or null.
func rawJSONOrNil(m json.RawMessage) any {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	return m
}

func strOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func stringsOrEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
