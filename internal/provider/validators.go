package provider

import "regexp"

// Validators and patterns shared by several resources and data sources.

// uuidPattern matches a UUID as Diga's template ids are.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
