//! Collector-level tests: handwritten fixtures and every corpus file.
