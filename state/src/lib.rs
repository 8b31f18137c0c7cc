//! tether state (filled in below).
