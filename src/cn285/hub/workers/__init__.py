"""Work queue and worker processes: billing and sync batches claimed from the store."""
