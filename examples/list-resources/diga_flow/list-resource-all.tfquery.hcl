# flows.tfquery.hcl: every flow of the project (Terraform v1.14 and later).
list "diga_flow" "all" {
  provider = diga
  limit    = 500 # Terraform lists at most 100 results per block by default
}
