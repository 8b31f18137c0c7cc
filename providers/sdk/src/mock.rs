//! A mock provider for engine and end-to-end tests (filled in below).
