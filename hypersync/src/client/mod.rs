//! Client (to come).
