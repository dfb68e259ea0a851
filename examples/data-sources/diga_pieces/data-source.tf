data "diga_pieces" "communication" {
  categories = ["COMMUNICATION"]
}

output "piece_names" {
  value = [for p in data.diga_pieces.communication.pieces : p.name]
}
