package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/Diga-io/terraform-provider-diga/internal/client"
)

// This file holds every write of diga_agent_flows. An apply checks again
// what the plan checked (the dashboard may have changed the agent or a flow
// since), then writes in an order that never leaves callers worse off:
//
//  1. the draft's flow_ids (changes no call);
//  2. with release: a version launched from the draft, found again by its
//     unique name when the answer to the launch is lost, so one release
//     never makes two versions; a version launched by an apply whose
//     publish failed is published by the next apply instead of launching
//     another (private state remembers it);
//  3. that version published on the phone numbers the agent already uses,
//     one request per number (the request takes one inbound and one
//     outbound number), never with a null version (which would unpublish
//     the agent); then the numbers are listed again to show nothing moved.

// privateReleaseKey records a version an apply launched and could not
// publish: {"version_id":"…"}.
const privateReleaseKey = "release"

type pendingVersion struct {
	VersionID string `json:"version_id"`
}

func pendingRelease(ctx context.Context, p privateState) string {
	b, _ := p.GetKey(ctx, privateReleaseKey)
	var v pendingVersion
	if len(b) == 0 || json.Unmarshal(b, &v) != nil {
		return ""
	}
	return v.VersionID
}

func setPendingRelease(ctx context.Context, p privateState, versionID string) diag.Diagnostics {
	if p == nil {
		return nil // a destroy: no state is left to remember it in
	}
	if versionID == "" {
		return p.SetKey(ctx, privateReleaseKey, nil)
	}
	b, _ := json.Marshal(pendingVersion{VersionID: versionID})
	return p.SetKey(ctx, privateReleaseKey, b)
}

// agentApply carries out the writes for one agent.
type agentApply struct {
	c       *client.Client
	plans   *agentPlans
	agentID string
	private privateState
	pending string // a version launched earlier and not published
}

// write applies a create or update: checks, then the draft, then the
// release; state records each write as it lands.
func (r *agentFlowsResource) write(ctx context.Context, plan agentFlowsModel, pending *string, _ tfsdk.Plan,
	st *tfsdk.State, priv privateState, diags *diag.Diagnostics) {
	c := r.data.apiClient(diags)
	if c == nil {
		return
	}
	a := agentApply{c: c, plans: r.data.agentPlans(), agentID: plan.AgentID.ValueString(), private: priv}
	if pending != nil {
		a.pending = *pending
	}
	desired := setStringsKnown(plan.FlowIDs)
	chk := agentCheck{c: c, plans: a.plans}
	draft, ok := chk.agent(ctx, a.agentID, diags)
	if !ok {
		return
	}
	names := chk.flows(ctx, desired, agentFlowIDs(draft), diags)
	if diags.HasError() {
		return
	}
	// The names the plan showed stay; the others are the ones just read.
	if names == nil {
		names = map[string]string{}
	}
	for id, v := range plan.Flows.Elements() {
		if n, ok := v.(types.String); ok && !n.IsUnknown() && !n.IsNull() {
			names[id] = n.ValueString()
		}
	}
	var rc releaseCheck
	if plan.Release.ValueBool() {
		if rc, ok = chk.release(ctx, draft, desired, plan.ReleaseDraftChanges.ValueBool(), true, diags); !ok {
			return
		}
	} else {
		pub, published, err := c.GetPublishedAgent(ctx, a.agentID)
		if err != nil {
			addAPIError(diags, "Unable to read the published version of agent "+a.agentID, err, nil)
			return
		}
		rc = releaseCheck{Published: pub, HasPublished: published}
	}

	if !plan.PublishedVersionID.IsUnknown() {
		// The plan showed the published version unchanged: the apply keeps
		// to it, whatever was published since (the next plan sees that).
		rc.Due = false
	}

	record := func(draft client.Agent, rc releaseCheck) {
		m := plan
		m.fill(draft, rc.Published, rc.HasPublished, names)
		if !plan.AgentName.IsUnknown() {
			m.AgentName = plan.AgentName
		}
		if !plan.PublishedVersionID.IsUnknown() {
			// The plan wrote nothing to the published version (only a
			// setting changed): keep what it showed; the next refresh
			// reads what Diga holds.
			m.PublishedVersionID, m.PublishedVersionNumber = plan.PublishedVersionID, plan.PublishedVersionNumber
			m.PublishedFlowIDs = plan.PublishedFlowIDs
		}
		diags.Append(st.Set(ctx, &m)...)
	}

	var err error
	if draft, err = a.setDraft(ctx, draft, desired); err != nil {
		addAPIError(diags, "Unable to assign flows to agent "+a.agentID, err, map[string]path.Path{
			"body.flow_ids": path.Root("flow_ids")})
		return
	}
	if !rc.Due {
		record(draft, rc)
		return
	}
	record(draft, rc) // the draft is written; the release follows
	allowOther := plan.ReleaseDraftChanges.ValueBool()
	if !allowOther && !draftOnlyFlows(draft, rc, diags) {
		return
	}
	if pub, ok := a.release(ctx, draft, desired, rc, allowOther, diags); ok {
		rc.Published, rc.HasPublished = pub, true
		record(draft, rc)
	}
}

