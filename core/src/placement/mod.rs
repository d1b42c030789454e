//! Placements: the register of education settings an authority places children in,
//! and the placement decisions that name one.

pub mod decision;
pub mod register;
