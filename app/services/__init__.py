"""Use cases, one package per domain; each public function owns its transaction."""