// setDraft makes the draft's flows exactly flows, unless they are.
func (a agentApply) setDraft(ctx context.Context, draft client.Agent, flows []string) (client.Agent, error) {
	if sameStrings(agentFlowIDs(draft), flows) {
		return draft, nil
	}
	got, err := a.c.SetAgentFlows(ctx, a.agentID, flows)
	if err != nil {
		return draft, err
	}
	if have := agentFlowIDs(got); !sameStrings(have, flows) {
		return got, fmt.Errorf("the assignment was answered with the flows [%s] instead of [%s]; nothing was "+
			"released. Check the agent in the Diga dashboard and run terraform apply again",
			strings.Join(have, ", "), strings.Join(flows, ", "))
	}
	return got, nil
}

// release launches a version from the draft (or reuses the one an earlier
// apply launched and could not publish) and publishes it on the agent's
// phone numbers. It returns the published version.
func (a agentApply) release(ctx context.Context, draft client.Agent, flows []string, rc releaseCheck, allowOther bool,
	diags *diag.Diagnostics) (client.Agent, bool) {
	inbound, outbound, err := a.phones(ctx)
	if err != nil {
		addAPIError(diags, "Unable to list the phone numbers of agent "+a.agentID, err, nil)
		return client.Agent{}, false
	}
	if len(inbound) == 0 && len(outbound) == 0 && !rc.HasPublished {
		diags.AddAttributeError(path.Root("release"), "Agent has no phone number",
			fmt.Sprintf("Agent %s answers and calls from no phone number, and Diga publishes a version on phone "+
				"numbers. Assign a number to the agent in the Diga dashboard, or set release = false. Nothing was "+
				"launched or published; the flows are assigned on the draft.", agentLabel(draft.Name, a.agentID)))
		return client.Agent{}, false
	}
	version, err := a.launch(ctx, draft, flows)
	if err != nil {
		addAPIError(diags, "Unable to launch a version of agent "+a.agentID, err, nil)
		return client.Agent{}, false
	}
	if !sameStrings(agentFlowIDs(version), flows) {
		diags.AddError("Launched version runs other flows",
			fmt.Sprintf("The version Diga launched for agent %s (v%d) runs the flows [%s], not [%s]: the draft changed "+
				"while the apply ran (an edit in the Diga dashboard?). Nothing was published; run terraform apply again.",
				a.agentID, version.VersionNumber, strings.Join(agentFlowIDs(version), ", "), strings.Join(flows, ", ")))
		return client.Agent{}, false
	}
	if !allowOther && rc.HasPublished {
		// The draft could change between the last look and the launch.
		if diffs := client.AgentDraftDifferences(version, rc.Published); len(diffs) > 0 {
			diags.AddError("Launched version holds changes that are not live",
				fmt.Sprintf("The version Diga launched for agent %s (v%d) differs from the published version v%d in: %s "+
					"(edited in the Diga dashboard while the apply ran). It was not published: the published version "+
					"keeps taking calls. Publish or discard those edits, or set release_draft_changes = true, and "+
					"apply again.", a.agentID, version.VersionNumber, rc.Published.VersionNumber, strings.Join(diffs, ", ")))
			return client.Agent{}, false
		}
	}
	diags.Append(setPendingRelease(ctx, a.private, version.VersionID)...)
	if err := a.publish(ctx, version, inbound, outbound); err != nil {
		addAPIError(diags, fmt.Sprintf("Unable to publish version v%d of agent %s", version.VersionNumber, a.agentID), err, nil)
		diags.AddWarning("Release not finished",
			fmt.Sprintf("Version v%d of agent %s was launched but is not (fully) published; the agent's previously "+
				"published version keeps taking calls. The next apply publishes v%d instead of launching another "+
				"version.", version.VersionNumber, a.agentID, version.VersionNumber))
		return client.Agent{}, false
	}
	diags.Append(setPendingRelease(ctx, a.private, "")...)
	if err := a.samePhones(ctx, inbound, outbound); err != nil {
		diags.AddError("Phone numbers moved during the release", err.Error())
	}
	pub, published, err := a.c.GetPublishedAgent(ctx, a.agentID)
	switch {
	case err != nil:
		addAPIError(diags, "Unable to read the published version of agent "+a.agentID, err, nil)
		return client.Agent{}, false
	case !published || pub.VersionID != version.VersionID:
		diags.AddError("Release not visible",
			fmt.Sprintf("Diga accepted the publication of version v%d of agent %s, but reads back %s as published. "+
				"Check the agent in the Diga dashboard.", version.VersionNumber, a.agentID, publishedWord(pub, published)))
		return client.Agent{}, false
	}
	return pub, true
}

