package emulator

import (
	"net/http"
	"strings"
)

// The piece catalogue is global, read-only and public (the contract
// declares no security for its two routes).

var (
	pieceCategories = []string{"AI", "COMMUNICATION", "SALES_AND_CRM", "MARKETING", "PRODUCTIVITY", "COMMERCE", "DEVELOPMENT"}
	suggestionTypes = []string{"ACTION", "TRIGGER", "ACTION_AND_TRIGGER"}
)

// piece is one piece of the catalogue, loaded from piecedata/ (see
// piecedata.go): what the package publishes plus the emulator's listing
// choices (id, categories, pieceType, packageType, platformID, archiveID,
// created, updated).
type piece struct {
	id, name, displayName, description, logoURL, version string
	authors, categories                                  []string
	// auth is the piece's auth as published: nil when the piece has none
	// (PieceAuth.None(), or a package of the older framework whose actions
	// carry an "authentication" prop instead), else a json.RawMessage of
	// one PieceAuthProperty or of a list of them (Slack offers two).
	auth              any
	actions, triggers []pieceOp
	// The package's minimum/maximumSupportedRelease; "" when it declares
	// none (the listing then shows Activepieces' defaults).
	minRelease, maxRelease                        string
	pieceType, packageType, platformID, archiveID string
	created, updated                              string
}

// pieceOp is an action (triggerType "") or a trigger, its props in the
// package's order. requireAuth is the package's value (pieces-framework
// defaults it to true; packages without the field get that default too).
type pieceOp struct {
	name, displayName, description string
	props                          []pieceProp
	requireAuth                    bool
	triggerType, testStrategy      string
	sampleData                     any
	// errorHandling is an action's errorHandlingOptions as published, nil
	// when the package has none; handshake and renew a trigger's
	// handshakeConfiguration and renewConfiguration (nil: none).
	errorHandling, handshake, renew any
}

// pieceProp is an Activepieces input property. defaultValue is sent only
// when hasDefault (Activepieces leaves the key out of properties without
// one), so {}, "", false and 0 are defaults that can be told from none.
type pieceProp struct {
	name, displayName, description, typ string
	required, hasDefault                bool
	defaultValue                        any
}

// defaultErrorHandling is pieces-framework's errorHandlingOptions for an
// action that sets none.
var defaultErrorHandling = orderedObject{
	{"continueOnFailure", orderedObject{{"defaultValue", false}}},
	{"retryOnFailure", orderedObject{{"defaultValue", false}}},
}

// propsBody renders props as Activepieces does: an object by name, in the
// package's order.
func (op pieceOp) propsBody() orderedObject {
	m := make(orderedObject, 0, len(op.props))
	for _, p := range op.props {
		body := orderedObject{
			{"displayName", p.displayName},
			{"description", nullable(p.description)},
			{"required", p.required},
			{"type", p.typ},
		}
		if p.hasDefault {
			body = append(body, field{"defaultValue", p.defaultValue})
		}
		m = append(m, field{p.name, body})
	}
	return m
}

func (op pieceOp) matches(needle string) bool {
	return containsFold(op.name, needle) || containsFold(op.displayName, needle) || containsFold(op.description, needle)
}

func (op pieceOp) suggestion() orderedObject {
	return orderedObject{{"name", op.name}, {"displayName", op.displayName}, {"description", op.description}}
}

func (op pieceOp) actionBody() orderedObject {
	return orderedObject{
		{"name", op.name},
		{"displayName", op.displayName},
		{"description", op.description},
		{"requireAuth", op.requireAuth},
		{"props", op.propsBody()},
		{"errorHandlingOptions", valueOr(op.errorHandling, defaultErrorHandling)},
	}
}

func valueOr(v, def any) any {
	if v == nil {
		return def
	}
	return v
}

func (op pieceOp) triggerBody() orderedObject {
	return orderedObject{
		{"name", op.name},
		{"displayName", op.displayName},
		{"description", op.description},
		{"requireAuth", op.requireAuth},
		{"type", op.triggerType},
		{"testStrategy", nullable(op.testStrategy)},
		{"props", op.propsBody()},
		{"sampleData", op.sampleData},
		{"handshakeConfiguration", op.handshake},
		{"renewConfiguration", op.renew},
	}
}

func containsFold(s, needle string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(needle))
}

func (p *piece) matches(needle string) bool {
	return containsFold(p.name, needle) || containsFold(p.displayName, needle) || containsFold(p.description, needle)
}

