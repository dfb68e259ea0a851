package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
	"github.com/Diga-io/terraform-provider-diga/internal/flowdef"
)

// config is what one probe run needs.
type config struct {
	BaseURL string
	APIKey  string
	// Name is the scratch flow's name; "" means tf-probe-<8 random
	// characters>.
	Name string
	// Transport sends the requests; nil means a clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Out receives the human-readable output as it happens.
	Out io.Writer
	// CleanupContext gives the context the scratch flow is deleted with:
	// the probe's own context may have ended (Ctrl-C). nil means two
	// minutes from context.Background().
	CleanupContext func() (context.Context, context.CancelFunc)
	// MaxRetries caps the client's retries of 429/502/503/504 and transport
	// errors per request (the retried requests are counted and shown).
	MaxRetries int
	// RetryWaitMin and RetryWaitMax: 0 means the client's defaults.
	RetryWaitMin, RetryWaitMax time.Duration
	// Now stamps lastUpdatedDate in the complete trees; nil is time.Now.
	Now func() time.Time
	// AgentID, when set, names a scratch agent for the agent step
	// (agent.go); "" skips it.
	AgentID string
}

// userAgent names the probe in Diga's logs.
const userAgent = "terraform-provider-diga-probe"

// The probe's steps, in the order they run. Each import is followed by one
// GET of the flow.
const (
	stepCatalogue = "piece"
	stepCreate    = "create"
	stepD         = "d"
	stepB         = "b"
	stepC         = "c"
	stepE         = "e"
	stepA1        = "a1"
	stepA2        = "a2"
	stepCleanup   = "cleanup"
)

// requestsAtLeast and requestsAtMost are the requests a run sends when
// nothing is retried: the piece look-up, the create, six imports each
// followed by a GET, the delete; three sample-data reads more when GET
// hides loop bodies. Without a catalogue version step e (2 requests) is
// skipped.
const (
	requestsAtLeast = 15
	requestsAtMost  = 18
)

type prober struct {
	cfg  config
	c    *client.Client
	rec  *recorder
	rep  *Report
	out  io.Writer
	name string
	now  time.Time

	// pieceVersion, action and trigger: the Diga piece as the catalogue
	// describes it (version "" when unknown).
	pieceVersion, action, trigger string

	// lastRead is the trigger of the newest successful GET: a refused
	// import is checked against it.
	lastRead json.RawMessage
	haveRead bool
}

// run probes one Diga account and returns what it found. The report is
// returned even with an error (what was learnt until then, whether the
// scratch flow was deleted).
func run(ctx context.Context, cfg config) (*Report, error) {
	p, err := newProber(cfg)
	if err != nil {
		return nil, err
	}
	err = p.run(ctx)
	if err != nil {
		p.rep.Error = scrubber(cfg.APIKey)(err.Error())
	}
	return p.rep, err
}

func newProber(cfg config) (*prober, error) {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CleanupContext == nil {
		cfg.CleanupContext = func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 2*time.Minute)
		}
	}
	base := cfg.Transport
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	name := cfg.Name
	if name == "" {
		name = "tf-probe-" + randomSuffix()
	}
	p := &prober{cfg: cfg, out: cfg.Out, name: name, now: cfg.Now(), trigger: defaultDigaTrigger, action: defaultDigaAction}
	p.rec = &recorder{base: base, scrub: scrubber(cfg.APIKey), seen: p.printExchange}
	retries := cfg.MaxRetries
	c, err := client.New(client.Config{
		BaseURL:      cfg.BaseURL,
		APIKey:       cfg.APIKey,
		UserAgent:    userAgent,
		HTTPClient:   &http.Client{Transport: p.rec},
		MaxRetries:   &retries,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
	})
	if err != nil {
		return nil, err
	}
	p.c = c
	p.rep = &Report{Tool: "diga-probe", BaseURL: c.BaseURL(), FlowName: name, Started: p.now.UTC()}
	return p, nil
}

// randomSuffix is 8 characters of [0-9a-z] from crypto/rand.
func randomSuffix() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func (p *prober) printf(format string, args ...any) {
	_, _ = fmt.Fprintf(p.out, format, args...)
}