func publishedWord(pub client.Agent, published bool) string {
	if !published {
		return "no version"
	}
	return fmt.Sprintf("version v%d", pub.VersionNumber)
}

// launch returns the version to publish: the one an earlier apply launched,
// when it still runs these flows and the draft holds nothing newer;
// otherwise a new one launched from the draft.
func (a agentApply) launch(ctx context.Context, draft client.Agent, flows []string) (client.Agent, error) {
	if a.pending != "" {
		v, err := a.c.GetAgentVersion(ctx, a.agentID, a.pending)
		if err == nil && sameStrings(agentFlowIDs(v), flows) && len(client.AgentDraftDifferences(draft, v)) == 0 {
			return v, nil
		}
	}
	// A version launched earlier and never published that holds exactly
	// the draft (an apply whose create failed after the launch keeps no
	// state to remember it) is published rather than launched again.
	if versions, err := a.c.ListAgentVersions(ctx, a.agentID); err == nil {
		var newest *client.Agent
		for i := range versions {
			if v := &versions[i]; !v.IsDraft && (newest == nil || v.VersionNumber > newest.VersionNumber) {
				newest = v
			}
		}
		if newest != nil && !newest.IsPublished && sameStrings(agentFlowIDs(*newest), flows) &&
			len(client.AgentDraftDifferences(draft, *newest)) == 0 {
			return *newest, nil
		}
	}
	return a.c.LaunchAgentVersion(ctx, a.agentID, releaseName(flows))
}

// releaseName names a version Terraform launches: when and what, and a
// random tag that makes it unique, so that the client can find it again
// when the answer to the launch is lost.
func releaseName(flows []string) string {
	var tag [4]byte
	_, _ = rand.Read(tag[:])
	return fmt.Sprintf("Terraform %s: %d flows (%s)", time.Now().UTC().Format("2006-01-02 15:04:05Z"), len(flows),
		hex.EncodeToString(tag[:]))
}

// phones lists the numbers the agent answers (inbound) and calls from
// (outbound), sorted by id.
func (a agentApply) phones(ctx context.Context) (inbound, outbound []client.Phone, err error) {
	if inbound, err = a.c.ListPhones(ctx, client.PhoneFilter{InboundAgentID: a.agentID}); err != nil {
		return nil, nil, err
	}
	if outbound, err = a.c.ListPhones(ctx, client.PhoneFilter{OutboundAgentID: a.agentID}); err != nil {
		return nil, nil, err
	}
	sort.Slice(inbound, func(i, j int) bool { return inbound[i].ID < inbound[j].ID })
	sort.Slice(outbound, func(i, j int) bool { return outbound[i].ID < outbound[j].ID })
	return inbound, outbound, nil
}

