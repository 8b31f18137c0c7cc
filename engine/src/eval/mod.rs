//! Expression evaluation (filled in below).
