package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/Diga-io/terraform-provider-diga/internal/emulator"
)

func templateFlowConfig(tg *accTarget, name, variables, extra string) string {
	return tg.providerBlock() + fmt.Sprintf(`
data "diga_flow_template" "slack" {
  id = %q
}

resource "diga_flow" "test" {
  name               = %q
  template_id        = data.diga_flow_template.slack.id
  template_variables = %s
%s
}
`, emulator.TemplateSlackSummaryES, name, variables, extra)
}

// Missing template variables are reported at plan time, by name, before
// anything is created.
func TestAccFlow_templateMissingVariablesAtPlan(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      templateFlowConfig(tg, "from-template", `{ agent_id = "agent-1" }`, ""),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Missing template variables.*needs values for: slack_channel`),
		}},
	})
	if n := tg.emu.WriteCount(tg.apiKey); n != 0 {
		t.Errorf("a plan-time error still sent %d write(s)", n)
	}
}

// A flow made from a template carries the substituted variables, gets the
// template's connection, is published and enabled, and plans clean after.
func TestAccFlow_fromTemplate(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "from-template")
	secret := "xoxb-" + randomSuffix(t)
	registerSecret(secret)
	cfg := templateFlowConfig(tg, name, `{ agent_id = "agent-42", slack_channel = "C-SUPPORT" }`, fmt.Sprintf(`
  template_connections = { slack = %q }
  enabled              = true`, secret))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("flow_category"), knownvalue.StringExact("post_call")),
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("status"), knownvalue.StringExact("ENABLED")),
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("definition"), knownvalue.StringRegexp(regexp.MustCompile(`"channel":"C-SUPPORT"`))),
					statecheck.ExpectKnownValue("data.diga_flow_template.slack", tfjsonpath.New("variables"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("agent_id"), knownvalue.StringExact("slack_channel")})),
				},
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if !f.Published || f.Status != "ENABLED" || f.Name != name {
						return fmt.Errorf("flow: published=%v status=%s name=%q", f.Published, f.Status, f.Name)
					}
					def := fmt.Sprint(f.PublishedTrigger)
					if strings.Contains(def, "<<") || !strings.Contains(def, "agent-42") {
						return fmt.Errorf("placeholders not substituted in the published tree: %s", def)
					}
					conns := tg.emu.Connections(tg.apiKey)
					if len(conns) != 1 || conns[0].PieceName != "@activepieces/piece-slack" || !strings.Contains(fmt.Sprint(conns[0].Value), secret) {
						return fmt.Errorf("template connection not created with the given secret: %+v", conns)
					}
					return nil
				},
			},
		},
	})
}

// Template inputs whose values come from another resource are unknown at
// plan: their keys are still checked (a missing variable is reported, the
// ones given are not), nothing fails to convert, and the apply sends the
// values once they are known.
func TestAccFlow_templateInputsKnownOnlyAtApply(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "late-inputs")
	token := "xoxb-late-" + randomSuffix(t)
	cfg := func(variables string) string {
		return tg.providerBlock() + fmt.Sprintf(`
resource "terraform_data" "inputs" {
  input = { channel = "C-LATE", token = %q }
}

data "diga_flow_template" "slack" {
  id = %q
}

resource "diga_flow" "test" {
  name                 = %q
  template_id          = data.diga_flow_template.slack.id
  template_variables   = %s
  template_connections = { slack = terraform_data.inputs.output.token }
}
`, token, emulator.TemplateSlackSummaryES, name, variables)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				// Only the variable really missing is named.
				Config:      cfg(`{ slack_channel = terraform_data.inputs.output.channel }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Missing template variables.*needs values for: agent_id\. Add them`),
			},
			{
				Config: cfg(`{ agent_id = "agent-7", slack_channel = terraform_data.inputs.output.channel }`),
				Check: func(s *terraform.State) error {
					f, err := tg.emuFlow(s)
					if err != nil {
						return err
					}
					if def := fmt.Sprint(f.Trigger); !strings.Contains(def, "C-LATE") || !strings.Contains(def, "agent-7") {
						return fmt.Errorf("variables known only at apply were not substituted: %s", def)
					}
					conns := tg.emu.Connections(tg.apiKey)
					if len(conns) != 1 || fmt.Sprint(conns[0].Value["secret_text"]) != token {
						return fmt.Errorf("the connection value known only at apply did not reach Diga: %d connection(s)", len(conns))
					}
					return nil
				},
			},
		},
	})
}

// template_connections_wo sends the template's connection secrets without
// storing them: the secret reaches the connection the copy makes and is in
// neither state nor plan; a changed secret alone plans nothing, and a new
// template_connections_wo_version replaces the flow to send it.
func TestAccFlow_templateConnectionsWriteOnly(t *testing.T) {
	tg := newAccTarget(t)
	tg.emulatorOnly(t)
	name := tg.name(t, "wo-conns")
	secret1, secret2 := "xoxb-wo1-"+randomSuffix(t), "xoxb-wo2-"+randomSuffix(t)
	registerSecret(secret1)
	registerSecret(secret2)
	// The secret comes from an ephemeral variable, as it should in real
	// use: then it is in no plan file either (a literal would be, as part
	// of the configuration).
	cfg := func(connections string) string {
		return `
variable "slack_token" {
  type      = string
  sensitive = true
  ephemeral = true
}
` + templateFlowConfig(tg, name, `{ agent_id = "agent-42", slack_channel = "C-SUPPORT" }`, connections)
	}
	wo := func(version string) string {
		return cfg(fmt.Sprintf(`
  template_connections_wo         = { slack = var.slack_token }
  template_connections_wo_version = %q`, version))
	}
	token := func(secret string) config.Variables {
		return config.Variables{"slack_token": config.StringVariable(secret)}
	}
	var firstID string
	secretStored := func(want string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			conns := tg.emu.Connections(tg.apiKey)
			if len(conns) != 1 || fmt.Sprint(conns[0].Value["secret_text"]) != want {
				return fmt.Errorf("the template's connection does not hold the configured secret (%d connection(s))", len(conns))
			}
			for _, rs := range s.RootModule().Resources {
				for k, v := range rs.Primary.Attributes {
					if strings.Contains(v, secret1) || strings.Contains(v, secret2) {
						return fmt.Errorf("a secret is in state (%s.%s)", rs.Type, k)
					}
				}
			}
			return nil
		}
	}
	noSecretInPlan := planCheckFunc(func(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		b, err := json.Marshal(req.Plan)
		if err != nil {
			resp.Error = err
			return
		}
		if bytes.Contains(b, []byte(secret1)) || bytes.Contains(b, []byte(secret2)) {
			resp.Error = errors.New("a template connection secret is in the plan")
		}
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             tg.checkFlowsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: cfg(`
  template_connections    = { slack = "not-the-secret" }
  template_connections_wo = { slack = var.slack_token }`),
				ConfigVariables: token(secret1),
				PlanOnly:        true,
				ExpectError:     regexp.MustCompile(`(?s)Invalid Attribute Combination.*template_connections`),
			},
			{
				Config:          wo("1"),
				ConfigVariables: token(secret1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{noSecretInPlan},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("template_connections_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(flowAddr, tfjsonpath.New("template_connections"), knownvalue.Null()),
				},
				Check: resource.ComposeTestCheckFunc(secretStored(secret1), func(s *terraform.State) error {
					firstID = s.RootModule().Resources[flowAddr].Primary.ID
					return nil
				}),
			},
			{
				// Write-only values are not compared: a new secret alone
				// plans nothing.
				Config:          wo("1"),
				ConfigVariables: token(secret2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: secretStored(secret1),
			},
			{
				// A new version replaces the flow, which copies the
				// template again with the new secret.
				Config:          wo("2"),
				ConfigVariables: token(secret2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(flowAddr, plancheck.ResourceActionDestroyBeforeCreate), noSecretInPlan},
				},
				Check: resource.ComposeTestCheckFunc(secretStored(secret2), func(s *terraform.State) error {
					if id := s.RootModule().Resources[flowAddr].Primary.ID; id == firstID {
						return fmt.Errorf("flow %s was not replaced", id)
					}
					return nil
				}),
			},
		},
	})
}