// publish publishes version on every number the agent uses: the request
// takes one inbound and one outbound number, so a number of each kind goes
// with each request, and an agent without numbers gets the version alone.
func (a agentApply) publish(ctx context.Context, version client.Agent, inbound, outbound []client.Phone) error {
	n := max(len(inbound), len(outbound), 1)
	for i := range n {
		req := client.PublishAgentRequest{VersionID: version.VersionID}
		if i < len(inbound) {
			req.InboundPhoneNumberID = inbound[i].ID
		}
		if i < len(outbound) {
			req.OutboundPhoneNumberID = outbound[i].ID
		}
		if _, err := a.c.PublishAgentVersion(ctx, a.agentID, req); err != nil {
			return err
		}
	}
	return nil
}

// samePhones checks that the agent still answers and calls from exactly
// the numbers it did before the release.
func (a agentApply) samePhones(ctx context.Context, inbound, outbound []client.Phone) error {
	in, out, err := a.phones(ctx)
	if err != nil {
		return fmt.Errorf("the release is published, but the phone numbers could not be listed again to check them: %w", err)
	}
	if phoneIDs(in) != phoneIDs(inbound) || phoneIDs(out) != phoneIDs(outbound) {
		return fmt.Errorf("before the release agent %s answered on [%s] and called from [%s]; now it answers on "+
			"[%s] and calls from [%s]. Check the numbers in the Diga dashboard", a.agentID, phoneIDs(inbound),
			phoneIDs(outbound), phoneIDs(in), phoneIDs(out))
	}
	return nil
}

func phoneIDs(ps []client.Phone) string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.Number + " (" + p.ID + ")"
	}
	return strings.Join(ids, ", ")
}

// remove takes flows off the agent's draft (destroy) and, with release,
// releases the draft without them.
func (a agentApply) remove(ctx context.Context, flows []string, release, allowOther bool, diags *diag.Diagnostics) {
	chk := agentCheck{c: a.c, plans: a.plans}
	draft, err := a.c.GetAgent(ctx, a.agentID)
	switch {
	case err != nil && client.IsNotFound(err):
		return // the agent is gone, and its assignments with it
	case err != nil:
		addAPIError(diags, "Unable to read agent "+a.agentID, err, nil)
		return
	}
	rest := without(agentFlowIDs(draft), flows)
	var rc releaseCheck
	if release {
		var ok bool
		if rc, ok = chk.release(ctx, draft, rest, allowOther, false, diags); !ok {
			return
		}
	}
	if draft, err = a.setDraft(ctx, draft, rest); err != nil {
		addAPIError(diags, "Unable to remove flows from agent "+a.agentID, err, nil)
		return
	}
	if release && rc.Due && rc.HasPublished {
		if allowOther || draftOnlyFlows(draft, rc, diags) {
			a.release(ctx, draft, rest, rc, allowOther, diags)
		}
	}
}

// draftOnlyFlows checks, on the draft a write answered with, that it
// differs from the published version only in flows: the dashboard may have
// edited it since the apply's first look.
func draftOnlyFlows(draft client.Agent, rc releaseCheck, diags *diag.Diagnostics) bool {
	if !rc.HasPublished {
		return true // refused earlier unless release_draft_changes
	}
	if diffs := client.AgentDraftDifferences(draft, rc.Published); len(diffs) > 0 {
		diags.AddError("Draft holds changes that are not live",
			fmt.Sprintf("The draft of agent %s now differs from its published version v%d in: %s (edited in the Diga "+
				"dashboard while the apply ran). The flows are assigned on the draft, but nothing was released. Publish "+
				"or discard those edits, or set release_draft_changes = true, and apply again.",
				draft.ID, rc.Published.VersionNumber, strings.Join(diffs, ", ")))
		return false
	}
	return true
}

// agentPlans returns the provider instance's plan records (nil-safe).
func (pd *providerData) agentPlans() *agentPlans {
	if pd == nil {
		return nil
	}
	return pd.agents
}

// planClient returns the client for plan-time checks, or nil when the
// provider is not configured yet (its values come from a resource not yet
// created): the checks then wait for the apply.
func (pd *providerData) planClient() *client.Client {
	if pd == nil {
		return nil
	}
	return pd.client
}

var _ = types.StringType
