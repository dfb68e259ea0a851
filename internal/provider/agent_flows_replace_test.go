package provider

import (
	"strings"
	"testing"
)

// Destroying a flow that agents run is said at plan, naming the agents (a
// replacement the user asks for with -replace or taint is planned by
// Terraform alone: the provider sees an update and then a create); a
// replacement ends with the agent running the new flow, with or without
// create_before_destroy.
func TestAccAgentFlows_replacingAFlowKeepsTheAgentRunningIt(t *testing.T) {
	for _, cbd := range []bool{false, true} {
		name := "destroy first"
		if cbd {
			name = "create before destroy"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tg, tf := cliTarget(t)
			a := tg.liveAgent(t, "Support")
			cfg := agentConfig(tg, t, a.id, "[diga_flow.summary.id]", "  release = true")
			if cbd {
				cfg = strings.Replace(cfg, "resource \"diga_flow\" \"summary\" {\n",
					"resource \"diga_flow\" \"summary\" {\n  lifecycle {\n    create_before_destroy = true\n  }\n", 1)
			}
			tf.write(cfg)
			tf.mustRun("init", "-input=false")
			tf.mustRun("apply", "-input=false", "-auto-approve")
			old := tg.mustStateID(t, tf, "diga_flow.summary")

			// The assignment's own destroy releases the agent first, so a
			// whole destroy names no agent for the flow.
			out := plainText(tf.mustRun("plan", "-input=false", "-destroy"))
			if !strings.Contains(out, "Destroying the assignment releases the agent without these flows") ||
				strings.Contains(out, "Flow runs on live agents") {
				t.Errorf("the destroy plan does not say what it does:\n%s", out)
			}
			tf.mustRun("apply", "-input=false", "-auto-approve", "-replace=diga_flow.summary")
			fresh := tg.mustStateID(t, tf, "diga_flow.summary")
			if fresh == old {
				t.Fatalf("the flow was not replaced: %s", fresh)
			}
			pub, n, err := tg.published(a.id)
			if err != nil {
				t.Fatal(err)
			}
			if len(pub.FlowIDs) != 1 || pub.FlowIDs[0] != fresh || n != 3 {
				t.Errorf("after the replacement the agent's published v%d of %d runs %v, want v3 running %s", pub.Number, n, pub.FlowIDs, fresh)
			}
			if out := plainText(tf.mustRun("plan", "-input=false", "-detailed-exitcode")); !strings.Contains(out, "No changes") {
				t.Errorf("plan after the replacement is not empty:\n%s", out)
			}

			// An assignment Terraform does not manage: destroying the flow
			// is said at plan, naming the agent and its live version.
			tf.mustRun("state", "rm", agentFlowsAddr)
			tf.write(strings.SplitN(cfg, "\nresource \"diga_agent_flows\"", 2)[0])
			out = plainText(tf.mustRun("plan", "-input=false", "-destroy"))
			for _, want := range []string{"Flow runs on live agents", "Support (", "published version v3"} {
				if !strings.Contains(out, want) {
					t.Errorf("the destroy plan does not say %q:\n%s", want, out)
				}
			}
			tf.mustRun("destroy", "-input=false", "-auto-approve")
		})
	}
}

// mustStateID reads a resource's id with terraform state show.
func (tg *accTarget) mustStateID(t *testing.T, tf tfRunner, addr string) string {
	t.Helper()
	out := tf.mustRun("state", "show", "-no-color", addr)
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && strings.TrimSpace(k) == "id" {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	t.Fatalf("no id in terraform state show %s:\n%s", addr, out)
	return ""
}