// printExchange shows each attempt as it completes: method, path, status,
// content type, size and the start of the body.
func (p *prober) printExchange(ex Exchange) {
	if ex.Status == 0 {
		p.printf("    %s %s → no answer: %s\n", ex.Method, ex.Path, ex.Error)
		return
	}
	width := 240
	if ex.Status >= 300 {
		width = 400
	}
	line := fmt.Sprintf("    %s %s → %d", ex.Method, ex.Path, ex.Status)
	if ex.BodyBytes > 0 {
		ct := ex.ContentType
		if i := strings.IndexByte(ct, ';'); i >= 0 {
			ct = ct[:i]
		}
		body := ex.Body
		// A flow answer begins with its id, name and timestamps; its
		// trigger is what tells (the -json report keeps every body whole).
		if trigger := triggerOf(ex); trigger != "" {
			body = "… \"trigger\":" + trigger
		} else if agent := agentOf(ex); agent != "" {
			body = agent
		}
		line += fmt.Sprintf(" (%s, %d B): %s", ct, ex.BodyBytes, shorten(body, width))
	}
	p.printf("%s\n", line)
}

func (p *prober) run(ctx context.Context) (err error) {
	p.printf("diga-probe: how does %s import and show flows?\n", p.rep.BaseURL)
	p.printf("One scratch flow, %q: created, six bodies imported into its draft (each read back), deleted. Nothing is published or enabled.\n", p.name)
	if p.cfg.AgentID != "" {
		p.printf("Scratch agent %s: the scratch flow, then an id of no flow, assigned to its draft (each read back), then its own flows restored. No version is launched or published.\n", p.cfg.AgentID)
	}

	p.catalogue(ctx)
	if err := ctx.Err(); err != nil {
		p.finish()
		return err
	}
	if err := p.create(ctx); err != nil {
		p.cleanup()
		p.finish()
		return err
	}
	defer func() {
		p.restoreAgent()
		p.cleanup()
		p.finish()
		if a := p.rep.Agent; err == nil && a != nil && a.Read != nil && !a.Read.OK {
			err = fmt.Errorf("the agent step could not run: %s", a.Skipped)
		}
		if a := p.rep.Agent; err == nil && a != nil && a.touched && !a.Restored {
			err = fmt.Errorf("the draft of agent %s was not restored: set its flows back to %s", a.ID, idList(a.DraftFlowIDs))
		}
		if err == nil && len(p.rep.Leftovers) > 0 {
			err = fmt.Errorf("the scratch flow was not deleted: delete %s yourself", strings.Join(p.rep.Leftovers, ", "))
		}
	}()

	for _, s := range p.steps() {
		if err := ctx.Err(); err != nil {
			return err
		}
		res := p.importStep(ctx, s)
		switch s.id {
		case stepD, stepB:
			p.lookUpLoopBody(ctx, res, s.id+"_loop_body")
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p.agentStep(ctx)
	return ctx.Err()
}

// catalogue reads the Diga piece (public, no key): its version for the
// range import (e) and the names of an action and a trigger.
func (p *prober) catalogue(ctx context.Context) {
	p.rec.setStep(stepCatalogue)
	p.printf("\n[%s] the Diga piece in the catalogue\n", stepCatalogue)
	info := &PieceInfo{Name: digaPiece}
	p.rep.Piece = info
	d, err := p.c.GetPiece(ctx, digaPiece)
	if err != nil {
		info.Error = p.rec.scrub(err.Error())
		p.printf("    not read (%s): the PIECE steps use %s/%s and step e is skipped\n", info.Error, digaPiece, p.action)
		return
	}
	if d.Version != nil {
		info.Version = *d.Version
		p.pieceVersion = *d.Version
	}
	for _, a := range d.Actions {
		info.Actions = append(info.Actions, a.Name)
	}
	for _, t := range d.Triggers {
		info.Triggers = append(info.Triggers, t.Name)
	}
	// An action that does not start a call, when there is one: nothing
	// runs anyway, but the flow then does not look like a call launcher.
	for _, a := range info.Actions {
		if a != defaultDigaAction {
			p.action = a
			break
		}
	}
	if len(info.Triggers) > 0 && !slices.Contains(info.Triggers, defaultDigaTrigger) {
		p.trigger = info.Triggers[0]
	}
	info.ActionUsed, info.TriggerUsed = p.action, p.trigger
	p.printf("    version %q; actions %v, triggers %v; the probe uses action %s and trigger %s\n",
		info.Version, info.Actions, info.Triggers, p.action, p.trigger)
}

func (p *prober) create(ctx context.Context) error {
	p.rec.setStep(stepCreate)
	p.printf("\n[%s] create the scratch flow %q\n", stepCreate, p.name)
	res, err := p.c.CreateFlow(ctx, p.name)
	if err != nil {
		var amb *client.AmbiguousCreateError
		if errors.As(err, &amb) {
			// The name is this run's own, so every candidate is ours.
			p.rep.extra = append(p.rep.extra, amb.CandidateIDs...)
		}
		return fmt.Errorf("creating the scratch flow: %w", err)
	}
	p.rep.FlowID = res.Flow.ID
	for _, w := range res.Warnings {
		if w.MayBeFromThisCall {
			p.rep.extra = append(p.rep.extra, w.FlowIDs...)
		}
	}
	p.printf("    flow id %s\n", res.Flow.ID)
	return nil
}

// probeStep is one import.
type probeStep struct {
	id, title string
	body      map[string]any
	err       error // building the body failed
	skip      string
}

func (p *prober) steps() []probeStep {
	var out []probeStep
	add := func(id, title string, body map[string]any, err error) {
		out = append(out, probeStep{id: id, title: title, body: body, err: err})
	}
	d, err := bodyD(p.now)
	add(stepD, "complete engine tree as the provider sends it (EMPTY trigger; CODE, LOOP_ON_ITEMS with its body in firstLoopAction, ROUTER)", d, err)
	b, err := bodyB(p.now)
	add(stepB, "complete tree, but the loop body written in children", b, err)
	c, err := pieceTree("c_piece", p.action, "", p.now)
	add(stepC, "complete tree with a PIECE step ("+digaPiece+" "+p.action+") without pieceVersion", c, err)
	if p.pieceVersion != "" {
		e, err := pieceTree("e_piece", p.action, "^"+p.pieceVersion, p.now)
		add(stepE, "complete tree with a PIECE step whose pieceVersion is the range ^"+p.pieceVersion, e, err)
	} else {
		out = append(out, probeStep{id: stepE, title: "PIECE step with a version range", skip: "the catalogue gave no version of " + digaPiece})
	}
	add(stepA1, "short form: "+digaPiece+" trigger "+p.trigger+" without name, pieceVersion, valid, displayName; CODE step without valid, displayName, lastUpdatedDate", bodyA1(p.trigger), nil)
	add(stepA2, "short form: EMPTY trigger without name; CODE step without valid, displayName, lastUpdatedDate", bodyA2(), nil)
	return out
}

// importStep imports one body, then reads the flow back.
func (p *prober) importStep(ctx context.Context, s probeStep) *StepResult {
	res := &StepResult{ID: s.id, Title: s.title}
	p.rep.Steps = append(p.rep.Steps, res)
	p.printf("\n[%s] %s\n", s.id, s.title)
	switch {
	case s.skip != "":
		res.Skipped = s.skip
		p.printf("    skipped: %s\n", s.skip)
		return res
	case s.err != nil:
		res.Skipped = "building the body: " + s.err.Error()
		p.printf("    skipped: %s\n", res.Skipped)
		return res
	}
	raw, _ := json.Marshal(s.body)
	res.Sent = raw
	p.rec.setStep(s.id)
	res.DisplayName = p.name + "-" + s.id
	mark := p.rec.mark()
	f, err := p.c.ImportFlow(ctx, p.rep.FlowID, client.ImportFlowRequest{DisplayName: res.DisplayName, Trigger: raw})
	res.Import = p.callResult(f, err, p.rec.since(mark))
	if ctx.Err() != nil {
		return res
	}
	mark = p.rec.mark()
	g, err := p.c.GetFlow(ctx, p.rep.FlowID)
	res.Read = p.callResult(g, err, p.rec.since(mark))
	if !res.Import.OK && res.Read.OK && p.haveRead {
		same := flowdef.Canonical(decodeTree(p.lastRead)) == flowdef.Canonical(decodeTree(res.Read.Trigger))
		res.DraftUnchanged = &same
	}
	if res.Read.OK {
		p.lastRead, p.haveRead = res.Read.Trigger, true
	}
	for _, line := range p.seen(s.id, res) {
		res.Seen = append(res.Seen, line)
		p.printf("    seen: %s\n", line)
	}
	return res
}

// callResult sums up one client call and the attempts it made.
func (p *prober) callResult(f *client.Flow, err error, exs []Exchange) *CallResult {
	r := &CallResult{Attempts: len(exs)}
	if n := len(exs); n > 0 {
		r.Status = exs[n-1].Status
		r.ContentType = exs[n-1].ContentType
	}
	if err != nil {
		r.Error = p.rec.scrub(err.Error())
		var apiErr *client.APIError
		if errors.As(err, &apiErr) {
			r.Status = apiErr.StatusCode
			r.ErrorCode = apiErr.ErrorCode
		}
		return r
	}
	r.OK = true
	if f != nil {
		r.Name = f.Name
		r.Trigger = f.RawTrigger
	}
	return r
}

// lookUpLoopBody runs after d and b when the GET shows no loop body and
// no earlier answer showed one: it reads the sample data of the body's
// step, and (once per run) of a step never sent (GETs, nothing written).
// When Diga looks steps up, a step that exists answers differently from
// one that does not, which tells a body GET hides from a body the import
// lost.
func (p *prober) lookUpLoopBody(ctx context.Context, s *StepResult, body string) {
	if ctx.Err() != nil || !s.stored() || findStep(s.tree(), body) != nil || p.loopBodyVisible() {
		return
	}
	step := s.ID + "-sample"
	p.rec.setStep(step)
	p.printf("\n[%s] GET shows no loop body: is %s there? (its sample data", step, body)
	if p.rep.ControlLookup == nil {
		p.printf(", and that of %s, which was never sent", neverSentStep)
	}
	p.printf(")\n")
	look := func(name string) *CallResult {
		mark := p.rec.mark()
		_, err := p.c.GetSampleData(ctx, p.rep.FlowID, name, "OUTPUT")
		return p.callResult(nil, err, p.rec.since(mark))
	}
	s.BodyLookup = look(body)
	if ctx.Err() == nil && p.rep.ControlLookup == nil {
		p.rep.ControlLookup = look(neverSentStep)
	}
}

// loopBodyVisible reports whether the GET after d or b showed the loop
// body that import sent.
func (p *prober) loopBodyVisible() bool {
	for _, id := range []string{stepD, stepB} {
		if s := p.rep.step(id); s.stored() && findStep(s.tree(), id+"_loop_body") != nil {
			return true
		}
	}
	return false
}

// cleanup deletes the scratch flow (and any flow a lost create answer may
// have left under its unique name) with its own context.
func (p *prober) cleanup() {
	ids := []string{}
	for _, id := range append([]string{p.rep.FlowID}, p.rep.extra...) {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	p.rec.setStep(stepCleanup)
	p.printf("\n[%s] delete the scratch flow\n", stepCleanup)
	ctx, cancel := p.cfg.CleanupContext()
	defer cancel()
	for _, id := range ids {
		err := p.c.DeleteFlow(ctx, id)
		switch {
		case err == nil:
			p.rep.Deleted = append(p.rep.Deleted, id)
			p.printf("    deleted %s\n", id)
		case client.IsNotFound(err):
			p.rep.Deleted = append(p.rep.Deleted, id)
			p.printf("    %s was already gone\n", id)
		default:
			p.rep.Leftovers = append(p.rep.Leftovers, id)
			p.printf("    COULD NOT DELETE flow %s (%s)\n", id, p.rec.scrub(err.Error()))
			p.printf("    Delete it in the Diga UI (flow %q) or with:\n", p.name)
			p.printf("      curl -X DELETE -H \"Authorization: Bearer $DIGA_API_KEY\" %s/v1/workflow/%s\n", p.rep.BaseURL, id)
		}
	}
}

// finish decides, prints the verdicts and the request count.
func (p *prober) finish() {
	p.rep.Exchanges = p.rec.all()
	p.rep.Requests = len(p.rep.Exchanges)
	p.decide()
	p.printVerdicts()
}

// triggerOf is the trigger of a 2xx JSON answer holding one, compact; ""
// otherwise.
func triggerOf(ex Exchange) string {
	if ex.Status < 200 || ex.Status > 299 || !strings.Contains(ex.ContentType, "json") {
		return ""
	}
	var w struct {
		Trigger json.RawMessage `json:"trigger"`
	}
	if json.Unmarshal([]byte(ex.Body), &w) != nil || len(w.Trigger) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, w.Trigger) != nil {
		return ""
	}
	return buf.String()
}
