package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// piecesPath is the piece catalogue (Activepieces packages). The contract
// declares no security for it, so its requests carry no Authorization
// header: the API key is not sent where it is not asked for.
const piecesPath = "/v1/workflow/piece"

// PieceSummary is PieceSummaryResponse: one entry of the piece catalogue.
// Unknown fields are ignored; absent and null read the same.
type PieceSummary struct {
	// Name is the package name, e.g. "@activepieces/piece-slack".
	Name        string
	DisplayName string
	// Description, Version and LogoURL are nil when absent or null.
	Description *string
	Version     *string
	LogoURL     *string
	// Categories are Diga's groupings (AI, COMMUNICATION, SALES_AND_CRM,
	// MARKETING, PRODUCTIVITY, COMMERCE, DEVELOPMENT); other values are
	// passed through.
	Categories []string
	// ActionCount and TriggerCount: the list answer sends counts, the detail
	// answer maps of definitions (counted here); 0 when absent or null.
	ActionCount, TriggerCount int
	// Auth is the piece's connection property (a PieceAuthProperty, or an
	// array of them) exactly as received; nil when absent or null (the
	// piece takes no connection).
	Auth json.RawMessage
}

// PieceDetail is PieceDetailResponse: a piece with the definitions of its
// actions and triggers, each sorted by name.
type PieceDetail struct {
	PieceSummary
	Actions, Triggers []PieceOperation
}

// PieceOperation is a PieceActionDefinition or PieceTriggerDefinition.
type PieceOperation struct {
	// Name is the definition's name, or its key in the answer's map when
	// the definition has none.
	Name        string
	DisplayName string
	Description *string // nil when absent or null
	// Props is the input property schema exactly as received; nil when
	// absent or null.
	Props json.RawMessage
	// RequireAuth is an action's requireAuth; nil when absent or null
	// (Activepieces then requires the piece's connection).
	RequireAuth *bool
}

// ListPiecesParams filters GET /v1/workflow/piece. Empty fields are not
// sent.
type ListPiecesParams struct {
	Search string
	// Categories are sent as repeated categories= parameters.
	Categories []string
	// SuggestionType is ACTION, TRIGGER or ACTION_AND_TRIGGER.
	SuggestionType string
}

// pieceWire is what the summary and the detail answers share.
type pieceWire struct {
	Name        *string         `json:"name"`
	DisplayName *string         `json:"displayName"`
	Description *string         `json:"description"`
	Version     *string         `json:"version"`
	LogoURL     *string         `json:"logoUrl"`
	Categories  []string        `json:"categories"`
	Actions     json.RawMessage `json:"actions"`
	Triggers    json.RawMessage `json:"triggers"`
	Auth        json.RawMessage `json:"auth"`
}

func (w *pieceWire) decode(data []byte) error {
	if isJSONNull(data) {
		return errors.New("expected a piece object, got null")
	}
	return json.Unmarshal(data, w)
}

func (w *pieceWire) summary() PieceSummary {
	return PieceSummary{
		Name:        deref(w.Name),
		DisplayName: deref(w.DisplayName),
		Description: w.Description,
		Version:     w.Version,
		LogoURL:     w.LogoURL,
		Categories:  w.Categories,
		Auth:        nonNull(w.Auth),
	}
}

// UnmarshalJSON decodes a PieceSummaryResponse.
func (p *PieceSummary) UnmarshalJSON(data []byte) error {
	var w pieceWire
	if err := w.decode(data); err != nil {
		return err
	}
	s := w.summary()
	var err error
	if _, s.ActionCount, err = decodeOperations(w.Actions); err != nil {
		return fmt.Errorf("piece %q: actions: %w", s.Name, err)
	}
	if _, s.TriggerCount, err = decodeOperations(w.Triggers); err != nil {
		return fmt.Errorf("piece %q: triggers: %w", s.Name, err)
	}
	*p = s
	return nil
}

// UnmarshalJSON decodes a PieceDetailResponse. (Without it, the embedded
// PieceSummary's would be used and drop the definitions.)
func (p *PieceDetail) UnmarshalJSON(data []byte) error {
	var w pieceWire
	if err := w.decode(data); err != nil {
		return err
	}
	d := PieceDetail{PieceSummary: w.summary()}
	var err error
	if d.Actions, d.ActionCount, err = decodeOperations(w.Actions); err != nil {
		return fmt.Errorf("piece %q: actions: %w", d.Name, err)
	}
	if d.Triggers, d.TriggerCount, err = decodeOperations(w.Triggers); err != nil {
		return fmt.Errorf("piece %q: triggers: %w", d.Name, err)
	}
	*p = d
	return nil
}

