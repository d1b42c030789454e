//! Demo data (placeholder while written).