// body renders PieceSummaryResponse (detail false: actions/triggers are
// counts; suggested* as given) or PieceDetailResponse (detail true: maps of
// definitions by name), fields in model order.
func (p *piece) body(detail bool, suggestedActions, suggestedTriggers any) orderedObject {
	o := orderedObject{
		{"id", p.id},
		{"name", p.name},
		{"displayName", p.displayName},
		{"logoUrl", p.logoURL},
		{"description", p.description},
		{"version", p.version},
		{"authors", p.authors},
		{"categories", p.categories},
		{"auth", p.auth},
	}
	if detail {
		actions := make(orderedObject, 0, len(p.actions))
		for _, a := range p.actions {
			actions = append(actions, field{a.name, a.actionBody()})
		}
		triggers := make(orderedObject, 0, len(p.triggers))
		for _, t := range p.triggers {
			triggers = append(triggers, field{t.name, t.triggerBody()})
		}
		o = append(o, field{"actions", actions}, field{"triggers", triggers})
	} else {
		o = append(o,
			field{"actions", len(p.actions)},
			field{"triggers", len(p.triggers)},
			field{"suggestedActions", suggestedActions},
			field{"suggestedTriggers", suggestedTriggers},
		)
	}
	return append(o,
		field{"projectUsage", nil},
		field{"pieceType", p.pieceType},
		field{"packageType", p.packageType},
		field{"platformId", nullable(p.platformID)},
		field{"archiveId", nullable(p.archiveID)},
		field{"minimumSupportedRelease", valueOr(nullable(p.minRelease), "0.0.0")},
		field{"maximumSupportedRelease", valueOr(nullable(p.maxRelease), "99999.99999.9999")},
		field{"tags", []string{}},
		field{"created", p.created},
		field{"updated", p.updated},
	)
}

// ---- GET /v1/workflow/piece ------------------------------------------------------

type pieceQuery struct {
	search     string
	suggestion string // "" when absent
	categories map[string]bool
}

// parsePieceQuery validates search, suggestion_type and categories (every
// repeated value, each located at ["query","categories",i]).
func parsePieceQuery(r *http.Request) (pieceQuery, []validationError) {
	var q pieceQuery
	var errs []validationError
	q.search, _ = lastQuery(r, "search")
	if v, ok := lastQuery(r, "suggestion_type"); ok {
		q.suggestion, _ = queryEnum([]any{"query", "suggestion_type"}, v, suggestionTypes, &errs)
	}
	if values := r.URL.Query()["categories"]; len(values) > 0 {
		q.categories = map[string]bool{}
		for i, v := range values {
			if c, ok := queryEnum([]any{"query", "categories", i}, v, pieceCategories, &errs); ok {
				q.categories[c] = true
			}
		}
	}
	return q, errs
}

func (s *Server) handleListPieces(c *call) {
	q, errs := parsePieceQuery(c.r)
	if len(errs) > 0 {
		write422(c.w, errs)
		return
	}
	out := []any{}
	for _, p := range pieceCatalogue {
		if q.categories != nil && !anyCategory(p, q.categories) {
			continue
		}
		pieceMatch := q.search == "" || p.matches(q.search)
		if q.suggestion == "" {
			if pieceMatch {
				out = append(out, p.body(false, nil, nil))
			}
			continue
		}
		// suggestion_type: the piece's operations of the asked kinds
		// (only those matching the search unless the piece itself does);
		// pieces with none are left out.
		pick := func(ops []pieceOp) []any {
			list := []any{}
			for _, op := range ops {
				if pieceMatch || op.matches(q.search) {
					list = append(list, op.suggestion())
				}
			}
			return list
		}
		var actions, triggers any
		n := 0
		if q.suggestion != "TRIGGER" {
			l := pick(p.actions)
			actions, n = l, n+len(l)
		}
		if q.suggestion != "ACTION" {
			l := pick(p.triggers)
			triggers, n = l, n+len(l)
		}
		if n > 0 {
			out = append(out, p.body(false, actions, triggers))
		}
	}
	b, err := marshalJSON(out)
	writeEncoded(c.w, http.StatusOK, b, err)
}

func anyCategory(p *piece, want map[string]bool) bool {
	for _, c := range p.categories {
		if want[c] {
			return true
		}
	}
	return false
}

// ---- GET /v1/workflow/piece/{piece_name} -----------------------------------------

func (s *Server) handleGetPiece(c *call) {
	name := c.params["piece_name"]
	for _, p := range pieceCatalogue {
		if p.name == name {
			b, err := marshalJSON(p.body(true, nil, nil))
			writeEncoded(c.w, http.StatusOK, b, err)
			return
		}
	}
	writeError(c.w, http.StatusNotFound, "PIECE_NOT_FOUND", "Piece "+name+" not found")
}