// decodeOperations reads an actions/triggers field: a count (list answer),
// a map of definitions by name (detail answer) or, tolerated, an array of
// definitions. A count yields no definitions.
func decodeOperations(raw json.RawMessage) ([]PieceOperation, int, error) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 || isJSONNull(b) {
		return nil, 0, nil
	}
	switch b[0] {
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, 0, err
		}
		ops := make([]PieceOperation, 0, len(m))
		for key, item := range m {
			op, err := decodeOperation(item)
			if err != nil {
				return nil, 0, fmt.Errorf("%q: %w", key, err)
			}
			if op.Name == "" {
				op.Name = key
			}
			ops = append(ops, op)
		}
		slices.SortFunc(ops, func(a, b PieceOperation) int {
			switch {
			case a.Name < b.Name:
				return -1
			case a.Name > b.Name:
				return 1
			}
			return 0
		})
		return ops, len(ops), nil
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			return nil, 0, err
		}
		ops := make([]PieceOperation, 0, len(items))
		for i, item := range items {
			op, err := decodeOperation(item)
			if err != nil {
				return nil, 0, fmt.Errorf("item %d: %w", i, err)
			}
			ops = append(ops, op)
		}
		return ops, len(ops), nil
	default:
		n, err := strconv.Atoi(string(b))
		if err != nil || n < 0 {
			return nil, 0, fmt.Errorf("expected a count or definitions, got %.40s", b)
		}
		return nil, n, nil
	}
}

func decodeOperation(raw json.RawMessage) (PieceOperation, error) {
	var w struct {
		Name        *string         `json:"name"`
		DisplayName *string         `json:"displayName"`
		Description *string         `json:"description"`
		Props       json.RawMessage `json:"props"`
		RequireAuth *bool           `json:"requireAuth"`
	}
	if isJSONNull(raw) {
		return PieceOperation{}, nil
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return PieceOperation{}, err
	}
	op := PieceOperation{Name: deref(w.Name), DisplayName: deref(w.DisplayName), Description: w.Description, RequireAuth: w.RequireAuth}
	if len(w.Props) > 0 && !isJSONNull(w.Props) {
		op.Props = w.Props
	}
	return op, nil
}

// ListPieces lists the piece catalogue: GET /v1/workflow/piece (a bare
// JSON array, not paginated). Sent without the API key.
func (c *Client) ListPieces(ctx context.Context, p ListPiecesParams) ([]PieceSummary, error) {
	q := url.Values{}
	if p.Search != "" {
		q.Set("search", p.Search)
	}
	if p.SuggestionType != "" {
		q.Set("suggestion_type", p.SuggestionType)
	}
	for _, cat := range p.Categories {
		q.Add("categories", cat)
	}
	var pieces []PieceSummary
	if err := c.doPublic(ctx, http.MethodGet, piecesPath, q, &pieces); err != nil {
		return nil, err
	}
	if pieces == nil {
		pieces = []PieceSummary{}
	}
	return pieces, nil
}

// GetPiece reads one piece with its action and trigger definitions:
// GET /v1/workflow/piece/{piece_name}. name is a package name such as
// "@activepieces/piece-slack"; it is sent as one path segment, its "/"
// escaped as %2F. Sent without the API key.
func (c *Client) GetPiece(ctx context.Context, name string) (*PieceDetail, error) {
	seg, err := pathSegment("piece name", name)
	if err != nil {
		return nil, err
	}
	var d PieceDetail
	if err := c.doPublic(ctx, http.MethodGet, piecesPath+seg, nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// doPublic is do (without a body) for an operation the contract declares
// without security: no Authorization header is sent.
func (c *Client) doPublic(ctx context.Context, method, path string, query url.Values, out any) error {
	cl := call{method: method, path: path, query: query, public: true}
	o, attempts, err := c.sendRetrying(ctx, cl, c.newBudget(ctx))
	if err != nil {
		return err
	}
	return c.finish(cl, o, attempts, secretScrubber{}, out)
}
