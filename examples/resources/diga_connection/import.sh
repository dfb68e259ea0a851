# A connection is imported by its id (see the diga_connections data source).
terraform import diga_connection.slack Xy7PqR2sT9uVwZ1aB3cDe
