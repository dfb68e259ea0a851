data "diga_flow_templates" "english_post_call" {
  language      = "en"
  flow_category = "post_call"
}

output "template_names" {
  value = [for t in data.diga_flow_templates.english_post_call.templates : t.name]
}
